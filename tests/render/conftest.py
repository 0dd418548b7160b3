"""Render tests: the Kleat golden fixtures and a canonical-halconfig loader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

KLEAT = Path(__file__).resolve().parent.parent / "fixtures" / "kleat"

# StringValue wrappers in the halconfig schema: "" is a real value there
_WRAPPED_STRINGS = {"rootFolder"}


def canonical(data, key=None):
    """A stand-in for the loader's canonical form (drops nulls, empty lists, zero scalars)."""
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            v = canonical(v, k)
            if v is None or v == [] or (v == "" and k not in _WRAPPED_STRINGS):
                continue
            if type(v) is int and v == 0:
                continue
            out[k] = v
        return out
    if isinstance(data, list):
        return [canonical(v) for v in data]
    return data


def load_canonical(path: Path) -> dict:
    """Canonical halconfig data: the real loader when it exists, else the stand-in above."""
    try:
        from spinops.halconfig.load import load_halconfig
    except ImportError:
        return canonical(yaml.safe_load(path.read_text()))
    return load_halconfig(path).data


@pytest.fixture(scope="session")
def kleat_dir() -> Path:
    return KLEAT


@pytest.fixture(scope="session")
def kleat_hal() -> dict:
    return load_canonical(KLEAT / "halconfig.yml")
