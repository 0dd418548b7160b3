"""Containers run as a non-root user.

A container passes when its effective `runAsUser` (container level, else pod level) is a
non-zero UID, or, with no `runAsUser`, when its effective `runAsNonRoot` is true. A container
that sets `runAsUser: 0` or `runAsNonRoot: false` overrides a non-root pod setting and fails.
Applies to containers and init containers of Pods and workloads.

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: front50}
    spec:
      template:
        spec:
          securityContext: {runAsNonRoot: true, runAsUser: 10111}
          containers:
          - name: front50
            image: front50:spinnaker-1.36.1

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: front50}
    spec:
      containers:
      - name: front50
        image: front50:spinnaker-1.36.1
        securityContext: {runAsNonRoot: true}

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: front50}
    spec:
      template:
        spec:
          containers:
          - name: front50
            image: front50:spinnaker-1.36.1

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: front50}
    spec:
      template:
        spec:
          securityContext: {runAsNonRoot: true}
          containers:
          - name: front50
            image: front50:spinnaker-1.36.1
            securityContext: {runAsUser: 0}
"""

from __future__ import annotations

from spinops.check import k8s
from spinops.check.rules import Hit

ID = "non-root"
DESCRIPTION = "containers run as non-root (runAsNonRoot, or runAsUser != 0)"
SEVERITY = "error"


def _sc(obj: dict) -> dict:
    sc = obj.get("securityContext")
    return sc if isinstance(sc, dict) else {}


def check(resource: dict, ctx):
    found = k8s.pod_spec(resource)
    if not found:
        return
    pod_sc = _sc(found[0])
    for container, path in k8s.containers(resource):
        c_sc = _sc(container)
        user = c_sc.get("runAsUser", pod_sc.get("runAsUser"))
        non_root = c_sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
        if user is not None and user != 0 and non_root is not False:
            continue
        if user is None and non_root is True:
            continue
        why = (
            "runs as root (runAsUser: 0)"
            if user == 0
            else (
                "sets runAsNonRoot: false"
                if non_root is False
                else "may run as root: no runAsNonRoot or non-zero runAsUser at pod or container level"
            )
        )
        yield Hit(
            path=(*path, "securityContext"),
            message=f"container {container.get('name')!r} {why}",
            hint="set securityContext.runAsNonRoot: true and a runAsUser (Spinnaker images run as uid 10111)",
        )
