"""Long-running containers have a readiness probe and a liveness probe.

Without readiness, a Service sends traffic to a Spinnaker service that is still loading its
caches; without liveness, a wedged JVM is never restarted. Applies to the containers (not init
containers) of Pods, Deployments, StatefulSets and DaemonSets; Jobs run to completion and are
not checked.

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: echo}
    spec:
      template:
        spec:
          containers:
          - name: echo
            image: echo:spinnaker-1.36.1
            readinessProbe: {httpGet: {path: /health, port: 8089}}
            livenessProbe: {httpGet: {path: /health, port: 8089}, initialDelaySeconds: 120}

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: echo}
    spec:
      template:
        spec:
          containers:
          - name: echo
            image: echo:spinnaker-1.36.1
            readinessProbe: {httpGet: {path: /health, port: 8089}}
"""

from __future__ import annotations

from spinops.check import k8s
from spinops.check.rules import Hit

ID = "probes"
DESCRIPTION = "containers have readiness and liveness probes"
SEVERITY = "warning"

_KINDS = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


def check(resource: dict, ctx):
    if resource.get("kind") not in _KINDS:
        return
    for container, path in k8s.containers(resource, init=False):
        missing = [p for p in ("readinessProbe", "livenessProbe") if not container.get(p)]
        if missing:
            yield Hit(path=path, message=f"container {container.get('name')!r} has no {' and no '.join(missing)}")
