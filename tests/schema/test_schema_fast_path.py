"""spinops.schemas' fast path: jsonschema-rs confirms a valid document, jsonschema explains an invalid one.

The fast path may only ever say "valid" where jsonschema (the reference: Draft 2020-12, Python's `re` for
`pattern`) says so too, or a violation would go unreported. Checked on the frozen reference installation's
files and on every single-key mutation of them, and on every `pattern` of every schema over a sweep of
characters (the regex engines differ on what `\\s` covers).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema_rs
import pytest

from spinops import schemas, yamlio

REF = Path(__file__).resolve().parents[1] / "fixtures" / "reference"
DOCS = {
    "secrets": [REF / "halconfig" / "secrets.yml"],
    "patch": sorted((REF / "halconfig" / "patches").glob("*.yml")),
    "overlay-settings": sorted((REF / "kustomize" / "overlays").glob("*/spinops.yml")),
}
ODD = ["", "\x1c", "A\n", "..", ".", "/", "/opt/spinnaker/config", "/opt/spinnaker/config/", "1.3", "1.x",
       "a" * 70, "UPPER", "lower", "x-", 0, 1, -1, 2.5, True, False, None, [], {}, ["a"], {"z": 1}]


def _python_valid(name: str, data) -> bool:
    return not any(True for _ in schemas._validator(name).iter_errors(data))


def _mutants(data, path=()):
    """Every document with one value replaced by an odd one, one key removed, or one unknown key added."""
    if isinstance(data, dict):
        yield {**data, "zzUnknown": 1}
        for k, v in data.items():
            yield {kk: vv for kk, vv in data.items() if kk != k}
            for m in _mutants(v, (*path, k)):
                yield {**data, k: m}
    elif isinstance(data, list):
        yield [*data, "extra"]
        for i, v in enumerate(data):
            yield data[:i] + data[i + 1:]
            for m in _mutants(v, (*path, i)):
                yield [*data[:i], m, *data[i + 1:]]
    for odd in ODD:
        yield copy.deepcopy(odd)


@pytest.mark.parametrize("name", sorted(DOCS))
def test_fast_path_never_accepts_what_jsonschema_rejects(name):
    assert DOCS[name], f"no frozen fixture for {name}"
    checked = rejected = 0
    for path in DOCS[name]:
        data = yamlio.load(path.read_text(encoding="utf-8"), str(path)).data
        assert schemas.fast_valid(name, data) and _python_valid(name, data), path  # the fixtures are valid
        for m in _mutants(data):
            fast, slow = schemas.fast_valid(name, m), _python_valid(name, m)
            assert slow or not fast, f"{name}: jsonschema-rs accepts what jsonschema rejects: {json.dumps(m)[:300]}"
            checked += 1
            rejected += not slow
    assert rejected > 20 and checked > 50  # the mutations do reach the schema's rules


def _patterns(schema) -> set[str]:
    text = json.dumps(schema)
    return {json.loads(f'"{m}"') for m in re.findall(r'"pattern": "((?:[^"\\]|\\.)*)"', text)}


def _rust_only(pattern: str) -> list[str]:
    """Strings the pattern matches under jsonschema-rs but not under Python's `re.search` (what jsonschema uses)."""
    rs = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    out = []
    for base in ("", "a", "A", "/", "1.2", "ab", "/x", ".."):
        for c in range(0x3100):
            for s in (base + chr(c), chr(c) + base, base + chr(c) + "\n"):
                if rs.is_valid(s) and re.search(pattern, s) is None:
                    out.append(s)
    return out


def test_fast_path_schemas_use_only_patterns_both_engines_read_alike():
    for name in schemas.FAST_PATH:
        for pattern in _patterns(schemas.load(name)):
            assert not _rust_only(pattern), f"{name}: pattern {pattern!r} differs between jsonschema-rs and re"


def test_kube_lint_rules_stays_on_jsonschema_because_its_pattern_differs():
    assert "kube-lint-rules" not in schemas.FAST_PATH
    assert "\x1c" in _rust_only(r"\S")  # a file separator is whitespace to Python only
    assert schemas.fast_valid("kube-lint-rules", {"rules": []}) is False


def test_values_json_cannot_carry_fall_back_to_jsonschema():
    assert schemas.fast_valid("overlay-settings", {1: "x"}) is False  # a non-string key: jsonschema-rs raises


def test_a_valid_file_does_not_load_jsonschema():
    code = (
        "import sys; from pathlib import Path; from spinops import schemas, yamlio\n"
        f"doc = yamlio.load(Path({str(DOCS['secrets'][0])!r}).read_text(), 'secrets.yml')\n"
        "assert schemas.problems('secrets', doc, 'secrets-shape') == []\n"
        "print('jsonschema' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_an_invalid_file_is_explained_by_jsonschema_as_before():
    doc = yamlio.load("secrets:\n  bad_Name:\n    source: workflow\n    env: [lower]\n", "secrets.yml")
    found = schemas.problems("secrets", doc, "secrets-shape")
    assert found and all(p.file == "secrets.yml" and p.line for p in found)


THREADS = """
import sys, threading
from pathlib import Path
from spinops import schemas, yamlio
yamlio.before_threads()  # as the PR pipeline does; jsonschema-rs itself is first imported in a worker thread
text = (Path(sys.argv[1]) / "halconfig" / "secrets.yml").read_text()
def load():
    assert schemas.problems("secrets", yamlio.load(text, "secrets.yml"), "x") == []
for _ in range(30):
    threads = [threading.Thread(target=load) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
print("ok")
"""


def test_the_fast_path_works_from_short_lived_threads():
    """The PR pipeline and `spinops diff` build two trees in two threads, each reading secrets.yml: unlike yaml-rs
    0.1.6 (tests/test_yaml_rs_threads.py), jsonschema-rs imported first in a thread that ends keeps working."""
    r = subprocess.run([sys.executable, "-c", THREADS, str(REF)], capture_output=True, text=True, timeout=300)
    assert (r.returncode, r.stdout.strip()) == (0, "ok"), r.stderr[-2000:]
