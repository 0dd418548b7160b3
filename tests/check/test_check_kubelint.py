"""kube-lint rule files: the example rule set unchanged, pod templates, any kind, tags, strict loading."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from check_helpers import check_text

from spinops import schemas
from spinops.check import engine
from spinops.errors import InputError

EXAMPLE = Path(__file__).parent / "fixtures" / "kube-lint-example.yaml"
RULES = engine.load_rule_file(EXAMPLE)

GOOD_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: cd-redis
  labels: {app: redis}
spec:
  containers:
  - name: redis
    image: redis:7.2
    ports: [{containerPort: 6379}]
    resources: {requests: {cpu: 100m}}
"""

BAD_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {tier: web}
spec:
  hostNetwork: true
  containers:
  - name: web
    image: nginx:1.27
    ports: [{containerPort: 80}]
    securityContext: {privileged: true}
"""


def lint(text: str, rules=RULES, **kw):
    return check_text(text, validate=False, builtin=False, lint_rules=rules, **kw)


def test_example_rule_set_loads_unchanged():
    assert [r.name for r in RULES] == [
        "unprivileged",
        "no-host-network",
        "app-label",
        "redis-port",
        "name-regex",
        "limit-set",
    ]
    assert RULES[3].value == 6379.0 and RULES[3].value_type == "float64"
    assert RULES[0].value_type == "string"  # kube-lint's default
    assert all(r.severity == "error" for r in RULES)


def test_example_rule_set_passes_a_conforming_pod():
    assert lint(GOOD_POD).findings == []


def test_example_rule_set_fails_every_rule_on_a_bad_pod():
    report = lint(BAD_POD)
    by_rule = {f.rule: f for f in report.findings}
    assert sorted(by_rule) == sorted(r.name for r in RULES)
    assert by_rule["unprivileged"].path == "$.spec.containers[0].securityContext.privileged"
    assert by_rule["no-host-network"].path == "$.spec.hostNetwork"
    assert by_rule["no-host-network"].location.line == 7
    assert "not set" in by_rule["app-label"].message
    assert "'80'" in by_rule["redis-port"].message


def test_pod_rules_apply_to_pod_templates_of_workloads():
    deployment = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      template:
        metadata: {labels: {app: web}}
        spec:
          hostNetwork: true
          containers:
          - {name: web, image: "nginx:1.27", resources: {requests: {cpu: 100m}}}
    """
    cronjob = """\
    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: cd-backup}
    spec:
      schedule: "0 * * * *"
      jobTemplate:
        spec:
          template:
            metadata: {labels: {app: backup}}
            spec:
              containers:
              - {name: b, image: "busybox:1.36", securityContext: {privileged: true}}
    """
    rules = [r for r in RULES if r.name in ("no-host-network", "app-label", "name-regex", "unprivileged")]
    d = {f.rule: f for f in lint(textwrap.dedent(deployment), rules).findings}
    assert sorted(d) == ["name-regex", "no-host-network"]  # the template's pod is named after its owner
    assert d["no-host-network"].path == "$.spec.template.spec.hostNetwork"
    assert d["no-host-network"].location.line == 8
    c = {f.rule: f for f in lint(textwrap.dedent(cronjob), rules).findings}
    assert sorted(c) == ["unprivileged"]
    assert c["unprivileged"].path == "$.spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged"


def test_pod_rules_skip_kinds_without_pods():
    svc = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n"
    assert lint(svc).findings == []


RULES_ANY_KIND = """\
- name: service-cluster-ip
  description: Services stay inside the cluster
  kind: Service
  field: .spec.type
  operator: equal
  value: ClusterIP
  tags: [network]
- name: deployment-replicas
  kind: Deployment
  field: .spec.replicas
  operator: greaterthan
  valueType: float64
  value: 1
  severity: warning
  tags: [availability]
- name: managed-by-spinops
  kind: "*"
  field: .metadata.labels.app\\.kubernetes\\.io/managed-by
  operator: equal
  value: spinops
  severity: info
  tags: [operations]
- name: no-automount
  kind: Pod
  field: .spec.automountServiceAccountToken
  operator: equal
  valueType: bool
  value: false
  tags: [security]
"""

RESOURCES = """\
apiVersion: v1
kind: Service
metadata: {name: gate, labels: {app.kubernetes.io/managed-by: spinops}}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: gate}
spec:
  replicas: 1
  template:
    spec:
      automountServiceAccountToken: false
      containers: [{name: gate, image: "gate:spinnaker-1.36.1"}]
"""


def test_rules_target_any_kind_with_severity_and_escaped_keys():
    rules = engine.parse_rules(RULES_ANY_KIND, "rules.yml")
    report = lint(RESOURCES, rules)
    got = sorted((f.rule, f.resource.kind, f.severity) for f in report.findings)
    assert got == [
        ("deployment-replicas", "Deployment", "warning"),
        ("managed-by-spinops", "Deployment", "info"),
        ("service-cluster-ip", "Service", "error"),
    ]


