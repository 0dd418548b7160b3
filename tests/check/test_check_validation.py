"""Schema validation: every error of a resource, strict mode, two Kubernetes versions, CRDs skipped."""

from __future__ import annotations

import json

import pytest
from check_helpers import check_text

from spinops.check import validate_k8s
from spinops.check.validate_k8s import SchemaValidator, resolve_version
from spinops.errors import UsageError

BROKEN = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orca
spec:
  replicas: two
  template:
    metadata:
      labels: {app: orca}
    spec:
      containers:
      - name: orca
        image: orca:spinnaker-1.36.1
        imagePullPolice: Always
"""

# Container resizePolicy exists from Kubernetes 1.27 on: unknown (strict) in 1.25, valid in 1.33.
RESIZE = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: busybox:1.36
    resizePolicy:
    - {resourceName: cpu, restartPolicy: NotRequired}
"""

# autoscaling/v2beta2 was removed in Kubernetes 1.26: valid in 1.25, no schema (skipped) in 1.33.
HPA_V2BETA2 = """\
apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: gate}
spec:
  scaleTargetRef: {kind: Deployment, name: gate}
  maxReplicas: 3
"""


def schema_findings(report):
    return [(f.path, f.message) for f in report.findings if f.rule == "schema"]


@pytest.mark.parametrize("version", ["1.25", "1.33"])
def test_unknown_field_wrong_type_and_missing_required_all_reported(version):
    report = check_text(BROKEN, builtin=False, kube_version=version)
    assert report.kube_version == version
    found = schema_findings(report)
    assert len(found) == 3, found
    by_path = dict(found)
    assert "imagePullPolice" in by_path["$.spec.template.spec.containers[0]"]
    assert "two" in by_path["$.spec.replicas"] and "integer" in by_path["$.spec.replicas"]
    assert "selector" in by_path["$.spec"] and "required" in by_path["$.spec"]
    lines = {f.path: f.location.line for f in report.findings}
    assert lines["$.spec.replicas"] == 6
    assert lines["$.spec.template.spec.containers[0]"] == 12


def test_non_strict_allows_unknown_fields_only():
    report = check_text(BROKEN, builtin=False, strict=False)
    messages = [m for _, m in schema_findings(report)]
    assert not any("imagePullPolice" in m for m in messages)
    assert len(messages) == 2


def test_a_field_added_in_a_later_version():
    old = check_text(RESIZE, builtin=False, kube_version="1.25")
    new = check_text(RESIZE, builtin=False, kube_version="1.33")
    assert [m for _, m in schema_findings(old)] == [
        "Additional properties are not allowed ('resizePolicy' was unexpected)"
    ]
    assert schema_findings(new) == []
    assert old.kube_version == "1.25" and new.kube_version == "1.33"


def test_an_api_removed_in_a_later_version_is_skipped_not_passed():
    old = check_text(HPA_V2BETA2, builtin=False, kube_version="1.25")
    new = check_text(HPA_V2BETA2, builtin=False, kube_version="1.33")
    assert old.skipped == [] and schema_findings(old) == []
    assert [s.resource.display() for s in new.skipped] == ["HorizontalPodAutoscaler/gate"]
    assert "no schema" in new.skipped[0].reason


CRD_OBJECT = """\
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: spinnaker-github, namespace: spinnaker}
spec:
  refreshInterval: one hour
  target: {name: spinnaker-github}
"""


def test_crd_is_skipped_without_schema_and_validated_with_one(tmp_path):
    report = check_text(CRD_OBJECT, builtin=False)
    assert [s.resource.kind for s in report.skipped] == ["ExternalSecret"]
    assert report.findings == []

    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "refreshInterval": {"type": "string", "pattern": "^[0-9]+[smh]$"},
                    "target": {"type": "object"},
                },
                "additionalProperties": False,
            }
        },
    }
    d = tmp_path / "external-secrets.io"
    d.mkdir()
    (d / "externalsecret_v1beta1.json").write_text(json.dumps(schema))
    report = check_text(CRD_OBJECT, builtin=False, crd_schemas=tmp_path)
    assert report.skipped == []
    assert [f.path for f in report.findings] == ["$.spec.refreshInterval"]


