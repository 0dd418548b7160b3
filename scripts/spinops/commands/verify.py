"""`spinops verify [FILE...]`: build + check (or only validate the halconfig of) the environments FILEs affect.

What the pre-commit hooks run (.pre-commit-hooks.yaml): pre-commit passes the staged files, so a
commit that touches only `kustomize/overlays/staging/` builds only staging (see spinops.affected).
"""

from __future__ import annotations

HELP = "build and check only the environments the given files affect (the pre-commit hooks)"
DESCRIPTION = (
    "Work out which environments FILE... affect (halconfig/env/ENV.yml: ENV; other halconfig files: every "
    "environment; a kustomize file: the environments whose overlay reads it), then run `spinops build` and "
    "`spinops check` for each, or with --halconfig-only just load, validate and render the halconfig of each "
    "(nothing written). Without FILE every environment is verified."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {
    0: "every affected environment is clean",
    1: "findings",
    2: "bad input in an environment, or usage",
    3: "internal error",
}


def add_arguments(p) -> None:
    p.add_argument(
        "files", nargs="*", metavar="FILE", help="changed files (paths relative to --repo); none: every environment"
    )
    p.add_argument("--repo", default=".", help="repository root (default: .)")
    p.add_argument(
        "--halconfig-only",
        action="store_true",
        help="only load, validate and render the halconfig (base and each halconfig/env/ENV.yml affected); no "
             "kustomize",
    )
    p.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="how problems and findings are printed (default: text)",
    )


def _halconfig_envs(repo) -> list[str]:
    d = repo.halconfig / "env"
    return sorted(p.stem for p in d.glob("*.yml")) if d.is_dir() else []


def run(args) -> int:
    import sys
    import tempfile
    from pathlib import Path

    from spinops import cli
    from spinops.affected import affected_envs
    from spinops.layout import HALCONFIG, Repo

    layout = Repo(args.repo)
    repo = layout.root
    fmt = ["--format", args.format]
    codes: list[int] = []
    if args.halconfig_only:
        envs = _halconfig_envs(layout)
        targets = affected_envs(repo, args.files, envs) if args.files else envs
        touches_base = not args.files or any(
            Path(f).parts[:1] == (HALCONFIG.name,) and Path(f).parts[1:2] != ("env",) for f in args.files
        )
        runs = ([None] if touches_base else []) + targets
        with tempfile.TemporaryDirectory(prefix="spinops-verify-") as tmp:
            for env in dict.fromkeys(runs):
                print(f"spinops verify: halconfig{f' + env/{env}.yml' if env else ''}", file=sys.stderr)
                codes.append(
                    cli.main(["render", str(layout.halconfig), "--out", tmp, *fmt, *(["--env", env] if env else [])])
                )
    else:
        envs = layout.envs()
        targets = affected_envs(repo, args.files, envs) if args.files else envs
        for env in targets:
            print(f"spinops verify: {env}", file=sys.stderr)
            code = cli.main(["build", "--env", env, "--repo", str(repo), *fmt])
            codes.append(code if code else cli.main(["check", "--env", env, "--repo", str(repo), *fmt]))
        if not targets:
            print("spinops verify: no environment affected", file=sys.stderr)
    # bad input anywhere outranks findings; an internal error of check/diff (3) outranks both
    for code in (3, 2, 1):
        if code in codes:
            return code
    return 0
