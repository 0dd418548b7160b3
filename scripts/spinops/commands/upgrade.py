"""`spinops upgrade [VERSION] [--env ENV]`: list newer Spinnaker releases, or move environments to one with a report."""

from __future__ import annotations

from spinops.cliopts import add_report_options

HELP = "list newer Spinnaker releases per environment, or move environments to one and report what changes"
DESCRIPTION = (
    "Without VERSION: the releases of the catalog newer than each environment's (patches of its line, the next "
    "minor line). With VERSION: set the release (the halconfig `version:`, or an environment's override in "
    "halconfig/env/<env>.yml; staging first, production in a second PR), build before and after, and print the "
    "upgrade report: service versions and images, changed upstream defaults this installation sets or relies on, "
    "new runtime-contract findings, data migrations that make a revert unsafe, and the manifests diff. The edits "
    "are written only when the new release builds. docs/upgrade.md walks through it."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {
    0: "listed, upgraded (or already there), or --dry-run reported",
    1: "not written: the new release does not build (runtime-contract errors; see the report)",
    2: "bad input or usage: an unknown release (the known ones listed), a downgrade, a skipped minor line",
}


def add_arguments(p) -> None:
    p.add_argument("version", nargs="?", metavar="VERSION", help="the release to move to (e.g. 1.36.3)")
    p.add_argument(
        "--env",
        default=None,
        help="environment, or `all` (default: list every environment; upgrade the next environments in promotion "
             "order: staging first, then the ones whose `after:` already runs VERSION)",
    )
    p.add_argument(
        "--next",
        choices=("patch", "minor"),
        default=None,
        help="without VERSION: propose each environment's newest patch (patch) or the newest release of its next "
             "minor line (minor), for the environments whose `after:` already runs it; --format github: the "
             "proposals as `matrix=<json>` on $GITHUB_OUTPUT (the upgrade workflow's matrix)",
    )
    p.add_argument("--repo", default=".", help="the repository (default: the current directory)")
    p.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    p.add_argument("--context", type=int, default=3, metavar="N", help="lines of context in the diffs (default 3)")
    add_report_options(
        p, ("text", "json", "markdown", "github"),
        format_help="markdown: the upgrade PR's body; github: the listing's proposals as a workflow matrix",
    )


def run(args) -> int:
    from pathlib import Path

    from spinops.cliopts import write_report
    from spinops.errors import InputError, Problem, UsageError
    from spinops.spinnaker.catalog import UnknownRelease
    from spinops.upgrade import render
    from spinops.upgrade.run import listing, proposals, upgrade
    from spinops.upgrade.versions import Refused

    root = Path(args.repo)
    if args.context < 0:
        raise UsageError("--context must be 0 or more")
    if args.version is None:
        rows = listing(root, args.env or "all")
        proposed = proposals(root, rows, args.next or "patch") if args.next or args.format == "github" else None
        if args.format == "github":
            write_report(render.github_output(proposed or []), args.output)
            return 0
        write_report(render.listing(rows, args.format, proposed), args.output)
        return 0
    if args.next:
        raise UsageError("--next proposes releases when no VERSION is given; with VERSION it has no meaning")
    if args.format == "github":
        raise UsageError("--format github writes the listing's proposals (with --next): run it without VERSION")
    try:
        result = upgrade(root, args.version, args.env, write=not args.dry_run, context=args.context)
    except (UnknownRelease, Refused) as e:
        raise InputError(Problem(str(e), code="upgrade")) from None
    write_report(render.report(result, args.format), args.output)
    return 0 if all(r.builds for r, _ in result.reports) else 1
