"""`spinops external-diff LIVE MERGED`: the program `kubectl diff` runs as KUBECTL_EXTERNAL_DIFF."""

from __future__ import annotations

import os

HELP = "the differ kubectl runs (KUBECTL_EXTERNAL_DIFF): report LIVE vs MERGED like spinops diff"
DESCRIPTION = (
    "Compare the two directories `kubectl diff` writes (one file per object) and print the same per-resource, "
    "masked report as `spinops diff`. kubectl passes no options, so they come from the environment: "
    "SPINOPS_DIFF_FORMAT, SPINOPS_DIFF_ENV, SPINOPS_DIFF_OUTPUT, SPINOPS_DIFF_FULL_OUTPUT, SPINOPS_DIFF_CHECK_RESULTS, "
    "SPINOPS_DIFF_CONTEXT (flags override them)."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {0: "no differences", 1: "differences", 2: "bad input or usage", 3: "internal error"}


def add_arguments(p) -> None:
    from spinops.cliopts import add_report_options
    from spinops.kube import live_diff as kd

    p.add_argument("live", metavar="LIVE", help="directory of the live objects (kubectl's LIVE-*)")
    p.add_argument(
        "merged", metavar="MERGED", help="directory of the objects as they would be after apply (kubectl's MERGED-*)"
    )
    add_report_options(p, ("text", "json", "markdown"), default=None, default_help=f"${kd.ENV_FORMAT}, else text",
                       format_help="markdown: the PR comment")
    p.add_argument("--env", default=None, help=f"environment named in the report (default: ${kd.ENV_ENV})")
    p.add_argument(
        "--full-output",
        metavar="FILE",
        default=None,
        help=f"also write the full markdown report (job summary, artifact) to FILE (default: ${kd.ENV_FULL_OUTPUT})",
    )
    p.add_argument(
        "--check-results",
        metavar="FILE",
        default=None,
        help=f"`spinops check --format json` output to summarise in the report (default: ${kd.ENV_CHECK_RESULTS})",
    )
    p.add_argument(
        "--context",
        type=int,
        default=None,
        metavar="N",
        help=f"lines of context in the diffs (default: ${kd.ENV_CONTEXT}, else 3)",
    )


def run(args) -> int:
    from spinops.diff.compare import compare
    from spinops.diff.kubectl_dirs import read_dir
    from spinops.errors import UsageError
    from spinops.kube import live_diff as kd
    from spinops.report import FORMATS, emit
    from spinops.report.checks import load_check_results

    env = os.environ
    fmt = args.format or env.get(kd.ENV_FORMAT) or "text"
    if fmt not in FORMATS:
        raise UsageError(f"{kd.ENV_FORMAT}={fmt!r}: expected one of {', '.join(FORMATS)}")
    context_s = args.context if args.context is not None else env.get(kd.ENV_CONTEXT) or "3"
    try:
        context = int(context_s)
    except ValueError:
        raise UsageError(f"{kd.ENV_CONTEXT}={context_s!r}: expected a number") from None
    check_file = args.check_results or env.get(kd.ENV_CHECK_RESULTS)
    check = load_check_results(check_file) if check_file else None
    result = compare(
        read_dir(args.live),
        read_dir(args.merged),
        old_label="live",
        new_label="merged",
        context=context,
        sides=("live", "merged"),
    )
    result.env = args.env or env.get(kd.ENV_ENV) or None
    result.live = True
    result.check = check
    emit(
        result,
        fmt,
        output=args.output or env.get(kd.ENV_OUTPUT),
        full_output=args.full_output or env.get(kd.ENV_FULL_OUTPUT),
    )
    return 1 if result.has_changes else 0
