"""`spinops apply`: create the workflow Secrets, apply build/<env>/manifests.yaml, wait for rollouts."""

from __future__ import annotations

HELP = "apply build/<env>/manifests.yaml to the cluster in the current kubectl context (server-side, ApplySet pruning)"
DESCRIPTION = (
    "Create or update the workflow-sourced Secrets of halconfig/secrets.yml from environment variables "
    "(manifest on kubectl's stdin, values masked), then `kubectl apply --server-side --field-manager=spinops` "
    "the built manifests with ApplySet pruning (configmaps/spinops-<env>), record the revision on that ApplySet "
    "parent, then `kubectl rollout status` for every workload the plan shows created or changed, all in parallel "
    "within one deadline. --dry-run prints the plan (create/change/prune) using only server-side dry runs and "
    "reads; --plan-out saves it, and --plan applies exactly a saved plan or refuses when main or the cluster "
    "moved."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {
    0: "applied and rolled out (--dry-run: plan printed)",
    1: "apply or rollout failed, no plan could be made, the plan is outdated, or an internal error",
    2: "bad input or usage: missing manifests or secret env var, no kube context; nothing changed",
}


def add_arguments(parser) -> None:
    parser.add_argument("--env", required=True, help="environment to apply (build/<env>/manifests.yaml)")
    parser.add_argument("--repo", default=".", help="repository root (default: .)")
    parser.add_argument(
        "--manifests", metavar="FILE", help="manifests to apply (default: <repo>/build/<env>/manifests.yaml)"
    )
    parser.add_argument(
        "--namespace", help="namespace of the ApplySet parent and the Secrets (default: the manifests' one namespace)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument(
        "--plan-out", metavar="FILE", help="with --dry-run: save the plan (manifests included) for a later --plan"
    )
    parser.add_argument(
        "--plan",
        metavar="FILE",
        help="apply exactly this saved plan; refuse if main or the cluster moved since it was made",
    )
    parser.add_argument(
        "--main-ref",
        metavar="REF",
        help="git ref of main's current head (e.g. origin/main): only that commit may be planned or applied",
    )
    parser.add_argument("--commit", metavar="SHA", help="the commit being deployed (default: HEAD of --repo)")
    parser.add_argument(
        "--rollback",
        action="store_true",
        help="with --dry-run: an explicit rollback to --commit, an older commit of main",
    )
    parser.add_argument("--rollback-on-failure", action="store_true",
                        help="when a rollout fails, re-apply the last good revision recorded on the ApplySet parent "
                             "(default: `rollbackOnFailure` in kustomize/overlays/<env>/spinops.yml, else off)")
    parser.add_argument("--run-url", default="", metavar="URL", help="recorded with the revision (the workflow run)")
    parser.add_argument(
        "--rollout-timeout",
        default="10m",
        metavar="DURATION",
        help="ONE deadline for all rollouts, waited for in parallel, as kubectl durations (default: 10m)",
    )
    parser.add_argument(
        "--no-force-conflicts",
        dest="force_conflicts",
        action="store_false",
        help="fail on fields owned by another field manager instead of taking them over (default: take over; git is "
             "the truth)",
    )


def run(args) -> int:
    import sys
    from pathlib import Path

    from spinops import deploy, gha
    from spinops.check.settings import env_setting
    from spinops.errors import Problem, UsageError
    from spinops.layout import Repo
    from spinops.plan import OutdatedPlan

    if args.plan_out and not args.dry_run:
        raise UsageError(Problem("--plan-out needs --dry-run (a plan is made without changing anything)", code="usage"))
    if args.plan and args.dry_run:
        raise UsageError(Problem("--plan applies a saved plan; it cannot be combined with --dry-run", code="usage"))
    if args.rollback and not args.dry_run:
        raise UsageError(
            Problem(
                "--rollback is a property of a plan: use it with --dry-run --plan-out, then apply that plan",
                code="usage",
            )
        )
    repo = Repo(args.repo)
    opts = deploy.Options(
        env=args.env,
        repo=repo.root,
        manifests=Path(args.manifests) if args.manifests else repo.manifests(args.env),
        namespace=args.namespace,
        dry_run=args.dry_run,
        rollout_timeout=args.rollout_timeout,
        force_conflicts=args.force_conflicts,
        plan_out=Path(args.plan_out) if args.plan_out else None,
        plan_in=Path(args.plan) if args.plan else None,
        main_ref=args.main_ref,
        commit=args.commit,
        rollback=args.rollback,
        rollback_on_failure=args.rollback_on_failure or bool(env_setting(repo, args.env, "rollbackOnFailure")),
        run_url=args.run_url,
    )
    try:
        outcome = deploy.run_apply(opts)
    except (deploy.ApplyFailed, OutdatedPlan) as e:
        print(f"spinops apply: error: {e}", file=sys.stderr)
        if gha.in_actions():
            print(gha.annotation("error", str(e), title=f"spinops apply {args.env}"))
        gha.append_summary(
            f"### spinops {'plan' if args.dry_run else 'deploy'}: `{args.env}`\n\n**Refused**: {e}\n"
            if isinstance(e, OutdatedPlan)
            else f"### spinops {'plan' if args.dry_run else 'deploy'}: `{args.env}`\n\n**Failed**: {e}\n"
        )
        return 1
    gha.append_summary(deploy.summary_markdown(opts, outcome))
    if outcome.failure:
        print(f"spinops apply: error: {outcome.failure}", file=sys.stderr)
        if gha.in_actions():
            first = outcome.failure.split("\n", 1)[0]
            print(gha.annotation("error", outcome.failure, title=first[:120]))
        return 1
    if not args.dry_run:
        print(outcome.plan.text(args.env, outcome.namespace, False))
    return 0
