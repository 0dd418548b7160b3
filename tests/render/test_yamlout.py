"""The YAML emitter against Kleat's real encoder (yaml.v2 oracle corpus) and YAML 1.1/1.2 readers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
import yaml_rs

from spinops.render.yamlout import dumps, natural_key_order, plain_is_string

ORACLE = Path(__file__).resolve().parent.parent / "fixtures" / "render" / "yamlv2"
CASES = [json.loads(line) for line in (ORACLE / "cases.jsonl").read_text(encoding="utf-8").splitlines()]
EXPECTED = [json.loads(line) for line in (ORACLE / "expected.jsonl").read_text(encoding="utf-8").splitlines()]
KLEAT_YAML = [
    "clouddriver.yml", "echo.yml", "front50.yml", "gate.yml", "fiat.yml", "igor.yml", "kayenta.yml",
    "orca.yml", "rosco.yml", "spinnaker-monitoring.yml", "keel.yml",
]  # fmt: skip

# Documented deviations (docs/rendering.md): strings yaml.v2 writes in a form that some YAML reader
# reads back differently; we double-quote them.
_DEVIATION_CHARS = set("\r\x85\u2028\u2029")


def _strings(doc):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield k
            yield from _strings(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _strings(v)
    elif isinstance(doc, str):
        yield doc


def _deviates(doc) -> bool:
    return any(s in ("=", "<<", "_1") or _DEVIATION_CHARS & set(s) for s in _strings(doc))


def test_oracle_corpus_is_paired():
    assert len(CASES) == len(EXPECTED) > 500


@pytest.mark.parametrize("i", range(len(CASES)))
def test_bytes_match_yaml_v2(i):
    case, expected = CASES[i], EXPECTED[i]
    got = dumps(case)
    if _deviates(case):
        assert yaml.safe_load(got) == case
    else:
        assert got == expected


def test_most_of_the_corpus_is_not_a_deviation():
    assert sum(not _deviates(c) for c in CASES) >= 0.9 * len(CASES)


@pytest.mark.parametrize("i", range(len(CASES)))
def test_reads_back_under_yaml_1_1_and_1_2(i):
    case = CASES[i]
    text = dumps(case)
    if "f" not in case:  # Go writes 1e+20 without a dot, a string to YAML 1.1 (the halconfig has no floats)
        assert yaml.safe_load(text) == case  # PyYAML: YAML 1.1 resolution (yes/no/on/off, sexagesimal, ...)
    # yaml-rs: YAML 1.2 core schema (its parse_datetime also converts QUOTED dates, so it is off)
    assert yaml_rs.loads(text, parse_datetime=False) == case


@pytest.mark.parametrize("name", KLEAT_YAML)
def test_kleat_fixture_files_reproduced_byte_for_byte(kleat_dir, name):
    text = (kleat_dir / name).read_text()
    assert dumps(yaml.safe_load(text)) == text


def test_natural_key_order_examples():
    # kleat-spec 4.2: non-letters first, upper before lower case, digit runs numerically
    assert natural_key_order(["b10", "b9", "B1", "_u", "1"]) == ["_u", "1", "B1", "b9", "b10"]
    assert natural_key_order(["app_key", "api_key", "apiKey"]) == ["api_key", "apiKey", "app_key"]
    assert natural_key_order(["x10y", "x2y", "x02"]) == ["x2y", "x02", "x10y"]  # as yaml.v2 sorts them


def test_order_does_not_depend_on_insertion_order():
    a = {"b": 1, "a": {"d": [1, {"z": 1, "y": 2}], "c": "x"}}
    b = {"a": {"c": "x", "d": [1, {"y": 2, "z": 1}]}, "b": 1}
    assert dumps(a) == dumps(b)


def test_empty_document_and_empty_collections():
    assert dumps({}) == "{}\n"
    assert dumps({"a": {}, "b": []}) == "a: {}\nb: []\n"
    assert dumps({"l": [{}, []]}) == "l:\n- {}\n- []\n"


def test_quoting_keeps_types():
    text = dumps({"s": "true", "i": "123", "e": "", "v": "1.20.4", "p": "+1212-555-0100", "q": "it's: x", "n": 1})
    assert text == ('e: ""\ni: "123"\n"n": 1\np: +1212-555-0100\nq: \'it\'\'s: x\'\ns: "true"\nv: 1.20.4\n')


def test_multiline_strings_are_literal_blocks():
    assert dumps({"k": "a\nb"}) == "k: |-\n  a\n  b\n"
    assert dumps({"k": "a\nb\n"}) == "k: |\n  a\n  b\n"
    assert dumps({"m": {"k": " a\nb\n\n"}}) == "m:\n  k: |2+\n     a\n    b\n\n"


def test_long_plain_text_folds_past_column_80_and_reads_back():
    words = " ".join(["word"] * 40)
    text = dumps({"k": words})
    lines = text.splitlines()
    assert len(lines) > 1 and all(line.startswith("  ") for line in lines[1:])
    assert yaml.safe_load(text) == {"k": words}


@pytest.mark.parametrize(
    ("s", "plain"),
    [("abc", True), ("", False), ("yes", False), ("Off", False), ("~", False), ("0x1F", False),
     ("1e3", False), ("12:30", False), ("2020-01-01", False), ("1.2.3", True), (".5", False),
     ("+.inf", False), ("=", False), ("-x", True), ("ldaps://h:636/dc=x", True)],
)  # fmt: skip
def test_plain_is_string(s, plain):
    assert plain_is_string(s) is plain


def test_rejects_unknown_types():
    with pytest.raises(TypeError):
        dumps({"k": object()})
