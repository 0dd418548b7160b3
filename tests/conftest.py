"""Shared test fixtures: the repository root, the spinops CLI as a real subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinops_testlib import FIXTURES, ROOT, run_spinops

__all__ = ["FIXTURES", "ROOT", "run_spinops"]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def spinops():
    return run_spinops
