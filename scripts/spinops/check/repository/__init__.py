"""Repository rules: what must hold for a team's own configuration across files, reported by
`spinops check --env ENV` with the file:line to fix (never a pytest assertion on the live config).

One rule per module (like the built-in rules in `spinops.check.rules`), each with `ID`, `SEVERITY`,
`DESCRIPTION`, a module docstring that documents it, and `findings(repo, env)`: the module's readers
are its I/O edge, and the rule itself is a pure function of what they read (tested alone).

- `deploy-credentials`: every workflow-sourced credential reaches the deploy job's `apply` step.
- `distinct-namespaces`: no two overlays share a namespace.
- `image-pins`: the overlay's own image pins, against the release the halconfig's `version:` chooses.
- `kubectl-skew`: the environment's Kubernetes minor is one the pinned kubectl supports.
- `workload-identity-ids`: Workload Identity set-up scripts bind to GitHub's numeric ids, not names.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from spinops.check.findings import Finding
from spinops.check.repository import (
    deploy_credentials,
    distinct_namespaces,
    image_pins,
    kubectl_skew,
    workload_identity,
)
from spinops.check.repository.deploy_credentials import DEPLOY_WORKFLOW, apply_steps, workflow_keys
from spinops.check.repository.files import read_yaml

__all__ = ["DEPLOY_WORKFLOW", "RULES", "apply_steps", "read_yaml", "repository_findings", "workflow_keys"]

MODULES: tuple[ModuleType, ...] = (deploy_credentials, distinct_namespaces, image_pins, kubectl_skew, workload_identity)

#: rule ID -> (default severity, description)
RULES: dict[str, tuple[str, str]] = {m.ID: (m.SEVERITY, m.DESCRIPTION) for m in MODULES}


def repository_findings(repo: Path, env: str, selected: set[str]) -> list[Finding]:
    """Every selected repository rule for one environment."""
    findings: list[Finding] = []
    for mod in MODULES:
        if mod.ID in selected:
            findings += mod.findings(Path(repo), env)
    return findings
