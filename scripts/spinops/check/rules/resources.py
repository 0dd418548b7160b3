"""Every container declares CPU and memory requests and limits.

Without requests the scheduler packs Spinnaker's JVMs onto nodes that cannot hold them; without
limits one runaway service starves the others. Applies to the containers and init containers of
Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs.

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: orca}
    spec:
      template:
        spec:
          containers:
          - name: orca
            image: orca:spinnaker-1.36.1
            resources:
              requests: {cpu: 500m, memory: 2Gi}
              limits: {cpu: "2", memory: 2Gi}

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: orca}
    spec:
      template:
        spec:
          containers:
          - name: orca
            image: orca:spinnaker-1.36.1
            resources:
              requests: {cpu: 500m, memory: 2Gi}
"""

from __future__ import annotations

from spinops.check import k8s
from spinops.check.rules import Hit

ID = "resources"
DESCRIPTION = "every container has CPU and memory requests and limits"
SEVERITY = "error"

_NEEDED = (("requests", "cpu"), ("requests", "memory"), ("limits", "cpu"), ("limits", "memory"))


def check(resource: dict, ctx):
    for container, path in k8s.containers(resource):
        res = r if isinstance(r := container.get("resources"), dict) else {}
        missing = [
            f"{group}.{what}"
            for group, what in _NEEDED
            if not isinstance(g := res.get(group), dict) or g.get(what) in (None, "")
        ]
        if missing:
            yield Hit(
                path=(*path, "resources"),
                message=f"container {container.get('name')!r} has no {', '.join(missing)}",
                hint="set resources.requests and resources.limits for cpu and memory (an overlay patch sizes them per "
                     "environment)",
            )
