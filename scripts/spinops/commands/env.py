"""spinops env list [--format text|json] | spinops env add NAME --from ENV"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

HELP = "list the environments (the workflows' matrix) or add one by copying another"
DESCRIPTION = (
    "`list`: every environment (kustomize/overlays/<env>/ with its spinops.yml settings) in promotion order; "
    "--format json is what the workflows build their matrices from. `add NAME --from ENV`: copy ENV's overlay "
    "(with namespace spinnaker-NAME) and halconfig/env/ENV.yml, then print the GitHub setup steps."
)

EXIT_CODES = {0: "listed, or added", 2: "bad settings (file:line:col), an unknown or existing environment, or usage"}


def add_arguments(p) -> None:
    sub = p.add_subparsers(
        dest="action",
        metavar="ACTION",
        required=True,
        help="list: the environments; add: a new one copied from another",
    )
    ls = sub.add_parser("list", help="the environments in promotion order")
    ls.add_argument("--repo", default=".", help="repository root (default: the current directory)")
    ls.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="json: a list of objects (env, after, approval, cluster_var, location_var, kubernetesVersion); github: "
             "also `matrix=<json>` appended to $GITHUB_OUTPUT",
    )
    ls.add_argument(
        "--stages",
        type=int,
        metavar="N",
        help="github: also `stage1=<json>` .. `stageN=<json>`, the environments of each promotion stage (`[]` when "
             "empty; deploy.yml's matrices); an `after:` chain deeper than N is an error",
    )
    add = sub.add_parser("add", help="add an environment by copying another one")
    add.add_argument("name", help="the new environment (lower-case letters, digits, '-')")
    add.add_argument("--repo", default=".", help="repository root (default: the current directory)")
    add.add_argument("--from", dest="source", required=True, help="the environment to copy (e.g. staging)")
    add.add_argument("--namespace", default=None, help="the new overlay's namespace (default: spinnaker-NAME)")


def run(args) -> int:
    from spinops.environments import check_stages, load_environments

    repo = Path(args.repo)
    if args.action == "list":
        envs = load_environments(repo)
        if args.format in ("json", "github"):
            text = json.dumps([e.as_dict() for e in envs], separators=(",", ":"))
            lines = [f"matrix={text}"]
            if args.stages is not None:
                stages = check_stages(envs, args.stages)
                lines += [
                    f"stage{k + 1}=" + json.dumps([e.as_dict() for e in (stages[k] if k < len(stages) else [])],
                                                  separators=(",", ":"))
                    for k in range(args.stages)
                ]
            if args.format == "github" and os.environ.get("GITHUB_OUTPUT"):
                with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as fh:
                    fh.write("\n".join(lines) + "\n")
            print(text)
        else:
            for e in envs:
                print(
                    f"{e.name:<16} after={e.after or '-':<12} approval={'yes' if e.approval else 'no':<4} "
                    f"cluster=vars.{e.cluster_var} location=vars.{e.location_var}"
                )
        return 0
    return add(repo, args.name, args.source, args.namespace)


def add(repo: Path, name: str, source: str, namespace: str | None) -> int:
    import re

    from spinops.environments import NAME, load_environments, variable_suffix
    from spinops.errors import InputError, Problem, UsageError

    envs = {e.name: e for e in load_environments(repo)}
    if not NAME.match(name):
        raise UsageError(
            Problem(f"environment name {name!r} must be lower-case letters, digits and '-' (at most 32)", code="usage")
        )
    if source not in envs:
        raise UsageError(
            Problem(f"no environment {source!r} to copy", hint=f"environments: {', '.join(envs)}", code="usage")
        )
    overlays = repo / "kustomize" / "overlays"
    target = overlays / name
    hal_src, hal_dst = repo / "halconfig" / "env" / f"{source}.yml", repo / "halconfig" / "env" / f"{name}.yml"
    for existing in (target, hal_dst):
        if existing.exists():
            raise InputError(
                Problem(
                    f"{existing.relative_to(repo)} already exists", file=str(existing.relative_to(repo)), code="exists"
                )
            )
    namespace = namespace or f"spinnaker-{name}"

    # everything is written beside its destination first, then renamed into place
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=overlays))
    try:
        staged = tmp / name
        shutil.copytree(overlays / source, staged)
        _rewrite_namespace(staged, namespace)
        settings = staged / "spinops.yml"
        text = settings.read_text(encoding="utf-8") if settings.is_file() else ""
        # the copied GKE variable names
        text = re.sub(rf"_{re.escape(variable_suffix(source))}\b", "_" + variable_suffix(name), text)
        settings.write_text(
            text.replace(f"--env {source}", f"--env {name}").replace(
                f"the {source} environment", f"the {name} environment"
            ),
            encoding="utf-8",
        )
        hal_tmp = None
        if hal_src.is_file():
            hal_tmp = hal_dst.with_name(f".{hal_dst.name}.tmp")
            shutil.copyfile(hal_src, hal_tmp)
        os.rename(staged, target)
        if hal_tmp is not None:
            os.replace(hal_tmp, hal_dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    new = {e.name: e for e in load_environments(repo)}[name]
    print(setup_steps(repo, new, source, namespace))
    return 0


def _rewrite_namespace(overlay: Path, namespace: str) -> None:
    import re

    from spinops.errors import InputError, Problem
    from spinops.layout import kustomization_file

    kfile = kustomization_file(overlay)
    if kfile is None:  # Repo.envs() lists only overlays with a kustomization: it went away while being copied
        raise InputError(
            Problem("the copied overlay has no kustomization file", file=str(overlay), code="no-kustomization")
        )
    text = kfile.read_text(encoding="utf-8")
    new, n = re.subn(r"(?m)^namespace:.*$", f"namespace: {namespace}", text, count=1)
    if n == 0:
        raise InputError(
            Problem("the copied overlay sets no top-level `namespace:`", file=str(kfile), code="no-namespace")
        )
    kfile.write_text(new, encoding="utf-8")


def setup_steps(repo: Path, env, source: str, namespace: str) -> str:
    from spinops.check.repository import workflow_keys
    from spinops.deploy import github_secret_name

    secrets = sorted({github_secret_name(key) for _, key, _ in workflow_keys(repo)})
    lines = [
        f"Added environment {env.name} (copied from {source}): kustomize/overlays/{env.name}/ (namespace {namespace})"
        + (f", halconfig/env/{env.name}.yml" if (repo / "halconfig" / "env" / f"{env.name}.yml").is_file() else ""),
        "The workflows pick it up from `spinops env list --format json`; nothing else in the repository changes.",
        "Review halconfig/env/<env>.yml (URLs, buckets, bot names) and the overlay's sizing, then on GitHub:",
        f"  1. Settings > Environments > New environment `{env.name}`"
        + (
            ": required reviewers, prevent self-review, deployment branches main only"
            if env.approval
            else ": deployment branches main only"
        ),
        f"  2. Repository variables `{env.cluster_var}` and `{env.location_var}` (the GKE cluster and its location; "
        "the PR live diff, the deploy's plan and apply, and drift all read them)",
        f"  3. Environment `{env.name}` variable GCP_DEPLOY_SERVICE_ACCOUNT (docs/pipeline.md)",
    ]
    if secrets:
        lines.append(f"  4. Environment `{env.name}` secrets: {', '.join(secrets)}")
    lines.append(
        f"  5. Workload Identity: bind the deploy service account of `{env.name}` to the principalSet "
        f"`.../attribute.environment/{env.name}` of the provider that admits only this repository's numeric "
        "repository_id and repository_owner_id (docs/pipeline.md)"
    )
    lines.append(
        f"Then `spinops build --env {env.name} && spinops check --env {env.name}` reports what is still missing, "
        "located."
    )
    return "\n".join(lines)
