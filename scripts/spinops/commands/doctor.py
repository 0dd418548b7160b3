"""`spinops doctor [--env ENV]`: one pass/fail line per prerequisite, each with its fix."""

from __future__ import annotations

HELP = (
    "check this machine and the GitHub repository: Python, pinned kubectl/kustomize, kube context, "
    "cluster, skew, GitHub setup"
)
DESCRIPTION = (
    "Check, one line each with the fix: Python and git; that kubectl and its kustomize are the pinned ones; the "
    "kube context, that its cluster answers and is ENV's (its ApplySet parent exists), kubectl/cluster version skew "
    "(kubectl supports ±1 minor: kubernetes.io/releases/version-skew-policy/#kubectl) and ENV's kubernetesVersion; "
    "and, when `gh` is logged in, the GitHub environments, secrets and variables the workflows read."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {0: "every check passed (skips allowed)", 1: "a check failed, or an internal error", 2: "bad usage"}


def add_arguments(p) -> None:
    from spinops.layout import ENV_VARIABLE, FALLBACK_ENV, default_env

    p.add_argument(
        "--env",
        default=default_env(),
        help=f"environment whose cluster and settings are checked (default: ${ENV_VARIABLE} or {FALLBACK_ENV})",
    )
    p.add_argument("--repo", default=".", help="repository root: its overlays and .github/workflows (default: .)")
    p.add_argument("--no-github", dest="github", action="store_false", help="skip the GitHub checks (no `gh` calls)")
    from spinops.cliopts import add_report_options

    add_report_options(p, ("text", "json"), format_help="json: one document with every check")


def run(args) -> int:
    import json
    from pathlib import Path

    from spinops.cliopts import write_report
    from spinops.doctor import FAIL, diagnose

    checks = diagnose(Path(args.repo), args.env, github=args.github)
    if args.format == "json":
        write_report(
            json.dumps({"env": args.env, "checks": [c.as_dict() for c in checks]}, indent=2) + "\n", args.output
        )
    else:
        write_report("".join(c.text() + "\n" for c in checks), args.output)
    return 1 if any(c.status == FAIL for c in checks) else 0
