"""`spinops apply` on the reference installation: the real `spinops build` output and the real
halconfig/secrets.yml, with the fake kubectl (a test double) standing in for the cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pipeline_support import run_cli

from spinops.manifests import load_documents

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "fixtures" / "reference"  # frozen copy of the reference installation
VALUES = {
    "GITHUB_TOKEN": "ghp_CANARYref000000000000000000000000001",
    "GITHUB_TEAMS_TOKEN": "ghp_CANARYref000000000000000000000000002",
    "SLACK_TOKEN": "xoxb-CANARY-ref-3",
    "OAUTH2_CLIENT_ID": "CANARY-client-id-4.apps.googleusercontent.com",
    "OAUTH2_CLIENT_SECRET": "CANARY-client-secret-5",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "staging"
    proc = run_cli(["build", "--env", "staging", "--out", str(out)], cwd=REFERENCE, env={})
    assert proc.returncode == 0, proc.stderr
    return out / "manifests.yaml"


def first_install(docs: list[dict]) -> dict:
    """kubectl diff on an empty namespace: every object only in MERGED."""
    merged = {}
    for d in docs:
        api, m = d["apiVersion"], d["metadata"]
        merged[f"{api.replace('/', '.')}.{d['kind']}.{m.get('namespace', '')}.{m['name']}"] = yaml.safe_dump(d)
    return {"live": {}, "merged": merged}


def test_first_install_of_the_reference_installation(built, fake_kubectl):
    docs = load_documents(built.read_text())
    fake_kubectl.on("diff", diff=first_install(docs))
    proc = run_cli(
        ["apply", "--env", "staging", "--manifests", str(built)], cwd=REFERENCE, env={**fake_kubectl.env(), **VALUES}
    )
    assert proc.returncode == 0, proc.stderr
    # the ApplySet parent's revision record (read, then written) is tested in test_deploy_scenarios.py
    calls = [
        c
        for c in fake_kubectl.calls()
        if c["argv"][:2] != ["get", "configmap"]
        and not any(a.startswith("--field-manager=spinops-") for a in c["argv"])
    ]
    ns = {d["metadata"]["namespace"] for d in docs}
    assert len(ns) == 1
    (namespace,) = ns
    deployments = [d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"]
    assert len(deployments) >= 9
    assert [c["argv"][:2] for c in calls] == [
        ["diff", "--server-side"],
        ["apply", "--server-side"],
        ["apply", "--server-side"],
    ] + [["rollout", "status"]] * len(deployments)
    assert sorted(c["argv"][2] for c in calls[3:]) == sorted(f"deployment/{n}" for n in deployments)  # in parallel
    assert "--applyset=configmaps/spinops-staging" in calls[2]["argv"] and namespace in calls[2]["argv"]
    assert proc.stdout.count("\n  create  ") == len(docs)

    # the Secrets apply creates exactly the workflow Secrets of halconfig/secrets.yml, in the manifests' namespace
    declared = yaml.safe_load((REFERENCE / "halconfig" / "secrets.yml").read_text())["secrets"]
    sent = {i["metadata"]["name"]: i for i in json.loads(calls[1]["stdin"])["items"]}
    assert set(sent) == {n for n, s in declared.items() if s["source"] == "workflow"}
    for name, item in sent.items():
        assert sorted(item["data"]) == sorted(declared[name]["env"]) and item["metadata"]["namespace"] == namespace
    # every Secret the Deployments reference is either created here or declared external
    referenced = set()
    for d in docs:
        if d["kind"] == "Deployment":
            spec = d["spec"]["template"]["spec"]
            for c in spec.get("containers", []):
                referenced |= {e["secretRef"]["name"] for e in c.get("envFrom", []) if "secretRef" in e}
            referenced |= {v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v}
    assert referenced and referenced <= set(declared)
    out = proc.stdout + proc.stderr
    assert not any(v in out for v in VALUES.values())


def test_reference_installation_without_one_secret_is_refused(built, fake_kubectl):
    env = {**fake_kubectl.env(), **{k: v for k, v in VALUES.items() if k != "OAUTH2_CLIENT_SECRET"}}
    proc = run_cli(["apply", "--env", "staging", "--manifests", str(built)], cwd=REFERENCE, env=env)
    assert proc.returncode == 2
    assert (
        "halconfig/secrets.yml: error: environment variable OAUTH2_CLIENT_SECRET is not set (or empty)" in proc.stderr
    )
    assert "spinnaker-oauth2" in proc.stderr and "secrets.OAUTH2_CLIENT_SECRET" in proc.stderr
    assert fake_kubectl.calls() == []
