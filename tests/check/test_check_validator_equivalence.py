"""jsonschema-rs (what check uses) and Python jsonschema (what kubernetes-validate uses) agree.

Seeded random mutations of the reference build's resources (wrong types, unknown keys, removed
required fields, nulls) are validated by both against the same kubernetes-validate schemas; both
must find the same error paths. This is what makes the faster engine a safe substitute.
"""

from __future__ import annotations

import copy
import random
import re

import jsonschema
import pytest
from referencing import Registry, Resource

from conftest import ROOT
from spinops.check.validate_k8s import SchemaValidator, _load, _schema_dir


@pytest.fixture(scope="module")
def resources(tmp_path_factory) -> list[dict]:
    import yaml

    from spinops.build import build_env

    out = tmp_path_factory.mktemp("eq") / "build" / "production"
    path = build_env(ROOT, "production", out=out).manifests_path
    return [d for d in yaml.safe_load_all(open(path)) if d]


def python_errors(obj: dict, version: str) -> set[tuple]:
    d = _schema_dir(version, True)
    av = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", obj["apiVersion"])
    schema = _load(f"{d}/{obj['kind'].lower()}-{av}.json")
    reg = Resource.from_contents(_load(f"{d}/_definitions.json")) @ (Resource.from_contents(schema) @ Registry())
    return {tuple(e.path) for e in jsonschema.Draft202012Validator(schema, registry=reg).iter_errors(obj)}


def paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from paths(v, (*prefix, i))


def mutate(obj: dict, rng: random.Random) -> dict:
    obj = copy.deepcopy(obj)
    for _ in range(rng.randint(1, 3)):
        candidates = [p for p in paths(obj) if len(p) >= 2]
        p = rng.choice(candidates)
        parent = obj
        for seg in p[:-1]:
            parent = parent[seg]
        action = rng.choice(["type", "unknown", "delete", "null", "list"])
        if action == "type":
            parent[p[-1]] = rng.choice([42, "text", True, 1.5, {"a": 1}])
        elif action == "unknown" and isinstance(parent, dict):
            parent[f"unknownField{rng.randint(0, 9)}"] = "x"
        elif action == "delete" and isinstance(parent, dict):
            del parent[p[-1]]
        elif action == "null":
            parent[p[-1]] = None
        else:
            parent[p[-1]] = [parent[p[-1]]]
    return obj


def test_both_engines_find_the_same_error_paths(resources):
    rng = random.Random(20261127)
    validator = SchemaValidator("1.33")
    checked = disagreements = invalid = 0
    for _ in range(300):
        obj = mutate(rng.choice(resources), rng)
        ours = validator.validate(obj)
        theirs = python_errors(obj, validator.version)
        checked += 1
        invalid += bool(theirs)
        if {p for p, _ in ours.errors} != theirs:
            disagreements += 1
            raise AssertionError(f"{obj['kind']}/{obj['metadata'].get('name') if isinstance(obj.get('metadata'), dict) else '?'}: ours {sorted(map(str, (p for p, _ in ours.errors)))} vs jsonschema {sorted(map(str, theirs))}")
    assert checked == 300 and invalid > 150 and disagreements == 0
