"""Repository rules: what must hold for a team's own configuration across files, reported by
`spinops check --env ENV` with the file:line to fix (never a pytest assertion on the live config).

- `deploy-credentials`: every key of every `source: workflow` Secret in halconfig/secrets.yml reaches
  the `apply` step of the deploy workflow job for ENV as an env var (`spinops apply` refuses to run
  without it: docs/pipeline.md, step 1).
- `release-matches-halconfig`: the overlay's `images:` tags are the halconfig's `version:` release.
- `distinct-namespaces`: no two overlays share a namespace (two environments would apply over each other).

The readers here are the I/O edge; each rule is a pure function of what they read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from spinops import yamlio
from spinops.check.findings import Finding, Location, ResourceRef
from spinops.errors import InputError
from spinops.layout import Repo, kustomization_file
from spinops.spinnaker.catalog import image_tag_of
from spinops.spinnaker.services import SERVICES
from spinops.wire import SECRETS_FILE, load_secrets
from spinops.yamlio import Located

DEPLOY_WORKFLOW = ".github/workflows/deploy.yml"

RULES = {
    "deploy-credentials": (
        "error",
        "every workflow-sourced credential reaches the deploy workflow's apply step for the environment",
    ),
    "release-matches-halconfig": ("error", "the overlay's image tags are the halconfig `version:` release"),
    "distinct-namespaces": ("error", "each environment's overlay has a namespace of its own"),
}

_APPLY = re.compile(r"\bnox\s+(-s|--session)\s+(deploy_)?apply\b(?!.*--install-only)|\bspinops\s+apply\b")
_SECRET_REF = re.compile(r"^\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


def read_yaml(repo: Path, rel: str) -> Located | None:
    """A repository file through the one guarded loader; None when it is absent or unreadable (build and
    check report those with positions through their own readers)."""
    path = Path(repo) / rel
    if not path.is_file():
        return None
    try:
        return yamlio.read(path, rel, root=Path(repo))
    except InputError:
        return None


def _dict(v) -> dict:
    return v if isinstance(v, dict) else {}


# ----------------------------------------------------------------------------------------------
# deploy-credentials


@dataclass(frozen=True)
class ApplyStep:
    """A step of the deploy workflow that runs `apply`, for the environments its job deploys."""

    environments: frozenset[str] | None  # None: an expression (a matrix), so every environment
    env_vars: dict[str, str]  # name -> value expression (step env over job env over workflow env)
    line: int


def apply_steps(workflow: Located | None) -> list[ApplyStep]:
    """The apply steps of a parsed workflow, with the env each one gets."""
    if workflow is None or not isinstance(workflow.data, dict) or not isinstance(workflow.data.get("jobs"), dict):
        return []
    data = workflow.data
    out = []
    for job_id, job in data["jobs"].items():
        if not isinstance(job, dict):
            continue
        env = job.get("environment")
        name = env.get("name") if isinstance(env, dict) else env
        environments = None if not isinstance(name, str) or "${{" in name else frozenset({name})
        steps = job.get("steps")
        for i, step in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(step, dict) or not isinstance(step.get("run"), str) or not _APPLY.search(step["run"]):
                continue
            merged = {
                str(k): str(v)
                for k, v in {**_dict(data.get("env")), **_dict(job.get("env")), **_dict(step.get("env"))}.items()
            }
            out.append(ApplyStep(environments, merged, workflow.line(("jobs", job_id, "steps", i)) or 1))
    return out


def deploy_credentials(
    env: str, workflow_keys: list[tuple[str, str, Location]], steps: list[ApplyStep], workflow_file: str
) -> list[Finding]:
    """workflow_keys: (Secret, key, where the key is declared). A key missing from the apply step of
    ENV's deploy job is an error at its declaration, naming the GitHub secret to add and the line to write."""
    from spinops.deploy import github_secret_name  # noqa: PLC0415 start-up: spinops.deploy imports PyYAML; needed only on this path

    mine = [s for s in steps if s.environments is None or env in s.environments]
    findings = []
    if not mine:
        if workflow_keys:
            findings.append(
                Finding(
                    "deploy-credentials",
                    "error",
                    f"no job of {workflow_file} runs `apply` for environment {env!r}",
                    ResourceRef("Workflow", workflow_file),
                    source=Location(workflow_file, 1),
                    hint=f"add a deploy job with `environment: {env}` (or a matrix over the environments) whose step "
                         "runs `nox -s apply`",
                )
            )
        return findings
    for secret, key, where in workflow_keys:
        gh = github_secret_name(key)
        for step in mine:
            value = step.env_vars.get(key)
            if value is None:
                findings.append(
                    Finding(
                        "deploy-credentials",
                        "error",
                        f"{key} (Secret {secret}) is not passed to the apply step of {workflow_file}:{step.line}, so "
                        f"`spinops apply --env {env}` refuses to run",
                        ResourceRef("Secret", secret),
                        source=where,
                        hint=f"add the GitHub environment secret {gh} to environment {env!r} and `{key}: ${{{{ "
                             f"secrets.{gh} }}}}` to that step's env:",
                    )
                )
            elif not _SECRET_REF.match(value.strip()):
                findings.append(
                    Finding(
                        "deploy-credentials",
                        "warning",
                        f"{key} (Secret {secret}) is set in {workflow_file}:{step.line} from something other than a "
                        "GitHub secret",
                        ResourceRef("Secret", secret),
                        source=where,
                        hint=f"use `{key}: ${{{{ secrets.{gh} }}}}`",
                    )
                )
    return findings


