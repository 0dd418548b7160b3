"""Long-running containers have a readiness probe and a liveness probe, and liveness checks only the container.

Without readiness, a Service sends traffic to a Spinnaker service that is still loading its
caches; without liveness, a wedged JVM is never restarted. Applies to the containers (not init
containers) of Pods, Deployments, StatefulSets and DaemonSets; Jobs run to completion and are
not checked.

A liveness probe must not ask `/health`: in every Spring service it is the aggregate of all
health indicators, downstream ones included (clouddriver v5.90.1
clouddriver-google/.../GoogleHealthIndicator.groovy:41 calls GCP for each account), so an outage of a
cloud API or of IAM fails liveness and the kubelet restarts every pod in a loop. Use a `tcpSocket`
probe on the port (or a probe that does not depend on downstream systems); keep `/health` for
readiness.

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
            livenessProbe: {tcpSocket: {port: 8089}, initialDelaySeconds: 120}

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

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: clouddriver}
    spec:
      template:
        spec:
          containers:
          - name: clouddriver
            image: clouddriver:spinnaker-1.36.1
            readinessProbe: {httpGet: {path: /health, port: 7002}}
            livenessProbe: {httpGet: {path: /health, port: 7002}}
"""

from __future__ import annotations

from spinops.check import k8s
from spinops.check.rules import Hit

ID = "probes"
DESCRIPTION = "containers have readiness and liveness probes; liveness does not depend on downstream systems"
SEVERITY = "warning"

_KINDS = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


def check(resource: dict, ctx):
    if resource.get("kind") not in _KINDS:
        return
    for container, path in k8s.containers(resource, init=False):
        missing = [p for p in ("readinessProbe", "livenessProbe") if not container.get(p)]
        if missing:
            yield Hit(path=path, message=f"container {container.get('name')!r} has no {' and no '.join(missing)}")
        live = container.get("livenessProbe")
        get = live.get("httpGet") if isinstance(live, dict) else None
        if isinstance(get, dict) and str(get.get("path") or "/").rstrip("/") in ("/health", "/actuator/health"):
            yield Hit(
                path=(*path, "livenessProbe", "httpGet", "path"),
                message=f"container {container.get('name')!r}: the liveness probe asks the aggregate "
                        f"{get.get('path')}, which "
                "fails when a downstream system does (a cloud API outage restarts every pod)",
                hint="use `tcpSocket: {port: http}` for liveness and keep /health for readiness",
            )
