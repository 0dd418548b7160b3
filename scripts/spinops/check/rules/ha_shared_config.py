"""HA shards of one Spinnaker service mount one and the same config ConfigMap.

With the HA component, clouddriver and echo run as several Deployments (shards) that differ only
by Spring profile. If one shard mounts another ConfigMap (an overlay patched one shard, or a
stale hash-suffixed name), the shards serve different accounts. Shards are the workloads that
carry the same `spinops.io/service` label; the config ConfigMap is the one mounted at
`/opt/spinnaker/config` (else a ConfigMap volume named `<service>-config...`). The ConfigMap most
shards mount is taken as intended (on a tie, the first by name) and the other shards are reported.

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: echo-worker, labels: {spinops.io/service: echo}}
    spec:
      template:
        spec:
          containers:
          - name: echo
            volumeMounts: [{name: config, mountPath: /opt/spinnaker/config}]
          volumes: [{name: config, configMap: {name: echo-config-8h2k5c7f9m}}]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: echo-scheduler, labels: {spinops.io/service: echo}}
    spec:
      template:
        spec:
          containers:
          - name: echo
            volumeMounts: [{name: config, mountPath: /opt/spinnaker/config}]
          volumes: [{name: config, configMap: {name: echo-config-8h2k5c7f9m}}]

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: echo-worker, labels: {spinops.io/service: echo}}
    spec:
      template:
        spec:
          containers:
          - name: echo
            volumeMounts: [{name: config, mountPath: /opt/spinnaker/config}]
          volumes: [{name: config, configMap: {name: echo-config-8h2k5c7f9m}}]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: echo-scheduler, labels: {spinops.io/service: echo}}
    spec:
      template:
        spec:
          containers:
          - name: echo
            volumeMounts: [{name: config, mountPath: /opt/spinnaker/config}]
          volumes: [{name: config, configMap: {name: echo-config-old}}]
"""

from __future__ import annotations

from collections import Counter, defaultdict

from spinops.check import k8s
from spinops.check.rules import Hit
from spinops.spinnaker.services import SERVICE_LABEL

ID = "ha-shared-config"
DESCRIPTION = "HA shards of one service mount the same config ConfigMap"
SEVERITY = "error"

CONFIG_MOUNT = "/opt/spinnaker/config"


def mounts_config(mount) -> bool:
    """A volumeMount at the service config directory (a trailing slash allowed)."""
    return isinstance(mount, dict) and str(mount.get("mountPath", "")).rstrip("/") == CONFIG_MOUNT


def config_map_of(resource: dict) -> tuple[str | None, tuple]:
    """(ConfigMap name, path of its volume) of the service config a workload mounts."""
    found = k8s.pod_spec(resource)
    if not found:
        return None, ()
    spec, prefix = found
    volumes = vols if isinstance(vols := spec.get("volumes"), list) else []
    by_name = {}
    for i, v in enumerate(volumes):
        if not isinstance(v, dict):
            continue
        if not isinstance(v.get("name"), str):
            continue
        if isinstance(v.get("configMap"), dict) and isinstance(v["configMap"].get("name"), str):
            by_name[v.get("name")] = (v["configMap"]["name"], (*prefix, "volumes", i, "configMap", "name"))
        elif isinstance(v.get("projected"), dict):
            sources = v["projected"].get("sources")
            for j, src in enumerate(sources if isinstance(sources, list) else []):
                if (
                    isinstance(src, dict)
                    and isinstance(src.get("configMap"), dict)
                    and isinstance(src["configMap"].get("name"), str)
                ):
                    by_name[v.get("name")] = (
                        src["configMap"].get("name"),
                        (*prefix, "volumes", i, "projected", "sources", j, "configMap", "name"),
                    )
                    break
    for container, _ in k8s.containers(resource, init=False):
        mounts = container.get("volumeMounts")
        for m in mounts if isinstance(mounts, list) else []:
            if mounts_config(m) and isinstance(m.get("name"), str) and m["name"] in by_name:
                return by_name[m["name"]]
    service = k8s.labels(resource).get(SERVICE_LABEL)
    service = service if isinstance(service, str) else None
    for cm, path in by_name.values():
        if service and isinstance(cm, str) and cm.startswith(f"{service}-config"):
            return cm, path
    return None, ()


def _groups(ctx) -> dict[str, dict]:
    members = defaultdict(list)
    for r in ctx.resources:
        if k8s.is_workload(r):
            svc = k8s.labels(r).get(SERVICE_LABEL)
            if isinstance(svc, str) and svc:
                members[svc].append(r)
    out = {}
    for svc, rs in members.items():
        if len(rs) < 2:
            continue
        names = Counter(config_map_of(r)[0] for r in rs)
        named = Counter({k: v for k, v in names.items() if k})
        expected = max(sorted(named), key=lambda k: named[k]) if named else None
        out[svc] = {"expected": expected, "shards": sorted(k8s.name(r) for r in rs)}
    return out


def check(resource: dict, ctx):
    if not k8s.is_workload(resource):
        return
    svc = k8s.labels(resource).get(SERVICE_LABEL)
    group = ctx.memo("ha-shared-config", _groups).get(svc) if isinstance(svc, str) else None
    if not group or not group["expected"]:
        return
    cm, path = config_map_of(resource)
    if cm == group["expected"]:
        return
    shards = ", ".join(group["shards"])
    if cm is None:
        where = k8s.pod_spec(resource) or k8s.pod_template(resource)
        yield Hit(
            path=where[1] if where else (),
            message=f"shard of {svc} mounts no config ConfigMap at {CONFIG_MOUNT}, while its shards ({shards}) mount "
            f"{group['expected']}",
        )
    else:
        yield Hit(
            path=path,
            message=f"shard of {svc} mounts ConfigMap {cm}, while the other shards ({shards}) mount "
                    f"{group['expected']}",
        )
