"""The one walk over a workload's containers (spinops.check.k8s) that the built-in rules share."""

from __future__ import annotations

import pytest

from spinops.check import k8s

POD_SPEC = {
    "initContainers": [{"name": "init"}],
    "containers": [{"name": "main"}, "not-a-container", {"name": "sidecar"}],
}


def _wrap(kind: str) -> dict:
    """A resource of `kind` whose pod spec is POD_SPEC, nested where Kubernetes puts it."""
    if kind == "Pod":
        return {"kind": "Pod", "spec": POD_SPEC}
    template = {"template": {"spec": POD_SPEC}}
    if kind == "CronJob":
        return {"kind": kind, "spec": {"jobTemplate": {"spec": template}}}
    return {"kind": kind, "spec": template}


@pytest.mark.parametrize("kind", sorted(k8s.POD_TEMPLATE_PATHS))
def test_containers_walks_every_workload_kind_with_jsonpaths(kind):
    res = _wrap(kind)
    prefix = "$.spec" if kind == "Pod" else k8s.jsonpath((*k8s.POD_TEMPLATE_PATHS[kind], "spec"))
    found = [(c["name"], k8s.jsonpath(p)) for c, p in k8s.containers(res)]
    assert found == [
        ("init", f"{prefix}.initContainers[0]"),
        ("main", f"{prefix}.containers[0]"),
        ("sidecar", f"{prefix}.containers[2]"),  # the index stays the one in the manifest
    ]
    assert [c["name"] for c, _ in k8s.containers(res, init=False)] == ["main", "sidecar"]
    for c, p in k8s.containers(res):
        assert k8s.get_path(res, p) is c


def test_containers_ignores_other_kinds_and_broken_templates():
    assert list(k8s.containers({"kind": "ConfigMap", "spec": {"template": {"spec": POD_SPEC}}})) == []
    assert list(k8s.containers({"kind": "Deployment", "spec": {"template": "oops"}})) == []
    assert (
        list(k8s.containers({"kind": "Deployment", "spec": {"template": {"spec": {"containers": {"name": "x"}}}}}))
        == []
    )


def test_is_workload_means_a_controller_with_a_pod_template():
    assert k8s.is_workload(_wrap("Deployment"))
    assert k8s.is_workload(_wrap("CronJob"))
    assert not k8s.is_workload(_wrap("Pod"))
    assert not k8s.is_workload({"kind": "Deployment", "spec": {}})
    assert not k8s.is_workload({"kind": "ConfigMap", "data": {}})
