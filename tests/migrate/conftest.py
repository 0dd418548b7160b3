"""Fixtures for `spinops migrate` (helpers in halfixture.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from halfixture import HAL, make_backup, make_repo


@pytest.fixture
def hal() -> Path:
    return HAL


@pytest.fixture
def backup(tmp_path) -> Path:
    return make_backup(HAL, tmp_path / "halyard-2026-11-27_17-00-00-000+00:00.tar")


@pytest.fixture
def repo(tmp_path) -> Path:
    return make_repo(tmp_path / "repo")
