"""Problems of the wiring stage name where the value was written: the origin travels with each config file
through render, profiles and patches (spinops.build.origin), so nothing searches the texts for the value.

Each case here was located wrongly by the text search that came before (the first text that contained the
value, or its key followed by a colon, in any profile, patch or the halconfig)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spinops.build import build_env, pipeline
from spinops.build.origin import HalconfigValues, changed_paths
from spinops.errors import InputError
from spinops.halconfig.load import load_halconfig

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "fixtures" / "reference"  # frozen copy of the reference installation
CANARY = "canary-5e02b1-do-not-leak"


@pytest.fixture
def repo(tmp_path):
    for d in ("halconfig", "kustomize"):
        shutil.copytree(REFERENCE / d, tmp_path / d)
    return tmp_path


def _errors(repo: Path):
    with pytest.raises(InputError) as e:
        build_env(repo, "production")
    return [p for p in e.value.problems if p.severity == "error"]


def _append(path: Path, text: str) -> int:
    """Append to a file; the line number the appended text starts on."""
    before = path.read_text() if path.exists() else ""
    path.write_text(before + text)
    return before.count("\n") + 1


def test_a_placeholder_is_located_by_its_name_not_a_prefix_of_another(repo):
    """${SLACK} is undeclared; the halconfig's ${SLACK_TOKEN} (declared) begins with the same text."""
    first = _append(
        repo / "halconfig" / "env" / "production.yml",
        "notifications:\n  twilio:\n    enabled: true\n    account: AC1\n    token: ${SLACK}\n",
    )
    (p,) = _errors(repo)
    assert p.code == "undeclared-placeholder" and "${SLACK} is used by echo" in p.message
    assert (p.file, p.line) == ("halconfig/env/production.yml", first + 4)


def test_the_same_key_twice_in_a_profile_is_located_where_the_literal_is(repo):
    first = _append(
        repo / "halconfig" / "profiles" / "igor-local.yml",
        "jenkins:\n  masters:\n  - name: ci\n    password: ${GITHUB_TOKEN}\n"
        f"  - name: legacy\n    password: {CANARY}\n",
    )
    (p,) = _errors(repo)
    assert p.code == "literal-credential" and "jenkins.masters[1].password" in p.message
    assert (p.file, p.line, p.column) == ("halconfig/profiles/igor-local.yml", first + 5, 5)
    assert CANARY not in p.text()


def test_a_literal_a_patch_brings_is_located_in_the_patch_not_in_a_profile_with_the_key(repo):
    _append(repo / "halconfig" / "profiles" / "igor-local.yml", "jenkins:\n  password: ${GITHUB_TOKEN}\n")
    (repo / "halconfig" / "patches" / "echo-jenkins.yml").write_text(
        f"kind: merge\ntarget: echo.yml\npatch:\n  jenkins:\n    password: {CANARY}\n"
    )
    (p,) = _errors(repo)
    assert p.code == "literal-credential" and p.extra["services"] == ["echo"]
    assert (p.file, p.line) == ("halconfig/patches/echo-jenkins.yml", 5)


def test_the_same_value_in_two_services_profiles_is_located_in_each_ones_own(repo):
    value = "/var/secrets/kubeconfigs/other.kubeconfig"
    cd = _append(repo / "halconfig" / "profiles" / "clouddriver-local.yml", f"extra:\n  path: {value}\n")
    gate = _append(repo / "halconfig" / "profiles" / "gate-local.yml", f"extra:\n  path: {value}\n")
    problems = _errors(repo)
    where = {p.extra["services"][0]: (p.file, p.line) for p in problems if p.code == "undeclared-credential-file"}
    assert where == {
        "clouddriver": ("halconfig/profiles/clouddriver-local.yml", cd + 1),
        "gate": ("halconfig/profiles/gate-local.yml", gate + 1),
    }


@pytest.mark.parametrize(
    ("patch", "line"),
    [
        ("kind: json-patch\ntarget: echo.yml\npatch:\n- op: add\n  path: /twilio\n  value:\n    token: ${TWILIO}\n", 7),
        ("kind: jq\ntarget: echo.yml\npatch: |\n  .twilio = {\n    token: \"${TWILIO}\"\n  }\n", 5),
    ],
    ids=["json-patch", "jq"],
)
def test_a_placeholder_a_patch_brings_is_located_in_the_patch(repo, patch, line):
    (repo / "halconfig" / "patches" / "twilio.yml").write_text(patch)
    (p,) = _errors(repo)
    assert p.code == "undeclared-placeholder" and (p.file, p.line) == ("halconfig/patches/twilio.yml", line)


def test_changed_paths_are_what_a_patch_made():
    before = {"a": 1, "b": {"c": 1, "d": [1, 2]}, "gone": 1}
    after = {"a": 1, "b": {"c": 2, "d": [1, 2, 3]}, "e": {"f": 0}, "g": True}
    assert set(changed_paths(before, after)) == {("b", "c"), ("b", "d", 2), ("e",), ("g",)}
    assert set(changed_paths({"n": 1}, {"n": True})) == {("n",)}  # equal in Python, not the same YAML


def test_a_rendered_value_is_located_by_the_halconfig_string_it_is(tmp_path):
    """The same value twice in the halconfig: each rendered copy is located at its own place (render shares the
    halconfig's string objects)."""
    (tmp_path / "halconfig.yml").write_text(
        "version: 1.36.1\nnotifications:\n  slack:\n    enabled: true\n    botName: bot\n    token: ${X}\n"
        "artifacts:\n  github:\n    enabled: true\n    accounts:\n    - name: gh\n      token: ${X}\n"
    )
    hal = load_halconfig(tmp_path, None)
    values = HalconfigValues(hal)
    files = {f.name: f for f in pipeline.render_files(hal.data, values)}
    echo = files["echo.yml"]
    assert echo.where.locate(("slack", "token"))[1:] == (6, 12)
    assert echo.where.locate(("artifacts", "github", "accounts", 0, "token"))[1:] == (12, 14)
