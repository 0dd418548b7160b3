"""Package data read with yaml-rs (YAML 1.2) reads exactly as with PyYAML's safe loader (YAML 1.1): the runtime
contract's tables moved to yaml-rs for speed (spinops.spinnaker.contract.evaluate) and must not change meaning,
e.g. through a `yes`/`on`/`0755` scalar the two YAML versions read differently."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from spinops import yamlio
from spinops.spinnaker.contract import evaluate

TABLES = ("requirements.yml", "spring_boot_removed.yml")


@pytest.mark.parametrize("name", TABLES)
def test_yaml_rs_reads_the_contract_tables_as_pyyaml_does(name):
    text = resources.files("spinops.spinnaker.contract").joinpath(name).read_text(encoding="utf-8")
    assert yamlio.loads_fast(text, name) == yaml.safe_load(text)


def test_a_yaml_1_1_boolean_would_be_caught():
    text = "removed:\n  a.b:\n    replacement: on\n    source: x\n"
    assert yamlio.loads_fast(text, "t.yml") != yaml.safe_load(text)  # the comparison above can fail


def test_the_tables_load():
    assert evaluate.requirements() and evaluate.removed_properties()
