"""Builders for crafted manifests and kubectl-shaped LIVE/MERGED directories."""

from __future__ import annotations

import base64
import copy
from pathlib import Path

import yaml

NS = "spinnaker"


def labels(svc: str | None) -> dict:
    out = {"app.kubernetes.io/part-of": "spinnaker", "app.kubernetes.io/managed-by": "spinops"}
    if svc:
        out["spinops.io/service"] = svc
    return out


def configmap(name: str, data: dict, svc: str | None = None, ns: str = NS) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": labels(svc)},
        "data": dict(data),
    }


def secret(name: str, values: dict, svc: str | None = None, ns: str = NS, string_data: dict | None = None) -> dict:
    obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": name, "namespace": ns, "labels": labels(svc)},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()},
    }
    if string_data:
        obj["stringData"] = dict(string_data)
    return obj


def deployment(
    name: str,
    *,
    svc: str | None = None,
    config: str | None = None,
    secret_name: str | None = None,
    cpu: str = "1",
    image: str = "img:1",
    ns: str = NS,
) -> dict:
    container = {
        "name": name,
        "image": image,
        "resources": {"limits": {"cpu": cpu, "memory": "2Gi"}, "requests": {"cpu": "500m"}},
    }
    volumes = []
    if config:
        volumes.append({"name": "config", "configMap": {"name": config}})
        container["volumeMounts"] = [{"name": "config", "mountPath": "/opt/spinnaker/config"}]
    if secret_name:
        container["envFrom"] = [{"secretRef": {"name": secret_name}}]
    spec = {"containers": [container]}
    if volumes:
        spec["volumes"] = volumes
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": labels(svc or name)},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {"metadata": {"labels": {"app.kubernetes.io/name": name}}, "spec": spec},
        },
    }


def service(name: str, port: int, svc: str | None = None, ns: str = NS) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "labels": labels(svc or name)},
        "spec": {"ports": [{"port": port}], "selector": {"app.kubernetes.io/name": name}},
    }


def kubectl_file_name(obj: dict) -> str:
    """kubectl diff's InfoObject.Name(): `group.version.Kind.namespace.name`, core group omitted."""
    av = obj["apiVersion"]
    group, version = av.split("/") if "/" in av else ("", av)
    meta = obj["metadata"]
    return (f"{group}." if group else "") + f"{version}.{obj['kind']}.{meta.get('namespace', '')}.{meta['name']}"


def live_noise(obj: dict, generation: int = 1) -> dict:
    """What the API server adds to a live object (and kubectl does not strip)."""
    o = copy.deepcopy(obj)
    m = o["metadata"]
    m.update(
        {
            "uid": f"uid-{m['name']}",
            "resourceVersion": str(1000 + generation),
            "generation": generation,
            "creationTimestamp": "2026-11-27T10:00:00Z",
        }
    )
    m["managedFields"] = [{"manager": "spinops", "operation": "Apply", "apiVersion": o["apiVersion"]}]
    if o["kind"] == "Deployment":
        o["status"] = {"replicas": 1, "readyReplicas": 1, "observedGeneration": generation}
        m.setdefault("annotations", {})["deployment.kubernetes.io/revision"] = str(generation)
    return o


def write_kubectl_dir(path: Path, objs: list[dict]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for o in objs:
        (path / kubectl_file_name(o)).write_text(yaml.safe_dump(o, sort_keys=False), encoding="utf-8")
    return path