def workflow_keys(repo: Path) -> list[tuple[str, str, Location]]:
    if not (repo / SECRETS_FILE).is_file():
        return []
    inventory = load_secrets(repo)
    out = []
    for decl in inventory.secrets.values():
        if decl.source != "workflow":
            continue
        for i, key in enumerate(decl.env):
            p = inventory.problem(("secrets", decl.name, "env", i), "")
            out.append((decl.name, key, Location(str(SECRETS_FILE), p.line, p.column)))
    return out


# ----------------------------------------------------------------------------------------------
# release-matches-halconfig


def halconfig_version(repo: Path, env: str) -> str | None:
    """`version:` of halconfig/*.yml, overridden by halconfig/env/ENV.yml (the build's merge order)."""
    version = None
    root = Path(repo) / "halconfig"
    for f in [*sorted(root.glob("*.yml")), root / "env" / f"{env}.yml"]:
        if f.name == "secrets.yml" or not f.is_file():
            continue
        doc = read_yaml(repo, str(f.relative_to(repo)))
        v = _dict(doc.data if doc else None).get("version")
        if v not in (None, ""):
            version = str(v)
    return version


def release_matches(version: str | None, images: list[tuple[str, str, Location]], overlay_file: str) -> list[Finding]:
    """images: (image name, newTag, where the newTag is) of the overlay's Spinnaker service images."""
    if not version:
        return []
    want = image_tag_of(version)  # spinnaker-1.36.1; a calendar release's tag is its version (2026.2.3)
    return [
        Finding(
            "release-matches-halconfig",
            "error",
            f"{name.rsplit('/', 1)[-1]} is pinned to {tag} but the halconfig says version: {version}",
            ResourceRef("Kustomization", overlay_file),
            source=where,
            hint=f"set newTag: {want} (bump the halconfig `version:` and every image together)",
        )
        for name, tag, where in images
        if tag != want
    ]


def overlay_images(repo: Path, env: str) -> tuple[str, list[tuple[str, str, Location]]]:
    overlay = repo / "kustomize" / "overlays" / env
    kfile = kustomization_file(overlay)
    if kfile is None:
        return "", []
    rel = str(kfile.relative_to(repo))
    doc = read_yaml(repo, rel)
    if doc is None:
        return rel, []
    images = _dict(doc.data).get("images")
    out = []
    for i, entry in enumerate(images if isinstance(images, list) else []):
        name, tag = _dict(entry).get("name"), _dict(entry).get("newTag")
        if isinstance(name, str) and tag is not None and name.rsplit("/", 1)[-1] in SERVICES:
            out.append((name, str(tag), Location(rel, *(doc.position(("images", i, "newTag")) or (None, None)))))
    return rel, out


# ----------------------------------------------------------------------------------------------
# distinct-namespaces


def distinct_namespaces(env: str, namespaces: dict[str, tuple[str, Location]]) -> list[Finding]:
    """namespaces: environment -> (namespace, where it is set). ENV sharing one with another is an error."""
    if env not in namespaces:
        return []
    ns, where = namespaces[env]
    others = sorted(e for e, (n, _) in namespaces.items() if n == ns and e != env)
    if not others:
        return []
    return [
        Finding(
            "distinct-namespaces",
            "error",
            f"environment {env!r} uses namespace {ns!r}, as does {', '.join(repr(o) for o in others)}: their applies "
            "would prune each other",
            ResourceRef("Kustomization", where.file),
            source=where,
            hint="give each overlay its own `namespace:`",
        )
    ]


def overlay_namespaces(repo: Path) -> dict[str, tuple[str, Location]]:
    out = {}
    for env in Repo(repo).envs():
        kfile = kustomization_file(repo / "kustomize" / "overlays" / env)
        doc = read_yaml(repo, str(kfile.relative_to(repo))) if kfile else None
        ns = _dict(doc.data).get("namespace") if doc else None
        if doc and isinstance(ns, str) and ns:
            out[env] = (ns, Location(doc.file, *(doc.position(("namespace",)) or (None, None))))
    return out


# ----------------------------------------------------------------------------------------------


def repository_findings(repo: Path, env: str, selected: set[str]) -> list[Finding]:
    """Every selected repository rule for one environment."""
    findings: list[Finding] = []
    if "deploy-credentials" in selected and (repo / DEPLOY_WORKFLOW).is_file():
        findings += deploy_credentials(
            env, workflow_keys(repo), apply_steps(read_yaml(repo, DEPLOY_WORKFLOW)), DEPLOY_WORKFLOW
        )
    if "release-matches-halconfig" in selected:
        overlay_file, images = overlay_images(repo, env)
        findings += release_matches(halconfig_version(repo, env), images, overlay_file)
    if "distinct-namespaces" in selected:
        findings += distinct_namespaces(env, overlay_namespaces(repo))
    return findings
