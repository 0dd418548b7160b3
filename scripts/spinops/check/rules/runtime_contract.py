"""Each Spinnaker service gets what it needs at run time, checked against its own sources (the runtime contract).

For every Spinnaker Deployment, the service's effective Spring properties are loaded the way kork
loads them (spinops.spinnaker.contract.properties: the release's upstream defaults, `spinnaker.yml`,
`<svc>.yml`, the profile files of `SPRING_PROFILES_ACTIVE`, then the container's environment) and
three families of problems are reported, traced to the halconfig / profile line where possible:

- a `${name}` reference with no default that nothing defines (`unresolvable-reference`);
- a property Spring Boot 2.7 removed or renamed (`removed-property`; Spring Boot's own deprecation
  metadata names the replacement), which Spring ignores silently;
- a startup requirement of the service (`spinops/spinnaker/contract/requirements.yml`, one row per
  requirement with its upstream file and line), e.g. echo with `gcb.enabled` needs `igor.enabled`.

The upstream defaults come from the release catalog (the package's and the team's halconfig/releases/),
chosen by the container's release image tag (`spinnaker-1.36.1`, or a calendar release's own version such as
`2026.2.3`). Where the catalog does not record them (other release lines, an image outside any release)
only removed properties are checked: the other families would be guesses. `spinops build` runs this rule
too. How the contract is derived and how to add a row: docs/runtime-contract.md.

PASS::

    apiVersion: v1
    kind: ConfigMap
    metadata: {name: gate-config-abc}
    data:
      gate-local.yml: |
        server:
          tomcat:
            remoteip:
              protocolHeader: X-Forwarded-Proto
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: gate, labels: {spinops.io/service: gate}}
    spec:
      template:
        spec:
          containers:
          - name: gate
            image: us-docker.pkg.dev/spinnaker-community/docker/gate:spinnaker-1.36.1
            env: [{name: SPRING_PROFILES_ACTIVE, value: local}]
            volumeMounts: [{name: config, mountPath: /opt/spinnaker/config}]
          volumes: [{name: config, configMap: {name: gate-config-abc}}]

FAIL::

    apiVersion: v1
    kind: ConfigMap
    metadata: {name: gate-config-abc}
    data:
      gate-local.yml: |
        server:
          tomcat:
            protocolHeader: X-Forwarded-Proto
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: gate, labels: {spinops.io/service: gate}}
    spec:
      template:
        spec:
          containers:
          - name: gate
            image: us-docker.pkg.dev/spinnaker-community/docker/gate:spinnaker-1.36.1
            env: [{name: SPRING_PROFILES_ACTIVE, value: local}]
            volumeMounts: [{name: config, mountPath: /opt/spinnaker/config}]
          volumes: [{name: config, configMap: {name: gate-config-abc}}]

FAIL::

    apiVersion: v1
    kind: ConfigMap
    metadata: {name: echo-config-abc}
    data:
      echo.yml: |
        gcb:
          enabled: true
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: echo, labels: {spinops.io/service: echo}}
    spec:
      template:
        spec:
          containers:
          - name: echo
            image: us-docker.pkg.dev/spinnaker-community/docker/echo:spinnaker-1.36.1
            env: [{name: SPRING_PROFILES_ACTIVE, value: local}]
            volumeMounts: [{name: config, mountPath: /opt/spinnaker/config}]
          volumes: [{name: config, configMap: {name: echo-config-abc}}]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from spinops.check import configfiles, k8s
from spinops.check.rules import Hit
from spinops.spinnaker.catalog import Catalog, UnknownRelease, release_of_tag
from spinops.spinnaker.contract.evaluate import UPSTREAM, evaluate, load
from spinops.spinnaker.contract.properties import Properties, active_profiles
from spinops.spinnaker.services import SERVICE_LABEL, service_of_deployment

ID = "runtime-contract"
DESCRIPTION = "each Spinnaker service's effective Spring properties satisfy what its sources require at run time"
SEVERITY = "error"

CONFIG_DIR = "/opt/spinnaker/config"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _service(resource: dict) -> str | None:
    meta = resource.get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    svc = (labels.get(SERVICE_LABEL) if isinstance(labels, dict) else None) or service_of_deployment(
        _name(resource) or ""
    )
    return svc if isinstance(svc, str) and svc != "deck" else None


def _main_container(resource: dict, svc: str) -> dict | None:
    found = [c for c, _ in k8s.containers(resource, init=False)]
    return next((c for c in found if c.get("name") == svc), found[0] if found else None)


def _config_map(resource: dict, container: dict) -> str | None:
    listed = container.get("volumeMounts")
    mounts = {m["name"]: m.get("mountPath") for m in (listed if isinstance(listed, list) else [])
              if isinstance(m, dict) and isinstance(m.get("name"), str)}
    spec = k8s.pod_spec(resource)
    volumes = spec[0].get("volumes") if spec else None
    for vol in volumes if isinstance(volumes, list) else []:
        if isinstance(vol, dict) and isinstance(vol.get("name"), str) and mounts.get(vol["name"]) == CONFIG_DIR \
                and isinstance(vol.get("configMap"), dict):
            name = vol["configMap"].get("name")
            return name if isinstance(name, str) else None
    return None


def _defaults(container: dict, svc: str, catalog: Catalog) -> tuple[dict | None, bool]:
    """(the service's upstream defaults, whether they are known): unknown for a release image whose defaults the
    catalog does not record, or an image outside any release; known (as none) for keel, which no release ships."""
    _, tag, _ = k8s.split_image(str(container.get("image") or ""))
    version = release_of_tag(tag)
    try:
        rel = catalog.release(version) if version else None
    except UnknownRelease:
        rel = None
    if rel is None:
        return None, svc == "keel"
    return rel.defaults.get(svc), svc in rel.defaults or svc not in rel.services


def _facts(ctx) -> frozenset[str]:
    redis = ctx.find("Service", "redis")
    spec = redis.get("spec") if isinstance(redis, dict) else None
    spec = spec if isinstance(spec, dict) else {}
    return frozenset({"redis-external"} if spec.get("type") == "ExternalName" or spec.get("externalName") else ())


def _parsed(cm: dict) -> dict[str, dict]:
    out = {}
    data = cm.get("data")
    for name, text in (data if isinstance(data, dict) else {}).items():
        if configfiles.is_yaml(str(name)) and isinstance(text, str):
            try:
                data = yaml.load(text, Loader=_Loader)
            except yaml.YAMLError:
                continue
            if isinstance(data, dict):
                out[str(name)] = data
    return out


@dataclass(frozen=True)
class Instance:
    """One Spinnaker Deployment as the contract sees it: its service, config and effective properties."""

    deployment: dict
    service: str
    container: dict
    cm_name: str | None
    cm: dict | None  # its ConfigMap, when read back from the manifests
    files: dict[str, dict]  # the config files it reads, as data
    profiles: tuple[str, ...]  # SPRING_PROFILES_ACTIVE
    props: Properties
    defaults_known: bool


def instances(ctx, files_by_service: dict[str, dict[str, dict]] | None = None) -> Iterator[Instance]:
    """Every Spinnaker Deployment (by name) with its effective properties (also read by `spinops upgrade`).

    files_by_service: each service's config files as data, when the caller has them (spinops build): then the
    ConfigMaps are not read back."""
    parsed: dict[str, dict[str, dict]] = {}
    catalog = ctx.catalog  # the package's releases and the team's own (halconfig/releases/)
    for dep in sorted((d for d in ctx.of_kind("Deployment") if _name(d)), key=lambda d: _name(d) or ""):
        svc = _service(dep)
        container = _main_container(dep, svc) if svc else None
        if svc is None or container is None:
            continue
        cm_name = _config_map(dep, container)
        cm = ctx.find("ConfigMap", cm_name) if cm_name and files_by_service is None else None
        if files_by_service is not None:
            files = files_by_service.get(svc, {})
        elif cm is not None and cm_name:
            if cm_name not in parsed:
                parsed[cm_name] = _parsed(cm)  # shards share their service's ConfigMap: parse it once
            files = parsed[cm_name]
        else:
            files = {}
        listed = container.get("env")
        env = {e["name"]: e["value"] for e in (listed if isinstance(listed, list) else [])
               if isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("value"), str)}
        profiles = active_profiles(env)
        defaults, known = _defaults(container, svc, catalog)
        props = load(svc, defaults=defaults, files=files, profiles=profiles, env=env)
        yield Instance(dep, svc, container, cm_name, cm, files, tuple(profiles), props, known)


def violations(ctx, files_by_service: dict[str, dict[str, dict]] | None = None) -> dict[tuple, list]:
    """(kind, name) of the resource to report on -> [(Violation, Hit fields)], for every Spinnaker Deployment.

    files_by_service: each service's config files as data, when the caller has them (spinops build): then the
    ConfigMaps are not read back, and findings carry only the key path to trace."""
    out: dict[tuple, list] = {}
    seen: set[tuple] = set()
    facts = _facts(ctx)
    for i in instances(ctx, files_by_service):
        svc, cm, cm_name, files = i.service, i.cm, i.cm_name, i.files
        for v in evaluate(svc, i.props, facts, defaults_known=i.defaults_known):
            key = (svc, v.rule, v.at.source if v.at else None, v.at.key if v.at else None)
            if key in seen:
                continue  # every shard of a service shares its ConfigMap: report once
            seen.add(key)
            if v.at is not None and v.at.source in files and cm is not None:
                out.setdefault(("ConfigMap", cm_name), []).append((v, _in_file(cm, v.at.source, v.at.key)))
            elif v.at is not None and v.at.source in files:
                out.setdefault(("ConfigMap", cm_name), []).append((v, {"trace_key": tuple(v.at.key.split("."))}))
            else:
                where = _in_env(i.container, i.deployment, v)
                out.setdefault(("Deployment", _name(i.deployment)), []).append((v, where))
    return out


def _in_file(cm: dict, fname: str, key: str) -> dict:
    parts = tuple(key.split("."))
    line = next(
        (leaf.line for leaf in configfiles.leaves(fname, cm["data"][fname]) if tuple(map(str, leaf.path)) == parts),
        None,
    )
    return {"path": ("data", fname), "inner": parts, "inner_line": line, "trace_key": parts}


def _in_env(container: dict, dep: dict, v) -> dict:
    for (c, path) in k8s.containers(dep, init=False):
        if c is container:
            if v.at is not None and v.at.source.startswith("env "):
                name = v.at.source[4:]
                index = next(
                    (i for i, e in enumerate(c.get("env") or []) if isinstance(e, dict) and e.get("name") == name), None
                )
                if index is not None:
                    return {"path": (*path, "env", index, "value")}
            return {"path": path}
    return {"path": ()}


def severity_of(v) -> str:
    """Errors stop or break the service; warnings are a removed property (ignored silently: the service starts,
    without it) and rows that rest on a guess about the installation (`severity: warning` in requirements.yml)."""
    return v.severity


def _name(resource: dict) -> str | None:
    meta = resource.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else None


def check(resource: dict, ctx):
    if resource.get("kind") not in ("ConfigMap", "Deployment"):
        return
    found = ctx.memo(ID, violations)
    for v, where in found.get((resource.get("kind"), _name(resource)), ()):
        upstream = "; ".join(v.upstream)
        origin = "" if v.at is None or v.at.source == UPSTREAM else f" [{v.at.source}]"
        yield Hit(
            message=f"{v.service}: {v.message}{origin}" + (f" (upstream: {upstream})" if upstream else ""),
            hint=v.hint,
            severity=severity_of(v),
            **where,
        )
