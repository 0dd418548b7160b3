"""The environment's pinned Kubernetes version, `--env`, opt-out edge cases, List documents."""

from __future__ import annotations

import json
import textwrap

from check_helpers import check_text

from spinops_testlib import run_spinops

RESIZE_POD = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
      - name: c
        image: busybox:1.36
        resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]
        resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi}}
        readinessProbe: {exec: {command: ["true"]}}
        livenessProbe: {exec: {command: ["true"]}}
    """
)


def make_repo(tmp_path, kube_version: str | None):
    repo = tmp_path / "repo"
    overlay = repo / "kustomize" / "overlays" / "staging"
    overlay.mkdir(parents=True)
    if kube_version:
        (overlay / "spinops.yml").write_text(
            f"# the cluster this environment runs on\nkubernetesVersion: '{kube_version}'\n"
        )
    build = repo / "build" / "staging"
    build.mkdir(parents=True)
    (build / "manifests.yaml").write_text(RESIZE_POD)
    return repo


def test_env_picks_the_manifest_and_its_pinned_kubernetes_version(tmp_path):
    repo = make_repo(tmp_path, "1.25")
    r = run_spinops("check", "--env", "staging", "--format", "json", cwd=repo)
    doc = json.loads(r.stdout)
    assert r.returncode == 1
    assert doc["kubernetesVersion"] == "1.25" and doc["input"] == "build/staging/manifests.yaml"
    # resizePolicy is 1.27+; and kubectl 1.37 does not support a 1.25 cluster, said at the setting's line
    assert sorted(f["rule"] for f in doc["findings"]) == ["kubectl-skew", "schema"]
    [skew] = [f for f in doc["findings"] if f["rule"] == "kubectl-skew"]
    assert skew["source"] == {"file": "kustomize/overlays/staging/spinops.yml", "line": 2, "column": 1}
    # the command line wins over the environment's setting (the setting itself is still out of skew)
    r = run_spinops(
        "check", "--env", "staging", "--kube-version", "1.33", "--format", "json", "--disable", "kubectl-skew", cwd=repo
    )
    assert r.returncode == 0 and json.loads(r.stdout)["kubernetesVersion"] == "1.33"
    # the environment is also recognised from a build/<env>/manifests.yaml path
    r = run_spinops("check", "build/staging/manifests.yaml", "--format", "json", cwd=repo)
    assert json.loads(r.stdout)["kubernetesVersion"] == "1.25"


def test_environment_variable_and_default(tmp_path):
    repo = make_repo(tmp_path, None)
    r = run_spinops("check", "--env", "staging", "--format", "json", cwd=repo, env={"SPINOPS_KUBE_VERSION": "1.26"})
    assert json.loads(r.stdout)["kubernetesVersion"] == "1.26"
    r = run_spinops("check", "--env", "staging", "--format", "json", cwd=repo, env={"SPINOPS_KUBE_VERSION": ""})
    assert json.loads(r.stdout)["kubernetesVersion"] == "1.36"


def test_no_manifest_and_no_env_is_a_usage_error(tmp_path):
    r = run_spinops("check", cwd=tmp_path)
    assert r.returncode == 2 and "--env ENV" in r.stderr


def test_optout_edge_cases():
    text = """\
    apiVersion: v1
    kind: Service
    metadata:
      name: deck
      annotations:
        spinops.io/ignore: " schema , no-such-rule ,"
        spinops.io/ignore-reason: "deck's port is templated by an admission webhook"
    spec:
      ports: [{port: "9000"}]
    """
    report = check_text(text)
    assert [(f.rule, f.severity) for f in report.findings] == [("ignore-unknown-rule", "warning")]
    assert "no-such-rule" in report.findings[0].message
    [o] = report.opt_outs
    assert o.rules == ("no-such-rule", "schema") and o.suppressed == 1 and o.location.line == 6
    assert [f.rule for f in report.suppressed] == ["schema"]


def test_optout_cannot_silence_its_own_missing_reason():
    text = """\
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: c
      annotations:
        spinops.io/ignore: "ignore-without-reason,no-credential-in-configmap"
        spinops.io/ignore-reason: " "
    data: {API_TOKEN: abc123}
    """
    report = check_text(text)
    # a blank reason is no reason: nothing is silenced, not even the finding about the missing reason
    assert sorted(f.rule for f in report.findings) == ["ignore-without-reason", "no-credential-in-configmap"]
    assert report.opt_outs[0].reason is None and report.opt_outs[0].suppressed == 0


def test_list_documents_are_expanded_with_their_lines():
    text = """\
    apiVersion: v1
    kind: List
    items:
    - apiVersion: v1
      kind: ConfigMap
      metadata: {name: a}
      data: {x: "1"}
    - apiVersion: v1
      kind: ConfigMap
      metadata: {name: b}
      data: {DB_PASSWORD: hunter2}
    """
    report = check_text(text)
    assert report.resources == 2
    [f] = report.findings
    assert f.resource.name == "b" and f.location.line == 11 and f.resource.line == 8


def test_optout_of_a_rule_that_did_not_run_is_not_unknown():
    text = """\
    apiVersion: v1
    kind: Service
    metadata:
      name: deck
      annotations: {spinops.io/ignore: "schema,probes", spinops.io/ignore-reason: "validated by the cluster"}
    spec:
      ports: [{port: 9000}]
    """
    report = check_text(text, validate=False, only_rules=("resources",))
    assert report.findings == [] and report.opt_outs[0].suppressed == 0
