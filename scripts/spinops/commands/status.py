"""`spinops status --env ENV`: what is deployed, as recorded on the environment's ApplySet parent."""

from __future__ import annotations

HELP = "print the revision deployed to an environment (commit, time, status; the last good revision)"
DESCRIPTION = (
    "Read the revision record that `spinops apply` keeps on the environment's ApplySet parent "
    "(ConfigMap spinops-<env>) in the cluster of the current kubectl context: the commit last applied, when, "
    "whether its rollouts completed, and the last good revision a rollback would re-apply."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {
    0: "printed (also when nothing is recorded yet)",
    1: "kubectl failed, or an internal error",
    2: "bad input or usage",
}


def add_arguments(parser) -> None:
    parser.add_argument("--env", required=True, help="environment")
    parser.add_argument(
        "--repo", default=".", help="repository root, for build/<env>/manifests.yaml's namespace (default: .)"
    )
    parser.add_argument(
        "--namespace",
        help="namespace of the ApplySet parent (default: the one namespace of build/<env>/manifests.yaml)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")


def run(args) -> int:
    import json
    import sys

    from spinops.errors import InputError, Problem
    from spinops.kube.applyset import applyset_parent, manifest_namespace
    from spinops.kube.revision import get_parent_args, read_revision
    from spinops.kube.runner import Kubectl
    from spinops.layout import Repo
    from spinops.manifests import load_documents
    from spinops.tools import kubectl

    namespace = args.namespace
    if not namespace:
        path = Repo(args.repo).manifests(args.env)
        if not path.is_file():
            raise InputError(
                Problem(
                    f"no namespace: pass --namespace, or build the environment first ({path} does not exist)",
                    str(path),
                    hint=f"spinops build --env {args.env}",
                )
            )
        namespace = manifest_namespace(load_documents(path.read_text(encoding="utf-8")), None, path)
    k = Kubectl(kubectl(), lambda text: text, sys.stderr)
    proc = k.run(get_parent_args(args.env, namespace), quiet=True)
    if proc.returncode != 0:
        k.echo(proc.stderr)
        print(f"spinops status: error: kubectl get failed (exit {proc.returncode})", file=sys.stderr)
        return 1
    rev = read_revision(proc.stdout)
    if args.format == "json":
        fields = {k_: v for k_, v in rev.__dict__.items() if k_ != "last_good_manifests"}
        print(
            json.dumps(
                {
                    "env": args.env,
                    "namespace": namespace,
                    **fields,
                    "rollback_copy": rev.last_good_manifests is not None,
                },
                sort_keys=True,
            )
        )
        return 0
    where = f"{args.env} (namespace {namespace}, ApplySet parent configmaps/{applyset_parent(args.env)})"
    if not rev.known:
        print(
            f"{where}: no revision recorded (never deployed by spinops apply, or by a version that did not record one)"
        )
        return 0
    print(f"{where}:")
    print(
        f"  revision   {rev.commit or '-'}  {rev.status or '-'}  applied {rev.applied_at or '-'}"
        + (f"  by {rev.run_url}" if rev.run_url else "")
    )
    copy = "rollback copy stored" if rev.last_good_manifests is not None else "no rollback copy"
    print(f"  last good  {rev.last_good or '-'}  applied {rev.last_good_at or '-'}  ({copy})")
    return 0
