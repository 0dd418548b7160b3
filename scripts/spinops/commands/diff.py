"""`spinops diff`: what a PR changes in the manifests (against a git ref) or in the cluster (--live)."""

from __future__ import annotations

import os

from spinops.cliopts import add_report_options
from spinops.layout import ENV_VARIABLE, FALLBACK_ENV, Repo, default_env

HELP = "show what a change does to the manifests: against a git ref (--base) or the live cluster (--live)"
DESCRIPTION = (
    "Build a base git ref (in a temporary worktree) and the working tree, and compare the manifests resource by "
    "resource: generated names paired by stem, noise stripped, Secret values masked, per-resource unified diffs, "
    "and the halconfig sections and services a change touches. --live runs `kubectl diff --server-side` instead, "
    "with spinops as the differ."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {
    0: "no differences",
    1: "differences",
    2: "bad input or usage (e.g. no kube context for --live)",
    3: "internal error",
}


def add_arguments(p) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--base", metavar="REF", help="git ref to compare the working tree with (e.g. origin/main)")
    src.add_argument(
        "--live",
        action="store_true",
        help="compare build/<env>/manifests.yaml with the cluster (kubectl diff --server-side)",
    )
    p.add_argument(
        "--env", default=default_env(), help=f"environment, or `all` (default: ${ENV_VARIABLE} or {FALLBACK_ENV})"
    )
    p.add_argument("--repo", default=".", help="the repository (default: the current directory)")
    add_report_options(p, ("text", "json", "markdown"), format_help="markdown: the PR comment")
    p.add_argument(
        "--full-output",
        metavar="FILE",
        help="also write the full markdown report (job summary, artifact; at most 1 MiB) to FILE",
    )
    p.add_argument(
        "--check-results", metavar="FILE", help="`spinops check --format json` output to summarise in the report"
    )
    p.add_argument("--context", type=int, default=3, metavar="N", help="lines of context in the diffs (default 3)")
    p.add_argument("--force-conflicts", action="store_true", default=True,
                   help="--live: take over fields other field managers own, as `spinops apply` does (the default)")
    p.add_argument("--no-force-conflicts", dest="force_conflicts", action="store_false",
                   help="--live: fail on fields owned by another field manager (e.g. after `kubectl edit`) instead")
    p.add_argument(
        "--manifests",
        metavar="FILE",
        help="--live: the manifests to compare with the cluster (default: build/<env>/manifests.yaml)",
    )
    p.add_argument(
        "--no-prunes",
        dest="prunes",
        action="store_false",
        help="--live: skip the prune preview (the objects the apply would delete, from a server-side dry run)",
    )


def run(args) -> int:
    from spinops.environments import ALL, for_each

    if args.env == ALL:
        return for_each(args, run, refuse=("output", "full-output", "check-results"))
    from pathlib import Path

    from spinops.errors import UsageError

    if args.context < 0:
        raise UsageError("--context must be 0 or more")
    if args.live:
        return _live(args)
    if not args.base:
        raise UsageError("say what to compare with: --base REF (a git ref) or --live (the cluster)")
    from spinops.diff.run import diff_against_ref
    from spinops.report import emit
    from spinops.report.checks import load_check_results

    check = load_check_results(args.check_results) if args.check_results else None
    result = diff_against_ref(Path(args.repo), args.base, args.env, context=args.context)
    result.check = check
    emit(result, args.format, output=args.output, full_output=args.full_output)
    return 1 if result.has_changes else 0


def _live(args) -> int:
    from pathlib import Path

    from spinops.kube import live_diff as kd

    options = {
        kd.ENV_FORMAT: args.format,
        kd.ENV_ENV: args.env,
        kd.ENV_OUTPUT: _abs(args.output),
        kd.ENV_FULL_OUTPUT: _abs(args.full_output),
        kd.ENV_CHECK_RESULTS: _abs(args.check_results),
        kd.ENV_CONTEXT: str(args.context),
    }
    manifests = Path(args.manifests) if args.manifests else Repo(args.repo).manifests(args.env)
    return kd.live_diff(manifests, options, force_conflicts=args.force_conflicts, prunes=args.prunes)


def _abs(path: str | None) -> str | None:
    return os.path.abspath(path) if path else None
