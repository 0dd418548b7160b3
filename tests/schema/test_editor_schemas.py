"""The schemas of the hand-written files (spinops.schemas): the ones editors get and the loaders validate with.

Every schema validates this repository's reference files, both through spinops' own validation
(located problems) and through check-jsonschema (an independent draft 2020-12 validator, as an editor's
yaml-language-server is), and rejects a typo in each with a located error. `.vscode/settings.json`
maps each schema to exactly the files the registry names.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from spinops import schemas
from spinops.yamlio import load as load_located
from spinops_testlib import run_spinops

ROOT = Path(__file__).resolve().parents[2]
CHECK = str(Path(sys.executable).with_name("check-jsonschema"))
EDITABLE = [n for n in schemas.SCHEMAS if n != "halconfig"]  # the halconfig schema has its own tests (test_schema.py)

FROZEN = ROOT / "tests" / "fixtures" / "reference"  # the frozen reference installation, never the team's own
REFERENCE = {
    "secrets": ["tests/fixtures/reference/halconfig/secrets.yml"],
    "patch": sorted(str(p.relative_to(ROOT)) for p in (FROZEN / "halconfig" / "patches").glob("*.yml")),
    "overlay-settings": sorted(
        str(p.relative_to(ROOT)) for p in (FROZEN / "kustomize" / "overlays").glob("*/spinops.yml")
    ),
    "kube-lint-rules": ["tests/check/fixtures/kube-lint-example.yaml"],
}

# (schema, a file with one typo, where the typo is, what the loader says)
TYPOS = {
    "secrets": (
        "secrets:\n  spinnaker-slack:\n    sorce: workflow\n    env: [SLACK_TOKEN]\n",
        (3, 5),
        "unknown field 'sorce'",
    ),
    "patch": ("kind: merge\ntarget: clouddriver.yml\npatchh:\n  a: 1\n", (3, 1), "unknown field 'patchh'"),
    "overlay-settings": ('# staging\nkubernetesVersoin: "1.33"\n', (2, 1), "unknown field 'kubernetesVersoin'"),
    "kube-lint-rules": (
        "- name: app-label\n  field: .metadata.labels.app\n  opertor: set\n",
        (3, 3),
        "unknown field 'opertor'",
    ),
}


def test_every_hand_written_file_kind_has_a_schema():
    assert set(schemas.SCHEMAS) == {"halconfig", "secrets", "patch", "overlay-settings", "kube-lint-rules"}
    assert set(REFERENCE) == set(TYPOS) == set(EDITABLE)


@pytest.mark.parametrize("name", list(schemas.SCHEMAS))
def test_each_schema_is_valid_draft_2020_12(name):
    schema = schemas.load(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_vscode_settings_map_each_schema_to_its_files():
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    expected = {f"./scripts/spinops/{s.package_path}": list(s.files) for s in schemas.SCHEMAS.values()}
    assert settings["yaml.schemas"] == expected
    for path in expected:
        assert (ROOT / path).is_file()


@pytest.mark.parametrize("name", EDITABLE)
def test_reference_files_are_valid(name):
    for rel in REFERENCE[name]:
        doc = load_located((ROOT / rel).read_text(encoding="utf-8"), rel)
        assert schemas.problems(name, doc, "x") == [], rel
    proc = subprocess.run([CHECK, "--schemafile", str(ROOT / "scripts/spinops" / schemas.SCHEMAS[name].package_path),
                           *(str(ROOT / r) for r in REFERENCE[name])], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", EDITABLE)
def test_a_typo_is_a_located_error_with_a_guess(name, tmp_path):
    text, (line, column), message = TYPOS[name]
    problems = schemas.problems(name, load_located(text, "f.yml"), "x")
    typo = [p for p in problems if (p.line, p.column, p.message) == (line, column, message)]
    assert typo and typo[0].hint.startswith("did you mean"), problems  # (a misspelt required key is also "required")
    f = tmp_path / "f.yml"
    f.write_text(text)
    proc = subprocess.run(
        [CHECK, "--schemafile", str(ROOT / "scripts/spinops" / schemas.SCHEMAS[name].package_path), str(f)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and "Additional properties are not allowed" in proc.stdout, proc.stdout


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "secrets",
            "secrets:\n  Bad_Name:\n    env: [X]\n",
            (2, 3, "'Bad_Name': not a valid Kubernetes Secret name (lower-case letters, digits, '-')"),
        ),
        ("secrets", "secrets:\n  s:\n    files: [a.json]\n", (2, 3, "`files` needs `mountPath`")),
        (
            "secrets",
            "secrets:\n  s:\n    env: [lower]\n",
            (3, 11, "an env key is UPPER_SNAKE_CASE (it becomes an environment variable)"),
        ),
        (
            "patch",
            "kind: merge\ntarget: x.yml\npatch: [1]\n",
            (3, 1, "a merge patch is a mapping (the fragment merged into the target)"),
        ),
        ("patch", "kind: merge\ntarget: x.yml\nargs: {a: 1}\npatch: {}\n", (3, 1, "`args` is only for jq patches")),
        ("patch", "kind: json-patch\ntarget: x.yml\npatch:\n- {op: add, path: /a}\n", (4, 3, "'value' is required")),
        (
            "overlay-settings",
            "kubernetesVersion: 1.30\n",
            (1, 1, 'a Kubernetes version such as "1.33", quoted (unquoted, 1.30 is the number 1.3)'),
        ),
        (
            "kube-lint-rules",
            "- {name: a, field: .x, operator: lessthan, value: '3', valueType: float64}\n",
            (1, 44, "value is not a number (valueType float64)"),
        ),
    ],
)
def test_schema_messages_are_the_ones_editors_show(name, text, expected):
    """errorMessage / patternErrorMessage: yaml-language-server shows them (its jsonSchema.ts), and so does spinops."""
    problems = schemas.problems(name, load_located(text, "f.yml"), "x")
    assert (problems[0].line, problems[0].column, problems[0].message) == expected


def test_schema_out_dir_writes_every_schema_and_is_idempotent(tmp_path):
    out = tmp_path / ".schemas"
    first = run_spinops("schema", "--out-dir", str(out), "--exit-code")
    assert first.returncode == 1, first.stderr
    for s in schemas.SCHEMAS.values():
        assert (out / s.file_name).read_text(encoding="utf-8") == schemas.text(s.name)
    again = run_spinops("schema", "--out-dir", str(out), "--exit-code")
    assert (again.returncode, again.stderr) == (0, "")


def _loader(name: str, tmp_path: Path, text: str):
    """Run the loader that reads this kind of file in a build or check, on `text` at its usual place."""
    from spinops.check import engine
    from spinops.check.settings import kube_version_setting
    from spinops.layout import Repo
    from spinops.patch import load_patches
    from spinops.wire import load_secrets

    places = {
        "secrets": ("halconfig/secrets.yml", lambda: load_secrets(tmp_path)),
        "patch": ("halconfig/patches/10-typo.yml", lambda: load_patches(tmp_path / "halconfig/patches", tmp_path)),
        "overlay-settings": (
            "kustomize/overlays/staging/spinops.yml",
            lambda: kube_version_setting(Repo(tmp_path), "staging"),
        ),
        "kube-lint-rules": ("kube-lint-rules.yml", lambda: engine.load_rule_file(tmp_path / "kube-lint-rules.yml")),
    }
    rel, load = places[name]
    (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / rel).write_text(text, encoding="utf-8")
    return rel, load


@pytest.mark.parametrize("name", EDITABLE)
def test_the_loader_validates_with_the_same_schema(name, tmp_path):
    """The typo the editor flags is the loader's error too, at the same line:col, with the same words."""
    from spinops.errors import InputError

    text, (line, column), message = TYPOS[name]
    rel, load = _loader(name, tmp_path, text)
    with pytest.raises(InputError) as e:
        load()
    where = [(p.line, p.column) for p in e.value.problems if message in p.message]
    assert where == [(line, column)], [p.text() for p in e.value.problems]
    assert all(p.file.endswith(rel) for p in e.value.problems)


@pytest.mark.parametrize("name", EDITABLE)
def test_the_loader_accepts_the_reference_files(name, tmp_path):
    for ref in REFERENCE[name]:
        _, load = _loader(name, tmp_path, (ROOT / ref).read_text(encoding="utf-8"))
        load()
