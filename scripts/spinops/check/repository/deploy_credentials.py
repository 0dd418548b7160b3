"""`deploy-credentials` (error): every key of every `source: workflow` Secret in halconfig/secrets.yml
reaches the `apply` step of the deploy workflow job for ENV as an env var, set from a GitHub secret
(`spinops apply` refuses to run without it: docs/pipeline.md, step 1).

Reported at the key in `halconfig/secrets.yml`; the hint names the GitHub secret to add (`SPINNAKER_`
before keys starting with `GITHUB_`). No job deploying ENV at all is reported at the workflow. Skipped
when the repository has no deploy workflow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from spinops.check.findings import Finding, Location, ResourceRef
from spinops.check.repository.files import as_dict as _dict
from spinops.check.repository.files import read_yaml
from spinops.wire import SECRETS_FILE, load_secrets
from spinops.yamlio import Located

ID = "deploy-credentials"
SEVERITY = "error"
DESCRIPTION = "every workflow-sourced credential reaches the deploy workflow's apply step for the environment"

DEPLOY_WORKFLOW = ".github/workflows/deploy.yml"

_APPLY = re.compile(r"\bnox\s+(-s|--session)\s+(deploy_)?apply\b(?!.*--install-only)|\bspinops\s+apply\b")
_SECRET_REF = re.compile(r"^\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


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
                    ID,
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
                        ID,
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
                        ID,
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


def findings(repo: Path, env: str) -> list[Finding]:
    if not (repo / DEPLOY_WORKFLOW).is_file():
        return []
    return deploy_credentials(env, workflow_keys(repo), apply_steps(read_yaml(repo, DEPLOY_WORKFLOW)), DEPLOY_WORKFLOW)
