"""Every `${NAME}` a service's config uses is resolvable in that service's Deployment.

Spring resolves `${NAME}` from the container's environment when the service starts; a name
nothing provides fails the service at boot, long after the PR merged. The config is the
ConfigMap the workload mounts at `/opt/spinnaker/config`; its Spring YAML files are scanned for
placeholders the way `spinops build` wires them (spinops.wire): a NAME declared in
`halconfig/secrets.yml` or in UPPER_SNAKE_CASE needs the environment; dotted or camelCase names
such as `${services.redis.baseUrl}` are Spring property references, and `${NAME:default}` has a
default. NAME is resolvable in a
container that mounts the config when the container has `env` NAME, or an `envFrom` whose
`configMapRef` / `secretRef` provides the key (with its `prefix`): a Secret in the checked
manifests (data / stringData), or one declared in `halconfig/secrets.yml` with NAME in its
`env` list (Secrets spinops apply creates, or external ones). A `secretRef` to a Secret known
neither way is reported when `halconfig/secrets.yml` is available and trusted otherwise. An HA
shard profile file (`clouddriver-ro.yml`) counts only for the containers whose SPRING_PROFILES_ACTIVE
names its profile: Spring loads `<app>-<profile>.yml` for active profiles only.

PASS::

    apiVersion: v1
    kind: ConfigMap
    metadata: {name: echo-config-abc}
    data:
      echo.yml: |
        slack:
          token: ${SLACK_TOKEN}
        redis: ${services.redis.baseUrl}
    ---
    apiVersion: v1
    kind: Secret
    metadata: {name: spinnaker-slack}
    stringData: {SLACK_TOKEN: dummy}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: echo}
    spec:
      template:
        spec:
          containers:
          - name: echo
            envFrom: [{secretRef: {name: spinnaker-slack}}]
            volumeMounts: [{name: config, mountPath: /opt/spinnaker/config}]
          volumes: [{name: config, configMap: {name: echo-config-abc}}]

FAIL::

    apiVersion: v1
    kind: ConfigMap
    metadata: {name: echo-config-abc}
    data:
      echo.yml: |
        slack:
          token: ${SLACK_TOKEN}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: echo}
    spec:
      template:
        spec:
          containers:
          - name: echo
            env: [{name: JAVA_OPTS, value: -Xmx2g}]
            volumeMounts: [{name: config, mountPath: /opt/spinnaker/config}]
          volumes: [{name: config, configMap: {name: echo-config-abc}}]
"""

from __future__ import annotations

from spinops.check import configfiles, k8s
from spinops.check.rules import Hit
from spinops.check.rules.ha_shared_config import config_map_of, mounts_config
from spinops.credentials import ENV_NAME
from spinops.spinnaker.services import SHARDS

ID = "placeholders-resolvable"
DESCRIPTION = "every ${NAME} a service's config uses is provided to its Deployment (env, envFrom)"
SEVERITY = "error"


def _env_names(ctx, container: dict) -> tuple[set[str], list[str]]:
    """(names the container's environment provides, Secrets referenced that nobody knows)."""
    names = {
        e["name"] for e in k8s.as_list(container.get("env")) if isinstance(e, dict) and isinstance(e.get("name"), str)
    }
    unknown: list[str] = []
    for src in k8s.as_list(container.get("envFrom")):
        if not isinstance(src, dict):
            continue
        prefix = str(src.get("prefix") or "")
        for ref_key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            ref = src.get(ref_key)
            if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
                continue
            obj = ctx.find(kind, ref.get("name"))
            keys: set[str] = set()
            if obj is not None:
                for section in ("data", "stringData"):
                    if isinstance(obj.get(section), dict):
                        keys.update(str(k) for k in obj[section])
            elif kind == "Secret" and ctx.declared_secrets is not None and ref.get("name") in ctx.declared_secrets:
                keys.update(ctx.declared_secrets[ref.get("name")])
            elif kind == "Secret" and ctx.declared_secrets is None:
                keys.add("*")  # nothing to check against: trust it
            else:
                unknown.append(f"{kind} {ref.get('name')}")
            names.update(prefix + k for k in keys)
    return names, unknown


def _needs_env(name: str, ctx) -> bool:
    """The build's rule (spinops.credentials.is_env_credential): declared in secrets.yml, or UPPER_SNAKE_CASE;
    dotted or camelCase names are Spring property references resolved from the config itself."""
    declared = any(name in keys for keys in (ctx.declared_secrets or {}).values())
    return declared or bool(ENV_NAME.match(name))


def _uses(ctx, cm_name: str):
    """Placeholders of one config ConfigMap (cached per ConfigMap: every shard mounts the same)."""

    def compute(ctx):
        cm = ctx.find("ConfigMap", cm_name)
        out = []
        if cm is None or not isinstance(cm.get("data"), dict):
            return out
        for fname, text in sorted(cm["data"].items()):
            if not configfiles.is_yaml(str(fname)):
                continue
            for use in configfiles.placeholders(str(fname), text):
                if not use.has_default and _needs_env(use.name, ctx):
                    out.append((str(fname), use))
        return out

    return ctx.memo(f"placeholders:{cm_name}", compute)


def _not_loaded(container: dict) -> set[str]:
    """HA shard profile files this container's Spring does not load: `<svc>-<profile>.yml` is read only for an active
    profile (SPRING_PROFILES_ACTIVE), so clouddriver-rw never resolves the placeholders of clouddriver-ro.yml."""
    active = next(
        (
            e.get("value")
            for e in k8s.as_list(container.get("env"))
            if isinstance(e, dict) and e.get("name") == "SPRING_PROFILES_ACTIVE"
        ),
        None,
    )
    svc = container.get("name")
    if not isinstance(active, str) or svc not in SHARDS:
        return set()
    on = {p.strip() for p in active.split(",")}
    return {f"{svc}-{profile}.yml" for profile in SHARDS[svc].values() if profile not in on}


def check(resource: dict, ctx):
    if not k8s.is_workload(resource):
        return
    cm_name, _ = config_map_of(resource)
    if not cm_name:
        return
    uses = _uses(ctx, cm_name)
    if not uses:
        return
    all_containers = list(k8s.containers(resource, init=False))
    mounting = [(c, p) for c, p in all_containers if any(mounts_config(m) for m in k8s.as_list(c.get("volumeMounts")))]
    for container, path in mounting or all_containers:
        provided, unknown = _env_names(ctx, container)
        if "*" in provided:
            continue
        skipped = _not_loaded(container)
        reported = set()
        for fname, use in uses:
            if use.name in provided or use.name in reported or fname in skipped:
                continue
            reported.add(use.name)
            extra = (
                f"; it references {', '.join(unknown)}, which is neither in the manifests nor in halconfig/secrets.yml"
                if unknown
                else ""
            )
            yield Hit(
                path=path,
                message=f"container {container.get('name')!r}: ${{{use.name}}} used in {fname} (ConfigMap {cm_name}, "
                        f"line {use.line}) is not provided by env or envFrom{extra}",
                hint=f"declare {use.name} in halconfig/secrets.yml so `spinops build` wires it, or add it to the "
                     "container's env",
            )
