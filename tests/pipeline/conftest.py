"""Fixtures for the pipeline tests: a throwaway repo and the fake kubectl (a test double) wired in."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_support import MANIFESTS, SECRETS, FakeKubectl


@pytest.fixture
def fake_kubectl(tmp_path) -> FakeKubectl:
    return FakeKubectl(tmp_path)


@pytest.fixture
def repo(tmp_path) -> Path:
    r = tmp_path / "repo"
    (r / "build" / "staging").mkdir(parents=True)
    (r / "build" / "staging" / "manifests.yaml").write_text(MANIFESTS)
    (r / "halconfig").mkdir()
    (r / "halconfig" / "secrets.yml").write_text(SECRETS)
    return r