def test_version_resolution():
    assert resolve_version("1.33") == "1.33.0"
    assert resolve_version("v1.25.7") == "1.25.0"
    for bad in ("1.20", "1.99", "latest"):
        with pytest.raises(UsageError):
            resolve_version(bad)


def test_validators_are_cached_per_version_and_kind():
    validate_k8s._validator.cache_clear()
    v = SchemaValidator("1.33")
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "b"}}
    for _ in range(50):
        assert v.validate(obj).status == "passed"
    SchemaValidator("1.33.4").validate(obj)  # the same schema set
    info = validate_k8s._validator.cache_info()
    assert info.misses == 1 and info.hits == 50


def test_agrees_with_kubernetes_validate_first_error():
    """kubernetes-validate itself (uncached, first error only) rejects what we reject."""
    import kubernetes_validate
    import yaml

    obj = yaml.safe_load(BROKEN)
    with pytest.raises(kubernetes_validate.ValidationError) as e:
        kubernetes_validate.validate(obj, "1.33", strict=True)
    ours = SchemaValidator("1.33").validate(obj)
    assert tuple(e.value.path) in {p for p, _ in ours.errors}
    fixed = yaml.safe_load(
        BROKEN.replace("replicas: two", "replicas: 2").replace("        imagePullPolice: Always\n", "")
    )
    fixed["spec"]["selector"] = {"matchLabels": {"app": "orca"}}
    kubernetes_validate.validate(fixed, "1.33", strict=True)
    assert SchemaValidator("1.33").validate(fixed).status == "passed"


def test_invalid_crd_schema_is_an_input_error(tmp_path):
    from spinops_testlib import run_spinops

    (tmp_path / "external-secrets.io").mkdir()
    bad = tmp_path / "external-secrets.io" / "externalsecret_v1beta1.json"
    bad.write_text('{"type": 5}')
    r = run_spinops("check", "-", "--crd-schemas", str(tmp_path), "--no-builtin", input=CRD_OBJECT)
    assert r.returncode == 2 and f"{bad}: error: invalid JSON Schema" in r.stderr
    bad.write_text("{not json")
    r = run_spinops("check", "-", "--crd-schemas", str(tmp_path), "--no-builtin", input=CRD_OBJECT)
    assert r.returncode == 2 and "invalid JSON Schema" in r.stderr
    r = run_spinops("check", "-", "--crd-schemas", str(tmp_path / "nope"), input=CRD_OBJECT)
    assert r.returncode == 2 and "not a directory" in r.stderr


NOT_BASE64 = """\
apiVersion: v1
kind: Secret
metadata:
  name: creds
data:
  good: aHVudGVyMg==
  wrapped: "aHVudGVy\\nMg=="
  bad: CANARY-not-base64!
  unpadded: aHVudGVyMg
"""


def test_secret_data_that_is_not_base64_is_a_finding_naming_the_secret_and_key():
    # Kubernetes API reference, Secret v1 `data`: values are base64 (RFC 4648 section 4); the bundled
    # schema says `format: byte`, which the validator does not enforce by itself. Go's decoder skips
    # CR/LF (encoding/base64), so a wrapped value is valid; a missing pad is not.
    report = check_text(NOT_BASE64, builtin=False)
    found = {f.path: (f.message, f.location.line) for f in report.findings if f.rule == "schema"}
    assert set(found) == {"$.data.bad", "$.data.unpadded"}, found
    assert (
        "Secret creds" in found["$.data.bad"][0]
        and "`bad`" in found["$.data.bad"][0]
        and "base64" in found["$.data.bad"][0]
    )
    assert found["$.data.bad"][1] == 8 and found["$.data.unpadded"][1] == 9
    assert all("CANARY" not in m for m, _ in found.values())
