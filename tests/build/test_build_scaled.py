"""The benchmark's scaled halconfig builds (no timing here: figures come from `nox -s bench`)."""

from __future__ import annotations

import pytest

from spinops.benchmarks.build import scaled_repo
from spinops.build import build_env
from spinops.manifests import load_documents

pytestmark = pytest.mark.slow


def test_scaled_halconfig_builds_and_wires_every_file(tmp_path):
    repo = scaled_repo(tmp_path / "repo", 40)
    result = build_env(repo, "production")
    assert result.wiring["clouddriver"]["files"] == sorted(
        [f"/var/secrets/kubeconfigs/cluster-{i:04d}.kubeconfig" for i in range(40)]
        + [f"/var/secrets/docker/registry-{i:04d}.json" for i in range(10)]
    )
    assert result.wiring["echo"]["env"] == [f"GITHUB_TOKEN_{i}" for i in range(10)]
    assert result.wiring["front50"]["files"] == ["/var/secrets/gcs/key.json"]
    assert not [w for w in result.warnings if w.code == "configmap-too-large"]
    assert set(result.timings) >= {"load", "render", "patch", "wire", "serialize", "bundle", "kustomize", "total"}


def test_oversized_configmap_is_a_warning(tmp_path):
    repo = scaled_repo(tmp_path / "repo", 3000)
    result = build_env(repo, "production")
    (w,) = [w for w in result.warnings if w.code == "configmap-too-large"]
    assert w.message.startswith("clouddriver-config holds ") and "1 MiB" in w.message
    assert any(d["kind"] == "ConfigMap" for d in load_documents(result.manifests))
