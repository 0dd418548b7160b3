"""Session-wide kustomize builds for the tests of this folder (helpers in kustomize_builds.py)."""

from __future__ import annotations

import pytest
from kustomize_builds import KUSTOMIZE, OVERLAYS, Build, config_layer, kustomize, overlay_kustomization


@pytest.fixture(scope="session")
def base_build() -> Build:
    return kustomize(KUSTOMIZE / "base")


@pytest.fixture(scope="session")
def overlay_builds() -> dict[str, Build]:
    return {env: kustomize(KUSTOMIZE / "overlays" / env) for env in OVERLAYS}


@pytest.fixture(scope="session")
def layered_builds(tmp_path_factory) -> dict[str, Build]:
    """Each overlay inside a generated config layer, as `spinops build` uses it."""
    builds = {}
    for env in OVERLAYS:
        layer = config_layer(
            tmp_path_factory.mktemp(f"layer-{env}"),
            KUSTOMIZE / "overlays" / env,
            namespace=overlay_kustomization(env)["namespace"],
        )
        builds[env] = kustomize(layer)
    return builds
