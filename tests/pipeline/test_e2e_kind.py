"""End to end on a real cluster: kind on GitHub's runners (.github/workflows/e2e.yml, `nox -s e2e`).

Skipped everywhere else (no Docker, no API server on the development machines), so it is correct by
construction only until it runs on GitHub. It applies the reference installation (`spinops build
--env staging`) with tiny resource requests. The Spinnaker containers are swapped for the pause image
unless SPINOPS_E2E_REAL_IMAGES=1: Spinnaker itself needs its real storage, Redis and cloud accounts to
become Ready, which a throwaway kind cluster does not have; every ConfigMap, Service, Secret and
Deployment spinops renders is still applied, pruned and rolled out for real.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from spinops.kube.applyset import APPLYSET_PART_OF, applied_manifests, applyset_id
from spinops.manifests import dump_documents, load_documents
from spinops.tools import kubectl as kubectl_path

pytestmark = pytest.mark.skipif(
    os.environ.get("SPINOPS_E2E_KIND") != "1", reason="needs a kind cluster: runs in .github/workflows/e2e.yml"
)

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "fixtures" / "reference"  # frozen copy of the reference installation
ENV = "staging"
PAUSE = "registry.k8s.io/pause:3.10"
REAL_IMAGES = os.environ.get("SPINOPS_E2E_REAL_IMAGES") == "1"
SECRETS = yaml.safe_load((REFERENCE / "halconfig" / "secrets.yml").read_text())["secrets"]
VALUES = {k: f"e2e-value-of-{k.lower()}" for s in SECRETS.values() if s["source"] == "workflow" for k in s["env"]}


def kubectl(*args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([kubectl_path(), *args], input=input, capture_output=True, text=True, timeout=600)
    if check:
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc


def spinops(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "spinops", *args],
        cwd=REFERENCE,
        env={**os.environ, **VALUES},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    return proc


def shrink(
    docs: list[dict], *, fiat_cpu: str = "50m", fiat_image: str | None = None, drop: tuple[str, str] | None = None
) -> list[dict]:
    """Tiny requests, one replica, and (unless real images) the pause image without probes."""
    out = []
    for d in copy.deepcopy(docs):
        if drop and (d["kind"], d["metadata"]["name"]) == drop:
            continue
        if d["kind"] in ("Deployment", "StatefulSet"):
            d["spec"]["replicas"] = 1
            pod = d["spec"]["template"]["spec"]
            for c in pod.get("initContainers", []) + pod["containers"]:
                if not REAL_IMAGES:
                    c["image"] = PAUSE
                    for k in ("command", "args", "livenessProbe", "readinessProbe", "startupProbe"):
                        c.pop(k, None)
                cpu = fiat_cpu if d["metadata"]["name"] == "fiat" else "50m"
                c["resources"] = {"requests": {"cpu": "5m", "memory": "16Mi"}, "limits": {"cpu": cpu, "memory": "64Mi"}}
            if fiat_image and d["metadata"]["name"] == "fiat":
                pod["containers"][0]["image"] = fiat_image
        out.append(d)
    return out


def rollouts(stdout: str) -> list[str]:
    return [ln.split()[4] for ln in stdout.splitlines() if ln.startswith("+ kubectl rollout status ")]


def test_apply_change_diff_prune_and_rollout_on_kind(tmp_path):
    out = tmp_path / "build"
    assert spinops("build", "--env", ENV, "--out", str(out)).returncode == 0
    docs = load_documents((out / "manifests.yaml").read_text())
    (ns,) = {d["metadata"]["namespace"] for d in docs}
    deployments = [d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"]
    services = [d["metadata"]["name"] for d in docs if d["kind"] == "Service"]

    # out of band, as in production: the namespace and the `source: external` Secrets
    kubectl("create", "namespace", ns)
    for name, spec in SECRETS.items():
        if spec["source"] == "external":
            data = {f: base64.b64encode(b"{}").decode() for f in spec.get("files", [])} or {"placeholder": ""}
            secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns}, "data": data}
            kubectl("apply", "-f", "-", input=json.dumps(secret))
    kubectl("create", "configmap", "not-ours", "--namespace", ns, "--from-literal=a=b")

    # 1. first install: every workload rolls out
    m1 = tmp_path / "m1.yaml"
    m1.write_text(dump_documents(shrink(docs)))
    proc = spinops("apply", "--env", ENV, "--manifests", str(m1), "--rollout-timeout", "5m")
    assert proc.returncode == 0
    assert sorted(rollouts(proc.stdout)) == sorted(f"deployment/{n}" for n in deployments)
    assert not any(v in proc.stdout + proc.stderr for v in VALUES.values())
    key, value = next(iter(VALUES.items()))
    secret = next(n for n, s in SECRETS.items() if key in s.get("env", []))
    got = kubectl("get", "secret", secret, "--namespace", ns, "-o", "json").stdout
    assert base64.b64decode(json.loads(got)["data"][key]).decode() == value
    parent = json.loads(kubectl("get", "configmap", f"spinops-{ENV}", "--namespace", ns, "-o", "json").stdout)
    set_id = applyset_id(f"spinops-{ENV}", ns)
    assert parent["metadata"]["labels"]["applyset.kubernetes.io/id"] == set_id
    fiat = json.loads(kubectl("get", "deployment", "fiat", "--namespace", ns, "-o", "json").stdout)
    assert fiat["metadata"]["labels"][APPLYSET_PART_OF] == set_id

    # 2. the same manifests again: nothing changed, so nothing is waited for
    proc = spinops("apply", "--env", ENV, "--manifests", str(m1))
    assert proc.returncode == 0 and rollouts(proc.stdout) == []

    # 3. the PR: raise Fiat's CPU limit and drop one Service; kubectl diff shows exactly fiat
    dropped = services[-1]
    m2 = tmp_path / "m2.yaml"
    m2.write_text(dump_documents(shrink(docs, fiat_cpu="100m", drop=("Service", dropped))))
    diff = kubectl(
        "diff",
        "--server-side",
        "--field-manager=spinops",
        "--force-conflicts",
        "-f",
        "-",
        input=applied_manifests(m2, ENV),
        check=False,
    )
    assert diff.returncode == 1, diff.stderr
    changed = {ln.split()[-1].rsplit("/", 1)[-1] for ln in diff.stdout.splitlines() if ln.startswith("diff ")}
    assert changed == {f"apps.v1.Deployment.{ns}.fiat"} and "100m" in diff.stdout

    # 4. dry run: the plan, and the cluster is untouched
    proc = spinops("apply", "--env", ENV, "--manifests", str(m2), "--dry-run")
    assert proc.returncode == 0
    plan = [
        ln.strip()
        for ln in proc.stdout[proc.stdout.index("Plan for") :].splitlines()[1:]
        if not ln.strip().startswith("secret ")
    ]
    assert plan == ["change  Deployment/fiat", f"prune   service/{dropped}"]
    fiat = json.loads(kubectl("get", "deployment", "fiat", "--namespace", ns, "-o", "json").stdout)
    assert fiat["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] == "50m"
    kubectl("get", "service", dropped, "--namespace", ns)

    # 5. apply: fiat rolls out alone, the Service is pruned, nothing outside the ApplySet is touched
    proc = spinops("apply", "--env", ENV, "--manifests", str(m2), "--rollout-timeout", "5m")
    assert proc.returncode == 0
    assert rollouts(proc.stdout) == ["deployment/fiat"]
    assert f"service/{dropped} pruned" in proc.stdout
    assert kubectl("get", "service", dropped, "--namespace", ns, check=False).returncode != 0
    kubectl("get", "configmap", "not-ours", "--namespace", ns)
    for name in SECRETS:
        kubectl("get", "secret", name, "--namespace", ns)

    # 6. a rollout that cannot finish: exit 1, naming the Deployment and its events
    m3 = tmp_path / "m3.yaml"
    m3.write_text(
        dump_documents(
            shrink(docs, fiat_cpu="100m", drop=("Service", dropped), fiat_image="registry.k8s.io/pause:no-such-tag")
        )
    )
    proc = spinops("apply", "--env", ENV, "--manifests", str(m3), "--rollout-timeout", "45s")
    assert proc.returncode == 1
    assert "rollout of Deployment/fiat did not complete within 45s; its last events:" in proc.stderr
