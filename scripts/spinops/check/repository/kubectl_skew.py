"""`kubectl-skew` (error): the Kubernetes minor an environment declares (`kubernetesVersion:` in
kustomize/overlays/ENV/spinops.yml, else check's default) is one the pinned kubectl may talk to.

kubectl is supported against API servers within one minor version of itself, older or newer
(kubernetes.io, "Version Skew Policy", section kubectl); `spinops apply`, `diff --live` and drift all
run the pinned kubectl (spinops.tools.PINNED_KUBECTL) against the environment's cluster. A declared
minor outside that range means either the declaration is wrong (and check validates against the
wrong API) or the cluster needs a kubectl spinops does not ship: reported at the `kubernetesVersion:`
line. `spinops doctor` checks the same against the live cluster.
"""

from __future__ import annotations

import re
from pathlib import Path

from spinops.check.findings import Finding, Location, ResourceRef
from spinops.check.repository.files import as_dict, read_yaml
from spinops.check.validate_k8s import DEFAULT_KUBE_VERSION
from spinops.layout import ENV_SETTINGS, OVERLAYS
from spinops.tools import KUBECTL_SKEW, PINNED_KUBECTL

ID = "kubectl-skew"
SEVERITY = "error"
DESCRIPTION = "the environment's Kubernetes minor is within the pinned kubectl's supported version skew"


def _minor(version: str) -> tuple[int, int] | None:
    m = re.match(r"^v?(\d+)\.(\d+)", version)
    return (int(m.group(1)), int(m.group(2))) if m else None


def kubectl_skew(env: str, declared: str | None, where: Location, kubectl: str = PINNED_KUBECTL) -> list[Finding]:
    """declared: the environment's `kubernetesVersion` (None: not set, check's default applies), written at `where`."""
    version = declared or DEFAULT_KUBE_VERSION
    k, c = _minor(kubectl), _minor(version)
    if k is None or c is None:
        return []  # the settings schema reports a malformed version
    if c[0] == k[0] and abs(c[1] - k[1]) <= KUBECTL_SKEW:
        return []
    supported = ", ".join(f"{k[0]}.{k[1] + d}" for d in range(-KUBECTL_SKEW, KUBECTL_SKEW + 1))
    said = f"declares Kubernetes {version}" if declared else f"declares no kubernetesVersion (the default {version})"
    return [
        Finding(
            ID,
            SEVERITY,
            f"environment {env!r} {said}, outside what the pinned kubectl {k[0]}.{k[1]} supports ({supported}: "
            f"kubernetes.io Version Skew Policy, kubectl): apply, diff and drift would run an unsupported kubectl "
            "against the cluster",
            ResourceRef("Settings", where.file),
            source=where,
            hint=f"declare the cluster's real minor (one of {supported}); if the cluster is older, upgrade it before "
                 "deploying with this spinops",
        )
    ]


def findings(repo: Path, env: str) -> list[Finding]:
    rel = str(OVERLAYS / env / ENV_SETTINGS)
    doc = read_yaml(repo, rel)
    declared = as_dict(doc.data if doc else None).get("kubernetesVersion")
    if declared is not None and not isinstance(declared, str):
        return []  # unquoted numbers are the settings schema's error (1.30 is 1.3)
    where = Location(rel, *((doc.position(("kubernetesVersion",)) if doc and declared else None) or (1, None)))
    return kubectl_skew(env, declared, where)
