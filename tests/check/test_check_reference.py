"""`spinops check` on the real reference build (`spinops build --env production`), clean and broken."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from spinops.manifests import dump_documents
from spinops_testlib import REFERENCE, ROOT, run_spinops

CANARY = "canary-Qm73-not-a-real-password"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from spinops.build import build_env

    out = tmp_path_factory.mktemp("ref") / "build" / "production"
    result = build_env(REFERENCE, "production", out=out)
    return Path(result.manifests_path)


def docs_of(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def find(docs, kind, name_prefix):
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"].startswith(name_prefix))


def check_json(manifest: Path, *args: str, repo: Path = ROOT) -> tuple[int, dict]:
    """The check's JSON report, without the one warning the reference always carries: its Redis host is a
    `.invalid` placeholder for the team to replace (test_reference_reports_its_placeholder_redis_host)."""
    r = run_spinops("check", str(manifest), "--repo", str(repo), "--format", "json", *args)
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    doc["placeholders"] = [f for f in doc["findings"] if f["rule"] == "placeholder-hosts"]
    doc["findings"] = [f for f in doc["findings"] if f["rule"] != "placeholder-hosts"]
    return r.returncode, doc


def broken(built: Path, tmp_path: Path, mutate) -> Path:
    docs = docs_of(built)
    mutate(docs)
    out = tmp_path / "build" / "production" / "manifests.yaml"
    out.parent.mkdir(parents=True)
    out.write_text(dump_documents(docs))
    return out


def test_staging_build_is_clean(tmp_path):
    from spinops.build import build_env

    manifests = Path(build_env(REFERENCE, "staging", out=tmp_path / "build" / "staging").manifests_path)
    rc, doc = check_json(manifests)
    assert rc == 0 and doc["findings"] == [] and doc["summary"]["resources"] == len(docs_of(manifests))


def test_reference_build_is_clean(built):
    rc, doc = check_json(built)
    assert rc == 0, doc["findings"]
    assert doc["findings"] == [] and doc["skipped"] == [] and doc["optOuts"] == []
    kinds = {d["kind"] for d in docs_of(built)}
    assert doc["summary"]["resources"] == len(docs_of(built)) and {"Deployment", "ConfigMap", "Service"} <= kinds


def test_reference_reports_its_placeholder_redis_host(built):
    # issue 10 defect 8: `.invalid` hosts (RFC 2606) are placeholders; check says so, with the overlay line
    _, doc = check_json(built)
    [f] = doc["placeholders"]
    assert (f["severity"], f["resource"]["kind"], f["resource"]["name"]) == ("warning", "Service", "redis")
    assert f["source"]["file"] == "kustomize/overlays/production/redis.yml"
    assert "externalName:" in (ROOT / f["source"]["file"]).read_text().splitlines()[f["source"]["line"] - 1]


def test_reference_build_validates_against_every_bundled_kubernetes_version(built):
    from spinops.check.runner import Options, run_check
    from spinops.check.source import parse_manifest
    from spinops.check.validate_k8s import bundled_versions

    manifest = parse_manifest(built.read_text(), str(built))
    for version in bundled_versions():
        report = run_check(manifest, Options(kube_version=version, builtin=False))
        assert report.findings == [] and report.skipped == [], version


def test_missing_limits_traced_to_the_kustomize_base(built, tmp_path):
    def mutate(docs):
        del find(docs, "Deployment", "clouddriver-caching")["spec"]["template"]["spec"]["containers"][0]["resources"][
            "limits"
        ]

    rc, doc = check_json(broken(built, tmp_path, mutate))
    assert rc == 1
    [f] = doc["findings"]
    assert (f["rule"], f["resource"]["name"], f["path"]) == (
        "resources",
        "clouddriver-caching",
        "$.spec.template.spec.containers[0].resources",
    )
    assert f["source"]["file"] == "kustomize/base/clouddriver/deployment.yml"
    src_line = (REFERENCE / f["source"]["file"]).read_text().splitlines()[f["source"]["line"] - 1]
    assert src_line.strip() == "resources:"
    manifest_line = (tmp_path / "build/production/manifests.yaml").read_text().splitlines()[f["location"]["line"] - 1]
    assert manifest_line.strip() == "resources:"


def test_overlay_patch_wins_over_base(built, tmp_path):
    def mutate(docs):
        del find(docs, "Deployment", "fiat")["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"]

    _, doc = check_json(broken(built, tmp_path, mutate))
    [f] = doc["findings"]
    assert f["source"]["file"] == "kustomize/overlays/production/fiat-resources.yml"
    assert (REFERENCE / f["source"]["file"]).read_text().splitlines()[f["source"]["line"] - 1].strip() == "resources:"


def test_unwired_placeholder_in_one_shard(built, tmp_path):
    def mutate(docs):
        c = find(docs, "Deployment", "echo-worker")["spec"]["template"]["spec"]["containers"][0]
        c["envFrom"] = [e for e in c["envFrom"] if e["secretRef"]["name"] != "spinnaker-slack"]

    rc, doc = check_json(broken(built, tmp_path, mutate))
    assert rc == 1
    [f] = doc["findings"]
    assert (f["rule"], f["resource"]["name"]) == ("placeholders-resolvable", "echo-worker")
    assert "${SLACK_TOKEN}" in f["message"] and "echo.yml" in f["message"]


def test_shard_with_another_config(built, tmp_path):
    def mutate(docs):
        spec = find(docs, "Deployment", "clouddriver-ro-deck")["spec"]["template"]["spec"]
        for v in spec["volumes"]:
            if "configMap" in v:
                v["configMap"]["name"] = "clouddriver-config-stale"

    _, doc = check_json(broken(built, tmp_path, mutate))
    rules = {(f["rule"], f["resource"]["name"]) for f in doc["findings"]}
    assert ("ha-shared-config", "clouddriver-ro-deck") in rules
    assert not any(r == "ha-shared-config" and n != "clouddriver-ro-deck" for r, n in rules)


def test_mixed_release(built, tmp_path):
    def mutate(docs):
        c = find(docs, "Deployment", "orca")["spec"]["template"]["spec"]["containers"][0]
        c["image"] = c["image"].rsplit(":", 1)[0] + ":spinnaker-1.35.4"

    _, doc = check_json(broken(built, tmp_path, mutate))
    [f] = doc["findings"]
    assert (f["rule"], f["resource"]["name"]) == ("same-release", "orca")
    assert "spinnaker-1.36.1" in f["message"]
    # no overlay pins it: the release tag follows the halconfig's `version:`, which is where to change it
    assert f["source"]["file"] == "halconfig/halconfig.yml"
    lines = (REFERENCE / f["source"]["file"]).read_text().splitlines()
    assert lines[f["source"]["line"] - 1].strip() == "version: 1.36.1"


def test_literal_credential_traced_to_halconfig_and_never_printed(built, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(REFERENCE / "halconfig", repo / "halconfig")
    shutil.copytree(REFERENCE / "kustomize", repo / "kustomize")
    profile = repo / "halconfig" / "profiles" / "gate-local.yml"
    profile.write_text(profile.read_text() + f"spring:\n  datasource:\n    password: {CANARY}\n")

    # edit the text (not a re-dump) so the block scalar stays a block, as the build writes it
    lines = built.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip() == "gate-local.yml: |")
    indent = lines[at + 1][: len(lines[at + 1]) - len(lines[at + 1].lstrip())]
    lines[at + 1 : at + 1] = [f"{indent}spring:\n", f"{indent}  datasource:\n", f"{indent}    password: {CANARY}\n"]
    manifest = tmp_path / "manifests.yaml"
    manifest.write_text("".join(lines))
    rc, doc = check_json(manifest, repo=repo)
    assert rc == 1
    [f] = doc["findings"]
    assert f["rule"] == "no-credential-in-configmap" and "spring.datasource.password" in f["message"]
    assert f["source"] == {
        "file": "halconfig/profiles/gate-local.yml",
        "line": len(profile.read_text().splitlines()),
        "column": len("    password: ") + 1,
    }
    assert manifest.read_text().splitlines()[f["location"]["line"] - 1].strip() == f"password: {CANARY}"
    for fmt in ("text", "json", "github", "sarif"):
        r = run_spinops("check", str(manifest), "--repo", str(repo), "--format", fmt)
        assert CANARY not in r.stdout + r.stderr, fmt
