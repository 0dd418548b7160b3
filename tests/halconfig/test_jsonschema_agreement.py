"""Our schema walker and jsonschema's Draft202012Validator agree on valid/invalid.

The walker is ours for speed; jsonschema is the reference implementation of the same schema. They
must agree on every corpus file, on Kleat's testdata, on generated halconfigs, and on a few hundred
seeded mutations of Kleat's testdata. Documented, deliberate differences (docs/halconfig-loading.md)
are kept out of the mutations: `null` means unset (jsonschema rejects null in a typed field), and
enum numbers (x-kleat-enum-numbers) are accepted and turned into names.
Whenever the walker accepts, its normalised output must be valid for jsonschema too.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest
import yaml_rs
from jsonschema import Draft202012Validator

from spinops.benchmarks.render import generate_halconfig
from spinops.halconfig import schema
from spinops.halconfig.schema import load_schema
from spinops.halconfig.validate import validate

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "fixtures"
ROOT = HERE.parents[1]
REFERENCE = ROOT / "tests" / "fixtures" / "reference"  # frozen copy of the reference installation


@pytest.fixture(scope="module")
def reference():
    return Draft202012Validator(load_schema())


def _parse(text: str):
    return yaml_rs.loads(text, parse_datetime=False, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.LastWins)


def _agree(reference, data) -> bool:
    normalised, walk = validate(data)
    ours = not walk.issues
    theirs = reference.is_valid(data)
    assert ours == theirs, (
        ours,
        [i.message for i in walk.issues],
        [e.message for e in reference.iter_errors(data)][:5],
    )
    if ours:
        assert reference.is_valid(normalised), [e.message for e in reference.iter_errors(normalised)][:5]
    return ours


def _corpus_data() -> list[tuple[str, object]]:
    out = []
    for p in sorted((HERE / "bad").rglob("*.yml")):
        try:
            data = _parse(p.read_text())
        except (yaml_rs.YAMLDecodeError, UnicodeDecodeError):
            continue
        if isinstance(data, dict):
            out.append((str(p.relative_to(HERE)), data))
    return out


CORPUS = _corpus_data()
# source-level checks (need the YAML text: quoting, leading zeros, repeated keys, YAML 1.1 readings, line
# separators), invisible to a JSON Schema validator
SOURCE_LEVEL = {"bad/yaml11_on_in_string.yml", "bad/octal_int.yml", "bad/duplicate_keys.yml", "bad/yaml11_readings.yml",
                "bad/line_separator.yml"}


@pytest.mark.parametrize(("name", "data"), CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus(reference, name, data):
    valid = _agree(reference, data)
    # every single-file schema case of the corpus is invalid for both, except the source-level ones
    if "fragments" not in name:
        assert valid == (name in SOURCE_LEVEL)


def test_corpus_is_not_empty():
    assert len(CORPUS) >= 15


@pytest.mark.parametrize("path", [FIXTURES / "kleat" / "halconfig.yml", REFERENCE / "halconfig" / "halconfig.yml"])
def test_real_halconfigs(reference, path):
    if not path.exists():
        pytest.skip(f"{path} not present")
    assert _agree(reference, _parse(path.read_text()))


def test_generated(reference):
    assert _agree(reference, _parse(generate_halconfig(50)))


def _paths(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*path, i))


def _set(data, path, value):
    node = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


# no None (null = unset, by design); ints into enum fields are skipped (enum numbers)
REPLACEMENTS = [
    "x",
    99,
    True,
    False,
    [],
    {},
    1.5,
    30.0,
    "${X}",
    ["x"],
    [{"name": "a"}],
    {"unknownKey": 1},
    "",
    0,
    "yes",
    -(2**40),
]


def test_mutations_of_kleat_testdata(reference):
    base = _parse((FIXTURES / "kleat" / "halconfig.yml").read_text())
    paths = [p for p, _ in _paths(base) if p]
    rng = random.Random(20261127)
    verdicts = set()
    for _ in range(400):
        data = copy.deepcopy(base)
        path = rng.choice(paths)
        kind = rng.random()
        if kind < 0.7:
            value = rng.choice(REPLACEMENTS)
            node = schema.at(path)
            if type(value) is int and node is not None and "enum" in schema.resolve(node):
                continue  # enum numbers: a documented extension
            _set(data, path, copy.deepcopy(value))
        else:
            node = data
            for step in path:
                node = node[step]
            if isinstance(node, dict):
                node[rng.choice(["zzUnknown", "enabeld", "acounts", "name"])] = 1
            elif isinstance(path[-1], str):
                parent = data
                for step in path[:-1]:
                    parent = parent[step]
                del parent[path[-1]]
        verdicts.add(_agree(reference, data))
    assert verdicts == {True, False}  # the mutations exercise both outcomes
