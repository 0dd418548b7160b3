"""spinops migrate SOURCE [--deployment NAME] [--env ENV] [--dry-run] [--force] [--repo DIR]"""

from __future__ import annotations

import sys
from pathlib import Path

HELP = "migrate a Halyard installation (~/.hal or a `hal backup` tar) into this repository"
DESCRIPTION = (
    "Turn a Halyard installation into this repository's layout: halconfig/ in Kleat's format (every Halyard -> Kleat "
    "change "
    "applied), a kustomize overlay kustomize/overlays/<deployment>/ from deploymentEnvironment and service-settings, "
    "profiles, "
    "credentials moved to ${NAME} placeholders (values only in the git-ignored .secrets/) and MIGRATION.md listing "
    "every change, "
    "dropped field and manual step with file:line on both sides. Idempotent; never overwrites a different file "
    "without --force."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {
    0: "migrated (or nothing to do; --dry-run: plan printed)",
    1: "internal error",
    2: "bad input or usage, or existing files differ (without --force); nothing written",
}


def add_arguments(p) -> None:
    p.add_argument(
        "source", metavar="SOURCE", help="a Halyard home directory (~/.hal) or an uncompressed `hal backup create` tar"
    )
    p.add_argument(
        "--deployment",
        default=None,
        metavar="NAME",
        help="the Halyard deployment to migrate (default: currentDeployment)",
    )
    p.add_argument(
        "--env",
        default=None,
        metavar="ENV",
        help="environment to write: kustomize/overlays/ENV/ (default: the deployment's name)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print the plan (files, changes, manual steps) and write nothing"
    )
    p.add_argument("--force", action="store_true", help="overwrite existing files whose content differs")
    p.add_argument(
        "--replace",
        action="store_true",
        help="delete the installation already in the repository (halconfig/, kustomize/overlays/; e.g. the template's "
             "reference one) "
        "and keep only the migrated one (implies --force)",
    )
    p.add_argument("--repo", default=".", help="repository root to migrate into (default: the current directory)")
    p.add_argument(
        "--version",
        default=None,
        metavar="X.Y.Z",
        dest="release",
        help="the open-source Spinnaker release to run (default: the deployment's version; needed for vendor versions)",
    )
    p.add_argument(
        "--public-value",
        action="append",
        default=[],
        metavar="VALUE",
        help="a credential value that is only a placeholder (e.g. a vendor default): the leak guard allows it in "
             "tracked files "
        "(it still moves to .secrets/); repeatable",
    )


def run(args) -> int:
    from spinops.errors import EXIT_INPUT, format_problems
    from spinops.migrate.model import DROPPED, MANUAL
    from spinops.migrate.plan import apply_plan, make_plan

    plan = make_plan(
        Path(args.repo),
        args.source,
        args.deployment,
        args.env,
        public_values=tuple(args.public_value),
        version=args.release,
        replace=args.replace,
    )
    manual = sum(1 for n in plan.notes if n.kind == MANUAL and n.topic != "_secrets")
    dropped = sum(1 for n in plan.notes if n.kind == DROPPED)
    head = f"migrate {plan.source.display} (deployment {plan.deployment}) -> environment {plan.env}"
    if args.dry_run:
        print(f"{head}: plan (dry run, nothing written)")
        for o in sorted(plan.outputs, key=lambda o: o.path):
            label = {"conflict": "replace" if args.force or args.replace else "replace (needs --force)"}.get(
                o.status, o.status
            )
            print(f"  {label:<26} {o.path}{'  (secret, 0600)' if o.secret else ''}")
        for rel in plan.deletions:
            print(f"  {'delete':<26} {rel}")
        print(
            f"{len(plan.changes)} file(s) to write; {dropped} Halyard field(s) dropped; {manual} manual step(s) (see "
            "MIGRATION.md once written)"
        )
        for n in plan.notes:
            if n.kind == MANUAL and n.topic != "_secrets":
                print(f"  manual: {n.message}")
        if plan.conflicts and not (args.force or args.replace):
            print(
                f"{len(plan.conflicts)} existing file(s) differ: rerun with --force to overwrite them", file=sys.stderr
            )
            return EXIT_INPUT
        return 0
    if not plan.has_work:
        print(
            f"{head}: nothing to do, the repository already holds this migration ({len(plan.outputs)} files unchanged)"
        )
        return 0
    from spinops.errors import InputError

    try:
        written = apply_plan(plan, force=args.force)
    except InputError as e:
        print(format_problems(e.problems), file=sys.stderr)
        print(f"nothing was written; {len(e.problems)} file(s) would be overwritten", file=sys.stderr)
        return EXIT_INPUT
    print(f"{head}: wrote {len(written)} file(s), {len(plan.outputs) - len(written)} unchanged"
          + (f", deleted {len(plan.deletions)} of the previous installation" if plan.deletions else ""))
    for o in sorted(written, key=lambda o: o.path):
        label = {"conflict": "replaced", "create": "created", "update": "updated"}.get(o.status, o.status)
        print(f"  {label:<9} {o.path}{'  (secret, 0600)' if o.secret else ''}")
    for rel in plan.deletions:
        print(f"  {'deleted':<9} {rel}")
    print(f"{dropped} Halyard field(s) dropped, {manual} manual step(s) left: read MIGRATION.md")
    return 0
