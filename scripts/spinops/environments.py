"""Environments as data: each overlay's `kustomize/overlays/<env>/spinops.yml` says what the pipeline
needs, and `spinops env list --format json` hands it to every workflow's matrix.

    kubernetesVersion: "1.36"     # the cluster's minor (spinops check validates against its schemas)
    after: staging                # promotion: deploy only after this environment deployed (default: none)
    approval: true                # the GitHub environment has required reviewers (documentation + setup steps)
    gke:                          # names of the GitHub variables holding the cluster (defaults shown)
      cluster: GKE_CLUSTER_PRODUCTION
      location: GKE_LOCATION_PRODUCTION

Every setting is optional, so an overlay without spinops.yml is an environment too.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

from spinops import yamlio
from spinops.errors import InputError, Problem, UsageError
from spinops.layout import ENV_SETTINGS, OVERLAYS, Repo

SETTINGS_FILE = f"{OVERLAYS}/{{env}}/{ENV_SETTINGS}"
#: An environment name is a directory, a GitHub environment, part of a namespace and of variable names.
NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")


def variable_suffix(env: str) -> str:
    return env.upper().replace("-", "_")


@dataclass(frozen=True)
class Environment:
    name: str
    after: str | None = None
    approval: bool = False
    cluster_var: str = ""
    location_var: str = ""
    kubernetes_version: str | None = None

    def as_dict(self) -> dict:
        return {
            "env": self.name,
            "after": self.after,
            "approval": self.approval,
            "cluster_var": self.cluster_var,
            "location_var": self.location_var,
            "kubernetesVersion": self.kubernetes_version,
        }


def parse_settings(env: str, text: str, display: str) -> tuple[Environment, list[Problem]]:
    """One overlay's settings (the text of its spinops.yml, "" when it has none), validated with the
    editor schema (spinops.schemas `overlay-settings`, the one source); problems carry file:line:col."""
    from spinops import schemas, yamlio  # noqa: PLC0415 start-up: difflib loads only to suggest a close name

    doc = yamlio.load(text, display)
    if doc.data is None:
        doc.data = {}
    problems = schemas.problems("overlay-settings", doc, "environment-settings")
    data = doc.data if isinstance(doc.data, dict) else {}
    # values that failed validation fall back to their defaults
    after = data.get("after") if isinstance(data.get("after"), str) and NAME.match(data["after"]) else None
    approval = data.get("approval") is True
    gke = data.get("gke")
    gke = gke if isinstance(gke, dict) else {}
    suffix = variable_suffix(env)

    def var(key: str, default: str) -> str:
        value = gke.get(key)
        return value if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value) else default

    kv = data.get("kubernetesVersion")
    return Environment(
        env,
        after,
        approval,
        var("cluster", f"GKE_CLUSTER_{suffix}"),
        var("location", f"GKE_LOCATION_{suffix}"),
        str(kv) if kv is not None else None,
    ), problems


def load_environments(repo: Path) -> list[Environment]:
    """Every environment (an overlay with a kustomization), in promotion order: an environment comes
    after the one it names in `after`, ties by name. InputError on bad settings, an unknown `after` or a cycle."""
    repo = Path(repo)
    envs: dict[str, Environment] = {}
    problems: list[Problem] = []
    for name in Repo(repo).envs():
        path = repo / SETTINGS_FILE.format(env=name)
        display = SETTINGS_FILE.format(env=name)
        if not NAME.match(name):
            problems.append(
                Problem(
                    f"environment name {name!r} must be lower-case letters, digits and '-' (at most 32)",
                    file=str(Path("kustomize/overlays") / name),
                    code="environment-settings",
                )
            )
            continue

        text = yamlio.read_text(path, display, root=repo) if path.is_file() else ""
        env, found = parse_settings(name, text, display)
        problems += found
        envs[name] = env
    for env in envs.values():
        if env.after is not None and env.after not in envs:
            problems.append(
                Problem(
                    f"`after: {env.after}`: there is no environment {env.after!r}",
                    file=SETTINGS_FILE.format(env=env.name),
                    code="environment-settings",
                    hint=f"environments: {', '.join(sorted(envs))}",
                )
            )
    if problems:
        raise InputError(problems)
    return _promotion_order(envs)


def _promotion_order(envs: dict[str, Environment]) -> list[Environment]:
    ordered: list[Environment] = []
    placed: set[str] = set()
    while len(ordered) < len(envs):
        ready = sorted(n for n, e in envs.items() if n not in placed and (e.after is None or e.after in placed))
        if not ready:
            cycle = sorted(n for n in envs if n not in placed)
            raise InputError(
                Problem(
                    f"`after:` settings form a cycle: {', '.join(cycle)}",
                    file=SETTINGS_FILE.format(env=cycle[0]),
                    code="environment-settings",
                )
            )
        for n in ready:
            ordered.append(envs[n])
            placed.add(n)
    return ordered


def promotion_stages(envs: list[Environment]) -> list[list[Environment]]:
    """The environments (in promotion order) grouped into stages: stage 1 holds those without `after`, stage k+1
    those after an environment of stage k. deploy.yml deploys stage by stage (a stage waits for the whole stage
    before it)."""
    depth: dict[str, int] = {}
    for e in envs:
        depth[e.name] = depth[e.after] + 1 if e.after else 0
    stages: list[list[Environment]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for e in envs:
        stages[depth[e.name]].append(e)
    return stages


def check_stages(envs: list[Environment], limit: int) -> list[list[Environment]]:
    """The stages, or an InputError at the first environment beyond `limit` stages (the workflow's job pairs)."""
    stages = promotion_stages(envs)
    if len(stages) > limit:
        e = stages[limit][0]
        raise InputError(
            Problem(
                f"`after: {e.after}` makes `{e.name}` promotion stage {limit + 1}, but the deploy workflow runs "
                f"{limit} stages",
                file=SETTINGS_FILE.format(env=e.name),
                code="environment-settings",
                hint="promote from an earlier environment (environments of one stage deploy in parallel)",
            )
        )
    return stages


#: `--env all`: every environment, in promotion order (build, check, diff).
ALL = "all"


def for_each(args, run_one, *, refuse: tuple[str, ...] = ()) -> int:
    """Run a command once per environment for `--env all` (in promotion order); the worst exit code.
    Options naming one output (`--out`, `--output`, a manifest file) cannot be shared: a usage error."""
    for opt in refuse:
        if getattr(args, opt.replace("-", "_"), None):
            raise UsageError(
                Problem(
                    f"--env all cannot be combined with {opt if opt.startswith('-') or ' ' in opt else '--' + opt}: "
                    "it names one environment's output",
                    code="usage",
                )
            )
    codes = [
        run_one(argparse.Namespace(**{**vars(args), "env": e.name})) or 0 for e in load_environments(Path(args.repo))
    ]
    return max(codes, default=0)
