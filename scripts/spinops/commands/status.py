"""`spinops status --env ENV`: what is deployed, as recorded on the environment's ApplySet parent."""

from __future__ import annotations

from spinops.cliopts import add_report_options, write_report

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
    add_report_options(parser, ("text", "json"))


def run(args) -> int:
    import sys

    from spinops.errors import InputError, Problem
    from spinops.kube.applyset import manifest_namespace
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
    write_report(_report(rev, args.env, namespace, args.format), args.output)
    return 0


def _report(rev, env: str, namespace: str, fmt: str) -> str:
    """The revision record as text or JSON (what `-o` writes, or stdout)."""
    import json

    from spinops.kube.applyset import applyset_parent

    if fmt == "json":
        fields = {k_: v for k_, v in rev.__dict__.items() if k_ != "last_good_manifests"}
        doc = {"env": env, "namespace": namespace, **fields, "rollback_copy": rev.last_good_manifests is not None}
        return json.dumps(doc, sort_keys=True) + "\n"
    where = f"{env} (namespace {namespace}, ApplySet parent configmaps/{applyset_parent(env)})"
    if not rev.known:
        return (
            f"{where}: no revision recorded "
            "(never deployed by spinops apply, or by a version that did not record one)\n"
        )
    copy = "rollback copy stored" if rev.last_good_manifests is not None else "no rollback copy"
    return (
        f"{where}:\n"
        f"  revision   {rev.commit or '-'}  {rev.status or '-'}  applied {rev.applied_at or '-'}"
        + (f"  by {rev.run_url}" if rev.run_url else "")
        + "\n"
        f"  last good  {rev.last_good or '-'}  applied {rev.last_good_at or '-'}  ({copy})\n"
    )