def test_tags_select_rules():
    rules = engine.parse_rules(RULES_ANY_KIND, "rules.yml")
    report = lint(RESOURCES, rules, tags=("network", "security"))
    assert sorted(f.rule for f in report.findings) == ["service-cluster-ip"]
    assert sorted(report.rules) == sorted(
        ["service-cluster-ip", "no-automount", "ignore-without-reason", "ignore-unknown-rule"]
    )


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (
            "- name: a\n  field: .spec.x\n  operator: bigger\n",
            3,
            "rule 'a': operator is not valid for valueType string",
        ),
        ("- name: a\n  field: .spec.x\n  operator: greaterthan\n  value: 3\n", 3, "not valid for valueType string"),
        ("- name: a\n  field: .spec.x[\n  operator: set\n", 2, "unclosed '['"),
        ("- name: a\n  field: .spec.x\n  operator: equal\n", 1, "rule 'a': 'value' is required"),
        (
            "- name: a\n  field: .spec.x\n  operator: equal\n  valueType: float64\n  value: lots\n",
            5,
            "rule 'a': value is not a number (valueType float64)",
        ),
        ("- name: a\n  field: .spec.x\n  operator: matches\n  value: '(['\n", 4, "invalid regular expression"),
        ("- name: a\n  field: .spec.x\n  operater: set\n", 3, "did you mean 'operator'"),
        ("- name: a\n  field: .x\n  operator: set\n- name: a\n  field: .y\n  operator: set\n", 4, "duplicate name"),
        ("- field: .x\n  operator: set\n", 1, "'name' is required"),
        ("name: a\n", 1, "a YAML list of rules"),
        ("- name: a\n  field: [.x\n", 3, "malformed YAML"),
    ],
)
def test_invalid_rule_files_name_the_rule_and_line(text, line, needle):
    with pytest.raises(InputError) as e:
        engine.parse_rules(text, "bad-rules.yml")
    problems = e.value.problems
    assert any(needle in p.message or needle in (p.hint or "") for p in problems), [p.text() for p in problems]
    p = next(p for p in problems if needle in p.message or needle in (p.hint or ""))
    assert p.file == "bad-rules.yml" and p.line == line
    if "name: a" in text and "duplicate" not in needle and "list" not in needle and "YAML" not in needle:
        assert "rule 'a'" in p.message


def test_kubectl_output_semantics():
    """A string rule sees the values as kubectl prints them: joined by spaces, numbers in Go's %v."""
    r = engine.parse_rules(
        "- name: images\n  field: .spec.containers[*].image\n  operator: equal\n  value: a:1 b:2\n", "r.yml"
    )[0]
    pod = {"kind": "Pod", "spec": {"containers": [{"image": "a:1"}, {"image": "b:2"}]}}
    assert engine.evaluate(r, pod).passed
    assert engine.go_text(6379) == "6379" and engine.go_text(1000000) == "1e+06" and engine.go_text(True) == "true"
    f = engine.parse_rules(
        "- name: p\n  field: .spec.containers[*].ports[*].containerPort\n  operator: lessthan\n  valueType: float64\n "
        " value: 1024\n",
        "r.yml",
    )[0]
    pod = {"kind": "Pod", "spec": {"containers": [{"ports": [{"containerPort": 8080}, {"containerPort": 80}]}]}}
    assert engine.evaluate(f, pod).passed  # any value satisfying the operator passes, as in kube-lint
    assert not engine.evaluate(f, {"kind": "Pod", "spec": {}}).passed


def test_any_malformed_rule_file_is_an_input_error_never_a_crash():
    """Seeded random rule files: each loads or raises InputError with a file and line, nothing else."""
    import random

    import yaml

    rng = random.Random(4)
    scalars = [None, True, 3, 1.5, "x", "", "set", "float64", ".spec.x", "[", "(", [], {}, ["a"], {"a": 1}]
    keys = [*schemas.load("kube-lint-rules")["$defs"]["rule"]["properties"], "operater", "valuetype"]
    for _ in range(400):
        rules = []
        for _ in range(rng.randint(0, 3)):
            if rng.random() < 0.1:
                rules.append(rng.choice(scalars))
                continue
            rule = {k: rng.choice(scalars) for k in rng.sample(keys, rng.randint(0, len(keys)))}
            rules.append(rule)
        text = yaml.safe_dump(rules if rng.random() < 0.95 else rng.choice(scalars))
        try:
            engine.parse_rules(text, "fuzz.yml")
        except InputError as e:
            assert all(p.file == "fuzz.yml" and p.line for p in e.problems), [p.text() for p in e.problems]
