"""SHARD_PROFILES is what kustomize/components/ha sets as SPRING_PROFILES_ACTIVE on each shard (besides `local`)."""

from __future__ import annotations

from pathlib import Path

import yaml

from spinops.spinnaker.services import SHARD_PROFILES, SHARDS

ROOT = Path(__file__).resolve().parents[2]


def test_shard_profiles_match_the_ha_component():
    seen = {}
    for shard in SHARD_PROFILES:
        text = (ROOT / "kustomize/components/ha/shards" / shard / "kustomization.yml").read_text()
        doc = yaml.safe_load(text)
        patches = [yaml.safe_load(p["patch"]) if isinstance(p.get("patch"), str) else p for p in doc.get("patches", [])]
        values = [
            e["value"]
            for p in patches
            for c in ((p.get("spec") or {}).get("template", {}).get("spec", {}).get("containers") or [])
            for e in c.get("env") or []
            if e.get("name") == "SPRING_PROFILES_ACTIVE"
        ]
        assert len(values) == 1, (shard, values)
        seen[shard] = tuple(x for x in values[0].split(",") if x != "local")
    assert seen == SHARD_PROFILES
    assert set(SHARD_PROFILES) == {d for shards in SHARDS.values() for d in shards}
    assert all(SHARDS[svc][d] in SHARD_PROFILES[d] for svc in SHARDS for d in SHARDS[svc])
