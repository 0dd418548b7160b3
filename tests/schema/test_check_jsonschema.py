"""The exported schema works with a generic, real JSON Schema tool (check-jsonschema), as editors and CI use it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from spinops_testlib import REFERENCE

CHECK = shutil.which("check-jsonschema") or str(Path(sys.executable).with_name("check-jsonschema"))


@pytest.fixture
def exported(spinops, tmp_path):
    path = tmp_path / "export" / "halconfig.schema.json"
    r = spinops("schema", "--out", str(path))
    assert r.returncode == 0, r.stderr
    return path


def _check(schema: Path, *files: Path) -> subprocess.CompletedProcess:
    if not Path(CHECK).exists():
        pytest.skip("check-jsonschema is not installed (pip install -e '.[test]')")
    return subprocess.run(
        [CHECK, "--schemafile", str(schema), *map(str, files)], capture_output=True, text=True, timeout=120
    )


def test_kleat_testdata_and_reference_halconfig_pass(exported, fixtures, root):
    r = _check(exported, fixtures / "kleat" / "halconfig.yml", REFERENCE / "halconfig" / "halconfig.yml")
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_typo_is_reported_with_its_path(exported, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("providers:\n  kubernetes:\n    enabled: true\n    acounts: []\n")
    r = _check(exported, bad)
    assert r.returncode == 1
    assert "$.providers.kubernetes" in r.stdout and "'acounts' was unexpected" in r.stdout
