"""An environment's check settings: which Kubernetes version its manifests are validated against.

The version comes from, in order: `--kube-version`; `kubernetesVersion:` in the environment's
settings file kustomize/overlays/<env>/spinops.yml (spinops.layout.ENV_SETTINGS); $SPINOPS_KUBE_VERSION;
else the built-in default (spinops.check.validate_k8s.DEFAULT_KUBE_VERSION).
"""

from __future__ import annotations

import os

import yaml

from spinops.errors import InputError, Problem
from spinops.layout import ENV_SETTINGS, OVERLAYS, Repo

KUBE_VERSION_ENV = "SPINOPS_KUBE_VERSION"
#: The settings file as help texts show it.
SETTINGS_FILE = f"{OVERLAYS}/ENV/{ENV_SETTINGS}"


def kube_version_setting(repo: Repo, env: str | None) -> str | None:
    """The environment's pinned Kubernetes version (`kubernetesVersion:` in its settings file), if any."""
    if not env:
        return None
    path = repo.env_settings(env)
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise InputError(Problem(f"invalid YAML: {getattr(e, 'problem', e)}", file=str(path), line=mark.line + 1 if mark else None)) from None
    value = data.get("kubernetesVersion") if isinstance(data, dict) else None
    return str(value) if value is not None else None


def kube_version(repo: Repo, env: str | None, explicit: str | None, default: str) -> str:
    """The Kubernetes version to validate against (see the module docstring for the order)."""
    return explicit or kube_version_setting(repo, env) or os.environ.get(KUBE_VERSION_ENV) or default
