"""An environment's check settings: which Kubernetes version its manifests are validated against.

The version comes from, in order: `--kube-version`; `kubernetesVersion:` in the environment's
settings file kustomize/overlays/<env>/spinops.yml (spinops.layout.ENV_SETTINGS); $SPINOPS_KUBE_VERSION;
else the built-in default (spinops.check.validate_k8s.DEFAULT_KUBE_VERSION).
"""

from __future__ import annotations

import os

from spinops import schemas, yamlio
from spinops.errors import InputError
from spinops.layout import ENV_SETTINGS, OVERLAYS, Repo

KUBE_VERSION_ENV = "SPINOPS_KUBE_VERSION"
#: The settings file as help texts show it.
SETTINGS_FILE = f"{OVERLAYS}/ENV/{ENV_SETTINGS}"


def env_setting(repo: Repo, env: str | None, key: str):
    """One setting of the environment's settings file (validated against its schema), or None."""
    if not env:
        return None
    path = repo.env_settings(env)
    if not path.is_file():
        return None
    doc = yamlio.read(path, str(OVERLAYS / env / ENV_SETTINGS), root=repo.root)
    if doc.data is None:
        return None
    problems = schemas.problems("overlay-settings", doc, "settings-shape")  # the schema editors get, too
    if problems:
        raise InputError(problems)
    return doc.data.get(key)


def kube_version_setting(repo: Repo, env: str | None) -> str | None:
    """The environment's pinned Kubernetes version (`kubernetesVersion:` in its settings file), if any."""
    return env_setting(repo, env, "kubernetesVersion")


def kube_version(repo: Repo, env: str | None, explicit: str | None, default: str) -> str:
    """The Kubernetes version to validate against (see the module docstring for the order)."""
    return explicit or kube_version_setting(repo, env) or os.environ.get(KUBE_VERSION_ENV) or default
