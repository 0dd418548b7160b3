"""The halconfig loader never reads a plain scalar differently from Kleat without saying so.

The oracle is Kleat's own reader, run for real: tests/fixtures/halconfig/yaml11/ holds ~2,800 scalars
(each as a value and as a key, plus merge-key, line-separator and multi-document inputs) and what
sigs.k8s.io/yaml v1.3.0 YAMLToJSON over gopkg.in/yaml.v2 v2.4.0 (Kleat's go.sum) made of each
(main.go beside the data). PyYAML is not used as the oracle: it differs from yaml.v2 on `1e3`, `-.5`,
`-_1`, `0o17` and `1:30`.

The property, for every scalar: in a string field and in an integer field, spinops either reads what
Kleat reads (after Kleat's protobuf step: a number is no string and a string no integer) or reports a
problem on that line. Never a third reading.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from spinops.errors import InputError
from spinops.halconfig.load import load_halconfig
from spinops.halconfig.yaml11 import key_string

FIXTURE = Path(__file__).parents[1] / "fixtures" / "halconfig" / "yaml11"


def _kleat_cases() -> list[tuple[str, dict]]:
    cases = [json.loads(line) for line in (FIXTURE / "cases.jsonl").read_text(encoding="utf-8").split("\n") if line]
    expected = [
        json.loads(line) for line in (FIXTURE / "expected.jsonl").read_text(encoding="utf-8").split("\n") if line
    ]
    assert len(cases) == len(expected)
    return list(zip(cases, expected, strict=True))


CASES = _kleat_cases()
# the scalar cases (make_cases.scalars(): ASCII, unquoted), as `k: S` and as `S: v`
SCALAR_CASES = [
    (doc, out) for doc, out in CASES if doc.isascii() and doc.count("\n") == 1 and not set("'\"") & set(doc)
]
# scalar -> what Kleat reads for `k: scalar` (json value), for the scalars Kleat can read as a value
VALUES = {
    doc[3:-1]: json.loads(out["json"])["k"] for doc, out in SCALAR_CASES if doc.startswith("k: ") and "json" in out
}
# scalar -> Kleat's output for `scalar: v`
KEYS = {doc[:-4]: out for doc, out in SCALAR_CASES if doc.endswith(": v\n")}


def _load(tmp_path: Path, name: str, text: str):
    f = tmp_path / name
    f.write_text(text)
    try:
        return load_halconfig(f), []
    except InputError as e:
        return None, e.problems


def _accounts(field: str, scalars: list[str]) -> str:
    lines = ["providers:", "  kubernetes:", "    accounts:"]
    for i, s in enumerate(scalars):
        lines += [f"    - name: a{i}", f"      {field}: {s}"]
    return "\n".join(lines) + "\n"


def _field_readings(tmp_path: Path, field: str, scalars: list[str]) -> tuple[dict, set]:
    """(scalar -> value spinops reads in `field`, scalars reported with a problem on their own line)."""
    _, problems = _load(tmp_path, "all.yml", _accounts(field, scalars))
    line_of = {5 + 2 * i: s for i, s in enumerate(scalars)}
    refused = {line_of[p.line] for p in problems if p.line in line_of}
    assert all(p.line in line_of for p in problems), [str(p) for p in problems if p.line not in line_of][:5]
    accepted = [s for s in scalars if s not in refused]
    hal, problems = _load(tmp_path, "accepted.yml", _accounts(field, accepted))
    assert not problems, [str(p) for p in problems[:5]]
    accounts = hal.data["providers"]["kubernetes"]["accounts"]
    return {s: acc.get(field) for s, acc in zip(accepted, accounts, strict=True)}, refused


def test_the_fixture_covers_the_issue_examples():
    for s in ("_1", "_12", "__1", "_1.5", "._5", "_.5", "_1e3", "00", "0777", "1e3", "on", "y"):
        assert s in VALUES and s in KEYS
    assert VALUES["_1"] == "_1" and VALUES["._5"] == "._5" and VALUES["00"] == 0 and VALUES["0777"] == 511
    assert len(VALUES) > 2500


def test_string_field_reads_what_kleat_reads_or_reports_it(tmp_path):
    # Kleat's protobuf step: a string field takes a JSON string (null or "" is unset); anything else fails
    read, refused = _field_readings(tmp_path, "context", sorted(VALUES))
    wrong = {s: (v, VALUES[s]) for s, v in read.items() if (v or None) != (VALUES[s] or None) or
             (VALUES[s] is not None and not isinstance(VALUES[s], str))}
    assert not wrong, dict(list(wrong.items())[:10])
    # the issue's examples are strings for Kleat and YAML 1.1/1.2 alike: accepted as written
    for s in ("_1", "_12", "__1", "_1.5", "._5", "_.5", "_1e3", "_json_key", ".5_"):
        assert read[s] == s
    assert {"0777", "on", "1e3"} <= refused  # numbers and booleans for Kleat: not a string


def test_integer_field_reads_what_kleat_reads_or_reports_it(tmp_path):
    def kleat_int(v):  # protojson int32 from YAMLToJSON's value: an integral number (`1e3` -> 1000), else an error
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v == int(v):
            return int(v) if -2**31 <= v < 2**31 else None
        return None

    read, refused = _field_readings(tmp_path, "cacheThreads", sorted(VALUES))
    wrong = {
        s: (v, VALUES[s])
        for s, v in read.items()
        if (v or 0) != (kleat_int(VALUES[s]) or 0) or kleat_int(VALUES[s]) is None and VALUES[s] is not None
    }
    assert not wrong, dict(list(wrong.items())[:10])
    assert {"_1", "__1", "_12", "0777", "0120", "-010"} <= refused  # `_1` is a string for Kleat; `0777` is 511 there
    assert read["00"] is None and read["000"] is None  # 0 in both readings: unset, no ambiguity (issue 18, cause 3)
    assert read["1_000"] == 1000 and read["0o17"] == 15 and read["0x1F"] == 31 and read["08"] == 8


def test_integer_field_problems_say_what_each_reader_reads(tmp_path):
    _, problems = _load(tmp_path, "h.yml", _accounts("cacheThreads", ["_1", "0120", "00"]))
    assert [(p.line, p.column, p.code) for p in problems] == [(5, 21, "wrong-type"), (7, 21, "yaml-1.1")]
    assert "expected an integer, got string '_1'" in problems[0].message
    assert (
        "ambiguous integer `0120`: YAML 1.1 (Kleat) reads it as octal 80, YAML 1.2 (spinops) as 120"
        in problems[1].message
    )
    assert "write 120 (the YAML 1.2 reading) or 80 (the YAML 1.1 reading)" in problems[1].hint


def test_a_credential_written_like_an_underscore_number_is_a_string(tmp_path):
    hal, problems = _load(tmp_path, "h.yml", "artifacts:\n  github:\n    enabled: true\n    accounts:\n"
                                            "    - name: gh\n      token: _123\n")
    assert not problems
    assert hal.data["artifacts"]["github"]["accounts"][0]["token"] == "_123"


def _map_keys(keys: list[str]) -> str:
    # security.authn.oauth2.userInfoRequirements is a map<string, string>: its keys are free
    return "security:\n  authn:\n    oauth2:\n      userInfoRequirements:\n" + "".join(
        f"        {k}: v{i}\n" for i, k in enumerate(keys)
    )


def _key_groups(keys: list[str]) -> list[list[str]]:
    """The keys in groups where no two are the same key once read (`0`, `00`, `-0.0`) or as JSON keys
    (`1e39` and `.inf`): one mapping per group."""
    import yaml_rs

    groups: list[tuple[list[str], dict, set]] = []
    for k in keys:
        read = next(iter(yaml_rs.loads(f"{k}: v\n", parse_datetime=False)))
        as_json = read if type(read) is str else key_string(read) if read is not None else None
        as_data = "nan" if read != read else read
        group = next((g for g in groups if as_data not in g[1] and as_json not in g[2]), None)
        if group is None:
            group = ([], {}, set())
            groups.append(group)
        group[0].append(k)
        group[1][as_data] = k
        group[2].add(as_json)
    return [g[0] for g in groups]


def test_map_keys_read_what_kleat_reads_or_report_it(tmp_path):
    keys = sorted(k for k in KEYS if k != "<<")
    refused, wrong = set(), {}
    for keys_ in _key_groups(keys):
        _, problems = _load(tmp_path, "all.yml", _map_keys(keys_))
        line_of = {5 + i: k for i, k in enumerate(keys_)}
        assert all(p.line in line_of for p in problems), [str(p) for p in problems if p.line not in line_of][:5]
        refused |= {line_of[p.line] for p in problems}
        accepted = [k for k in keys_ if k not in refused]
        hal, problems = _load(tmp_path, "accepted.yml", _map_keys(accepted))
        assert not problems, [str(p) for p in problems[:5]]
        key_of_value = {v: k for k, v in hal.data["security"]["authn"]["oauth2"]["userInfoRequirements"].items()}
        for i, k in enumerate(accepted):
            out = KEYS[k]
            kleat = next(iter(json.loads(out["json"]))) if "json" in out else None  # Kleat's JSON key (None: an error)
            if key_of_value.get(f"v{i}") != kleat:
                wrong[k] = (key_of_value.get(f"v{i}"), kleat)
    assert not wrong, wrong
    # the issue's examples: `on:` is the key "true" for Kleat, `0777:` the key "511", a null key an error
    assert {"on", "y", "0777", "~", "null"} <= refused
    assert "1e3" not in refused and "_1" not in refused


def test_key_problems_are_located_at_the_key(tmp_path):
    _, problems = _load(tmp_path, "h.yml", _map_keys(["on", "0777", "~"]))
    assert [(p.line, p.column, p.code) for p in problems] == [
        (5, 9, "yaml-1.1"),
        (6, 9, "yaml-1.1"),
        (7, 9, "wrong-type"),
    ]
    assert "the boolean key `true`" in problems[0].message
    assert "YAML 1.1 (Kleat) reads it as 511, YAML 1.2 (spinops) as 777" in problems[1].message
    assert "a null key" in problems[2].message


@pytest.mark.parametrize("doc", ["k: 1\n---\nj: 2\n", "---\nk: 1\n...\n---\nj: 2\n"])
def test_several_documents_are_refused_where_kleat_reads_the_first(tmp_path, doc):
    out = dict(CASES)[doc]
    assert json.loads(out["json"]) == {"k": 1}  # yaml.v2 reads the first document only
    _, problems = _load(tmp_path, "h.yml", doc.replace("k: 1", "timezone: x").replace("j: 2", "version: y"))
    assert [p.code for p in problems] == ["not-a-mapping"] and "several YAML documents" in problems[0].message


def test_resolve_is_yaml_v2s_reading_of_every_fixture_scalar():
    from spinops.halconfig.yaml11 import resolve

    def as_json(v):  # Go's encoding/json: integral floats without a fraction, infinities never reach it
        return json.loads(json.dumps(v)) if not isinstance(v, float) or v != int(v) else int(v)

    wrong = {s: (resolve(s), k) for s, k in VALUES.items()
             if not (resolve(s) == k or (isinstance(k, (int, float)) and isinstance(resolve(s), (int, float))
                                         and float(resolve(s)) == float(k)) or as_json(resolve(s)) == k)}
    assert not wrong, wrong


# ------------------------------------------------------------------ merge keys (issue 18, cause 5)

HALCONFIG_CASES = {doc: out for doc, out in CASES if doc.startswith(("providers:", "security:"))}


def _merge_case(tmp_path: Path, doc: str):
    """(Kleat's JSON or None when Kleat fails, spinops' data or None, spinops' problems)."""
    out = HALCONFIG_CASES[doc]
    hal, problems = _load(tmp_path, "h.yml", doc)
    return (json.loads(out["json"]) if "json" in out else None), (hal.data if hal else None), problems


@pytest.mark.parametrize("doc", sorted(HALCONFIG_CASES), ids=[f"case{i}" for i in range(len(HALCONFIG_CASES))])
def test_merge_keys_read_what_kleat_reads_or_report_it(tmp_path, doc):
    kleat, data, problems = _merge_case(tmp_path, doc)
    if data is not None:
        assert kleat is not None and data == kleat  # these inputs have no zero values Kleat's presence rules drop
    else:
        assert problems and all(p.line is not None for p in problems)


def test_a_quoted_merge_key_is_an_ordinary_key(tmp_path):
    kleat, data, problems = _merge_case(tmp_path, "providers:\n  kubernetes: {'<<': {enabled: true}}\n")
    assert kleat == {"providers": {"kubernetes": {"<<": {"enabled": True}}}}  # not enabled
    assert [(p.line, p.column, p.code) for p in problems] == [(2, 16, "unknown-key")] and "`<<`" in problems[0].message
    kleat, data, problems = _merge_case(
        tmp_path, "security:\n  authn:\n    oauth2:\n      userInfoRequirements: {'<<': x, a: b}\n"
    )
    assert data == kleat  # in a map: an entry named <<
    kleat, data, problems = _merge_case(tmp_path, "providers:\n  kubernetes: {<<: {enabled: true}}\n")
    assert data == kleat == {"providers": {"kubernetes": {"enabled": True}}}  # plain: merged


def test_a_merge_key_with_a_scalar_is_refused_as_kleat_refuses_it(tmp_path):
    for doc, col in (("    - {<<: x, name: e}\n", 8), ("    - {<<: [*a, 3], name: f}\n", 8)):
        kleat, _, problems = _merge_case(
            tmp_path, "providers:\n  kubernetes:\n    accounts:\n    - &a {name: a, cacheThreads: 2}\n" + doc
        )
        assert kleat is None
        assert [(p.line, p.column, p.code) for p in problems] == [(5, col, "merge-key")]
        assert "needs a mapping or a list of mappings" in problems[0].message


def test_a_key_written_before_the_merge_key_is_reported(tmp_path):
    # yaml.v2 applies entries in order (the merged value overrides), the YAML merge spec keeps the explicit key
    kleat, _, problems = _merge_case(
        tmp_path, "providers:\n  kubernetes:\n    enabled: false\n    <<: {enabled: true}\n"
    )
    assert kleat == {"providers": {"kubernetes": {"enabled": True}}}
    assert [(p.line, p.column, p.code) for p in problems] == [(3, 5, "yaml-1.1")]
    assert "`enabled` is set before `<<:`" in problems[0].message
    # written after it, both readings agree
    kleat, data, problems = _merge_case(
        tmp_path, "providers:\n  kubernetes:\n    <<: {enabled: true}\n    enabled: false\n"
    )
    assert data == kleat == {"providers": {"kubernetes": {"enabled": False}}}


# ------------------------------------------------------------------ U+2028, U+2029, U+0085 (issue 18, cause 2)

SEPARATOR_CASES = {doc: out for doc, out in CASES if set(doc) & {"\u2028", "\u2029", "\x85"}}


@pytest.mark.parametrize("doc", sorted(SEPARATOR_CASES), ids=[f"case{i}" for i in range(len(SEPARATOR_CASES))])
def test_line_separators_are_refused_where_yaml_1_1_reads_a_line_break(tmp_path, doc):
    import yaml_rs

    out = SEPARATOR_CASES[doc]
    # Kleat fails or reads something else than YAML 1.2 (yaml-rs): there is no common reading to take
    assert "error" in out or json.loads(out["json"]) != yaml_rs.loads(doc)
    text = "timezone: x\n" + doc.replace("k:", "version:")
    _, problems = _load(tmp_path, "h.yml", text)
    i = min(text.index(c) for c in ("\u2028", "\u2029", "\x85") if c in text)
    line, col = text.count("\n", 0, i) + 1, i - text.rfind("\n", 0, i)
    assert [(p.line, p.column, p.code) for p in problems] == [(line, col, "line-separator")]
    assert "a line break for YAML 1.1 (Kleat, Spring)" in problems[0].message


def test_line_separator_escapes_read_the_same_in_both(tmp_path):
    out = dict(CASES)['k: "a\\Lb\\Pc\\Nd"\n']
    assert json.loads(out["json"]) == {"k": "a\u2028b\u2029c\x85d"}
    hal, problems = _load(tmp_path, "h.yml", 'timezone: "a\\Lb\\Pc\\Nd"\n')
    assert not problems and hal.data["timezone"] == "a\u2028b\u2029c\x85d"
