"""Render tests: Kleat's golden fixtures, loaded through the real halconfig loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinops.halconfig.load import load_halconfig

KLEAT = Path(__file__).resolve().parent.parent / "fixtures" / "kleat"


@pytest.fixture(scope="session")
def kleat_dir() -> Path:
    return KLEAT


@pytest.fixture(scope="session")
def kleat_hal() -> dict:
    """Kleat's testdata halconfig as canonical data (validated, zero values dropped): what render gets."""
    return load_halconfig(KLEAT / "halconfig.yml").data
