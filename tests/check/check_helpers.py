"""Helpers for the check tests: run the engine on YAML text, find findings of one rule."""

from __future__ import annotations

import copy
import random
import textwrap

from spinops.check.runner import Options, run_check
from spinops.check.source import parse_manifest


def check_text(text: str, **opts):
    manifest = parse_manifest(textwrap.dedent(text), "test.yaml")
    return run_check(manifest, Options(**opts))


def rules_of(report) -> list[str]:
    return [f.rule for f in report.findings]


def paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from paths(v, (*prefix, i))


def mutate(obj: dict, rng: random.Random) -> dict:
    """1 to 3 random breakages: a wrong type, an unknown key, a deleted key, a null, a value wrapped in a list."""
    obj = copy.deepcopy(obj)
    for _ in range(rng.randint(1, 3)):
        candidates = [p for p in paths(obj) if len(p) >= 2]
        if not candidates:
            break
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
