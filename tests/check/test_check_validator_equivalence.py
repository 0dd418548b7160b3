"""jsonschema-rs (what check uses) and Python jsonschema (what kubernetes-validate uses) agree.

Seeded random mutations of the reference build's resources (wrong types, unknown keys, removed
required fields, nulls) are validated by both against the same kubernetes-validate schemas; both
must find the same error paths. This is what makes the faster engine a safe substitute.
"""

from __future__ import annotations

import random
import re

import jsonschema
import pytest
from check_helpers import mutate
from referencing import Registry, Resource

from spinops.check.validate_k8s import SchemaValidator, _load, _schema_dir
from spinops_testlib import REFERENCE


@pytest.fixture(scope="module")
def resources(tmp_path_factory) -> list[dict]:
    import yaml

    from spinops.build import build_env

    out = tmp_path_factory.mktemp("eq") / "build" / "production"
    path = build_env(REFERENCE, "production", out=out).manifests_path
    return [d for d in yaml.safe_load_all(open(path)) if d]


def python_errors(obj: dict, version: str) -> set[tuple]:
    d = _schema_dir(version, True)
    av = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", obj["apiVersion"])
    schema = _load(f"{d}/{obj['kind'].lower()}-{av}.json")
    reg = Resource.from_contents(_load(f"{d}/_definitions.json")) @ (Resource.from_contents(schema) @ Registry())
    return {tuple(e.path) for e in jsonschema.Draft202012Validator(schema, registry=reg).iter_errors(obj)}


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
            raise AssertionError(
                f"{obj['kind']}/{obj['metadata'].get('name') if isinstance(obj.get('metadata'), dict) else '?'}: ours "
                f"{sorted(map(str, (p for p, _ in ours.errors)))} vs jsonschema {sorted(map(str, theirs))}"
            )
    assert checked == 300 and invalid > 150 and disagreements == 0


def test_check_never_crashes_on_malformed_manifests(resources):
    """Rules, tracing and every format see schema-invalid input too (validation reports it): seeded
    random breakage, including whole metadata/spec/data replaced, never crashes a run."""
    import copy
    from pathlib import Path

    from spinops.check.engine import load_rule_file
    from spinops.check.output import FORMATS, render
    from spinops.check.runner import Options, run_check
    from spinops.check.source import parse_manifest
    from spinops.manifests import dump_documents

    lint_rules = load_rule_file(Path(__file__).parent / "fixtures" / "kube-lint-example.yaml")
    odd = [None, 1, "x", [], [1], {"a": 1}, True, {"name": [1]}, [{"name": 1}]]
    for seed in range(40):
        rng = random.Random(seed)
        batch = []
        for r in resources:
            r = copy.deepcopy(r)
            if rng.random() < 0.3:
                r[rng.choice(["metadata", "spec", "data"])] = copy.deepcopy(rng.choice(odd))
            if rng.random() < 0.5 and isinstance(r.get("metadata"), dict):
                r["metadata"][rng.choice(["name", "labels", "annotations", "namespace"])] = copy.deepcopy(
                    rng.choice(odd)
                )
            batch.append(mutate(r, rng))
        manifest = parse_manifest(dump_documents(batch), "fuzz.yaml")
        report = run_check(manifest, Options(lint_rules=lint_rules, repo=REFERENCE, env="production"))
        assert report.findings
        for fmt in FORMATS:
            assert render(report, fmt)
