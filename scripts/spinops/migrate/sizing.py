"""deploymentEnvironment + service-settings -> a kustomize overlay `kustomize/overlays/<env>/`.

The overlay builds on `../../base` (plus `../../components/ha` when Halyard ran clouddriver or echo
sharded) and holds one strategic-merge patch per Deployment it changes, targeted by the label
`app.kubernetes.io/name=<deployment>` (a name target would also hit every shard, whose original
name is the service's). Halyard's lookup rules (KubernetesV2Service):

- replicas only from `customSizing["spin-<canonical>"]`, else service-settings `targetSize`;
- container resources from `customSizing["<container>"]` (bare canonical name: `clouddriver-rw`,
  `fiat`), else `customSizing["spin-<canonical>"]`; custom sidecars are never sized by Halyard;
- sidecars, initContainers, hostAliases, affinity and tolerations from `spin-<canonical>`, else the
  base canonical name (`clouddriver` applies to every clouddriver shard).

The canonical names of Halyard's HA shards (`clouddriver-rw`, `echo-worker`, ...) are our shard
Deployment names. Service-settings `<svc>.yml` apply to every Deployment of that service (all
shards); `<shard>.yml` to that shard. Everything this cannot express is a note.

Pure: data in (the Halyard data, base container sizes), files and notes out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from spinops.manifests import dump_document
from spinops.migrate.carry import Additions
from spinops.migrate.model import CHANGED, DROPPED, MANUAL, Note
from spinops.spinnaker.catalog import Catalog, UnknownRelease, image_tag_of
from spinops.spinnaker.services import (
    MANAGED_BY,
    MANAGED_BY_LABEL,
    PART_OF,
    PART_OF_LABEL,
    SERVICE_LABEL,
    SERVICES,
    SHARDS,
    service_of_deployment,
)

IMAGE_REPO = "us-docker.pkg.dev/spinnaker-community/docker"


def _release_pin(version: str, svc: str) -> dict[str, str]:
    """The `images:` fields that run `svc` of release `version` (the catalog's registry and tag; for a release the
    catalog does not know, the tag the release scheme gives it)."""
    try:
        return Catalog.package().release(version).images_entry(svc)
    except UnknownRelease:
        return {"newTag": image_tag_of(version)}
SAML_METADATA_DIR = "/opt/spinnaker/saml"
SAML_METADATA_FILE = "metadata.xml"
SAML_METADATA_PATH = f"{SAML_METADATA_DIR}/{SAML_METADATA_FILE}"
SAML_CONFIGMAP = "gate-saml-metadata"
#: Resources given to sidecars and init containers Halyard left unsized (the `resources` rule needs them).
SIDECAR_RESOURCES = {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}
SCHEDULING = ("sidecars", "initContainers", "hostAliases", "affinity", "tolerations")
#: deploymentEnvironment keys that have no kustomize meaning (Halyard's own deployer settings).
DEPLOYER_ONLY = {
    "type": "how Halyard deploys (Distributed/LocalDebian); spinops always deploys with kustomize",
    "accountName": "the account Halyard deployed through; spinops applies with the kubeconfig of the workflow",
    "size": "ignored by Halyard's Kubernetes deployer",
    "imageVariant": "choose the image (e.g. a `-ubuntu` tag) with `images:` in the overlay if you used a non-slim "
                    "variant",
    "updateVersions": "Halyard's version updates; the overlay pins image tags",
    "bootstrapOnly": "Halyard bootstrap; not used",
    "consul": "Consul discovery is not supported by spinops",
    "vault": "Vault discovery is not supported; use ExternalSecrets for Secrets",
    "gitConfig": "LocalGit deployments only",
    "location": None,  # handled: the namespace
    "livenessProbeConfig": "the base has liveness probes on every service (see docs/kustomize.md)",
    "nodeSelectors": "Halyard's Kubernetes deployer never read it; use service-settings nodeSelector (migrated) "
                     "instead",
}
SERVICE_SETTINGS_IGNORED = {
    "enabled": None,  # false: the service is not deployed (see _disable)
    "skipLifeCycleManagement": "Halyard did not manage it; spinops manages every service in the base",
    "port": "ports come from spinops.spinnaker.services.SERVICES",
    "internalPort": "ports come from spinops.spinnaker.services.SERVICES",
    "host": "services listen on all interfaces",
    "address": "service discovery is generated (spinnaker.yml)",
    "scheme": None,  # https: carried with the service's URL (see _service_urls)
    "healthEndpoint": "probes are in the base",
    "monitored": "no monitoring daemon in the base",
    "sidecar": "Halyard-internal",
    "safeToUpdate": "Halyard-internal",
    "location": "the overlay's namespace",
    "baseUrl": "service discovery is generated (spinnaker.yml)",
    "overrideBaseUrl": None,  # carried (see _service_urls); gate/deck: security.*.overrideBaseUrl
    "artifactId": None,
    "env": None,
    "targetSize": None,
    "kubernetes": None,
    "basicAuthEnabled": None,
    "username": None,
    "password": None,  # gate: moved to security.authn.basic
}
#: Probe switches of KubernetesSettings: Halyard's readiness probe was an exec `wget` unless useExecHealthCheck
#: was false (then httpGet with the service's scheme), useTcpProbe made it tcpSocket (KubernetesV2Service).
KUBERNETES_IGNORED = {
    "useExecHealthCheck": "Halyard's probe kind (exec wget when true, its default; httpGet when false); the base's "
                          "probes are httpGet "
    "on /health already (kustomize/base/<svc>/deployment.yml), nothing to carry",
    "useTcpProbe": "probes are in the base (httpGet /health)",
    "customHealthCheckExecCommands": "probes are in the base (httpGet /health); patch the probe in the overlay if you "
                                     "need this command",
}
#: With HA, who calls each shard through which setting (kustomize/components/ha): (Deployment or None for
#: spinnaker-local.yml, the env var or the services.<x>.baseUrl key).
SHARD_CALLERS: dict[str, list[tuple[str | None, str]]] = {
    "clouddriver-rw": [(None, "clouddriver"), ("orca", "SERVICES_CLOUDDRIVER_BASEURL")],
    "clouddriver-ro": [
        ("orca", "CLOUDDRIVER_READONLY_BASEURL"),
        *((d, "SERVICES_CLOUDDRIVER_BASEURL") for d in ("echo-scheduler", "echo-worker", "fiat", "igor", "keel")),
    ],
    "clouddriver-ro-deck": [("gate", "SERVICES_CLOUDDRIVER_BASEURL")],
    "echo-worker": [(None, "echo")],
    "clouddriver-caching": [],
    "echo-scheduler": [],
}
SHARED_PROFILE = "spinnaker-local.yml"


@dataclass
class Overlay:
    env: str
    namespace: str
    ha: bool
    version: str | None
    patches: dict[str, dict] = field(default_factory=dict)  # file name -> patch object
    targets: dict[str, dict] = field(default_factory=dict)  # file name -> kustomize target
    images: list[dict] = field(default_factory=list)
    extra_files: dict[str, bytes] = field(default_factory=dict)  # e.g. the SAML metadata
    additions: Additions = field(default_factory=Additions)  # properties carried into profiles
    disabled: list[str] = field(default_factory=list)  # Deployments not deployed (service-settings enabled: false)
    generators: list[dict] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    src_files: dict[str, str] = field(default_factory=dict)  # patch file -> Halyard file it mostly came from


def deployments(ha: bool) -> list[str]:
    out: list[str] = []
    for svc in SERVICES:
        if ha and svc in SHARDS:
            out.extend(SHARDS[svc])
        else:
            out.append(svc)
    return out


# ------------------------------------------------------------------------------------- quantities

_UNITS = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "m": 1e-3}


def quantity(q) -> float | None:
    m = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", str(q))
    if not m or m.group(2) not in _UNITS:
        return None
    try:
        return float(m.group(1)) * _UNITS[m.group(2)]
    except ValueError:
        return None


def _resources(spec: dict, base: dict | None, what: str, notes: list[Note], src: tuple) -> dict:
    """Halyard `{requests, limits}` -> container resources that stay valid on top of the base's."""
    out: dict = {}
    for part in ("requests", "limits"):
        vals = spec.get(part)
        if isinstance(vals, dict) and vals:
            out[part] = {k: str(v) for k, v in vals.items() if v not in (None, "")}
    base_limits = (base or {}).get("limits") or {}
    for res, req in (out.get("requests") or {}).items():
        if res in (out.get("limits") or {}):
            continue
        lim = base_limits.get(res)
        qr, ql = quantity(req), quantity(lim) if lim is not None else None
        if res == "memory" or (qr is not None and ql is not None and qr > ql):
            out.setdefault("limits", {})[res] = req
            why = (
                "memory request = limit, the JVM sizes its heap from the limit"
                if res == "memory"
                else f"the base limit {lim} is below it"
            )
            notes.append(
                Note(
                    CHANGED,
                    f"{what}: Halyard set no {res} limit; limit set to the request {req} ({why})",
                    src=src,
                    topic="Sizing and scheduling",
                )
            )
    return out


def _int(value, what: str, notes: list[Note], src: tuple, src_file: str = "config") -> int | None:
    """An integer from Halyard's data, or None with a note (Halyard itself would have failed on it)."""
    try:
        if isinstance(value, bool):
            raise ValueError
        return int(str(value).strip())
    except ValueError:
        notes.append(
            Note(
                DROPPED,
                f"{what}: {value!r} is not a number; not migrated",
                src=src,
                src_file=src_file,
                out=None,
                topic="Sizing and scheduling",
            )
        )
        return None


SCHEDULING_TYPES = {
    "sidecars": list,
    "initContainers": list,
    "hostAliases": list,
    "affinity": dict,
    "tolerations": list,
}

# ------------------------------------------------------------------------------------- the overlay


def _plain_env(_owner, var, value, _src_file=None, _src=None):
    return [{"name": str(var), "value": "" if value is None else str(value)}]


def _plain_string(_owner, value, _src_file=None, _src=None):
    return value


SRC_DE = ("deploymentEnvironment",)


class _Patches:
    """The overlay's Deployment patches, one per Deployment, each made on first use (in the order of use)."""

    def __init__(self) -> None:
        self.by_deployment: dict[str, dict] = {}

    def patch_for(self, dep: str) -> dict:
        if dep not in self.by_deployment:
            self.by_deployment[dep] = {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": dep},
                "spec": {"template": {"spec": {}}},
            }
        return self.by_deployment[dep]

    def main_container(self, dep: str) -> dict:
        """The Deployment's own container (named after its service), first in the patch's list."""
        spec = self.patch_for(dep)["spec"]["template"]["spec"]
        containers = spec.setdefault("containers", [])
        svc = service_of_deployment(dep)
        for c in containers:
            if c["name"] == svc:
                return c
        c = {"name": svc}
        containers.insert(0, c)
        return c


def build_overlay(
    env: str,
    hal: dict,
    settings: dict[str, dict],
    base_resources: dict[str, dict],
    saml_metadata: bytes | None,
    secret_env=_plain_env,
    secret_string=_plain_string,
) -> Overlay:
    """hal: the Halyard deployment (deploymentEnvironment, version); settings: canonical name -> service-settings data.

    secret_env(owner, var, value, src_file, src) -> container env entries (credentials moved to Secret keys);
    secret_string(owner, value, src_file, src) -> value for a Spring profile (secrets inside it as ${NAME}).
    """

    de = v if isinstance(v := hal.get("deploymentEnvironment"), dict) else {}
    ha_cfg = v if isinstance(v := de.get("haServices"), dict) else {}
    ha_on = {
        svc: bool(isinstance(ha_cfg.get(svc), dict) and ha_cfg[svc].get("enabled")) for svc in ("clouddriver", "echo")
    }
    ha = any(ha_on.values())
    ov = Overlay(env, str(de.get("location") or "spinnaker"), ha, str(hal["version"]) if hal.get("version") else None)
    _location_and_ha_notes(de, ha_cfg, ha_on, ov)
    _deployer_only_notes(de, ov.notes)

    deps = deployments(ha)
    patches = _Patches()
    used: set[tuple[str, str]] = set()  # (customSizing or a SCHEDULING kind, key) applied to a Deployment
    sizing = v if isinstance(v := de.get("customSizing"), dict) else {}
    for dep in deps:
        _custom_sizing(dep, sizing, base_resources, patches, used, ov)
        _scheduling(dep, de, patches, used, ov, secret_env)
    _unapplied_sizing_notes(de, used, deps, ha, ov.notes)
    for canon in sorted(settings):
        _service_settings(canon, settings[canon], deps, sizing, patches, ov, secret_env, secret_string)
    if saml_metadata is not None:
        _saml_metadata(saml_metadata, patches, ov)
    _patch_files(patches, ov)
    return ov


def _location_and_ha_notes(de: dict, ha_cfg: dict, ha_on: dict[str, bool], ov: Overlay) -> None:
    """The namespace the overlay takes from `location`, and what of haServices the HA component carries (or not)."""
    notes = ov.notes
    kustomization = f"kustomize/overlays/{ov.env}/kustomization.yml"
    if de.get("location"):
        notes.append(
            Note(
                CHANGED,
                f"deploymentEnvironment.location `{de['location']}` became the overlay's namespace",
                src=SRC_DE + ("location",),
                out=("namespace",),
                out_file=kustomization,
                topic="Sizing and scheduling",
            )
        )
    if not ov.ha:
        return
    which = [s for s, on in ha_on.items() if on]
    msg = (
        f"haServices ({', '.join(which)}) enabled: the overlay uses kustomize/components/ha (clouddriver "
        "caching/rw/ro/ro-deck, echo scheduler/worker)"
    )
    if len(which) == 1:
        msg += f"; note that the component shards both clouddriver and echo, Halyard sharded only {which[0]}"
    notes.append(
        Note(
            CHANGED,
            msg,
            src=SRC_DE + ("haServices",),
            out=("components",),
            out_file=kustomization,
            topic="Sizing and scheduling",
        )
    )
    cd = v if isinstance(v := ha_cfg.get("clouddriver"), dict) else {}
    for k in ("redisMasterEndpoint", "redisSlaveEndpoint", "redisSlaveDeckEndpoint"):
        if cd.get(k):
            notes.append(
                Note(
                    MANUAL,
                    f"haServices.clouddriver.{k}: per-shard Redis endpoints are not migrated; set "
                    "`redis.connection` in the shard profiles (halconfig/profiles/clouddriver-rw.yml, "
                    "clouddriver-ro.yml, ...)",
                    src=SRC_DE + ("haServices", "clouddriver", k),
                    topic="Sizing and scheduling",
                )
            )
    if cd.get("disableClouddriverRoDeck"):
        notes.append(
            Note(
                MANUAL,
                "haServices.clouddriver.disableClouddriverRoDeck: the HA component always runs clouddriver-ro-deck; "
                "delete it with an overlay patch and point gate at clouddriver-ro if you need that",
                src=SRC_DE + ("haServices", "clouddriver", "disableClouddriverRoDeck"),
                topic="Sizing and scheduling",
            )
        )


def _deployer_only_notes(de: dict, notes: list[Note]) -> None:
    """deploymentEnvironment fields only Halyard's deployer read: dropped, each with why."""
    for k, why in DEPLOYER_ONLY.items():
        if (
            why
            and k in de
            and de[k] not in (None, "", [], {}, False)
            and not (k == "livenessProbeConfig" and not (de[k] or {}).get("enabled"))
        ):
            if k == "updateVersions" and de[k] is True:
                continue
            notes.append(
                Note(
                    DROPPED,
                    f"deploymentEnvironment.{k}: {why}",
                    src=SRC_DE + (k,),
                    out=None,
                    topic="Sizing and scheduling",
                )
            )


def _custom_sizing(
    dep: str, sizing: dict, base_resources: dict[str, dict], patches: _Patches, used: set[tuple[str, str]],
    ov: Overlay
) -> None:
    """customSizing of one Deployment: `spin-<dep>.replicas`, and the container's requests/limits (the bare key
    first, `spin-<dep>` as the fallback)."""
    notes = ov.notes
    svc = service_of_deployment(dep)
    assert svc is not None  # deployments() lists only Spinnaker's Deployments
    spin = v if isinstance(v := sizing.get(f"spin-{dep}"), dict) else None
    bare = v if isinstance(v := sizing.get(dep), dict) else None
    if spin and spin.get("replicas") is not None:
        src = SRC_DE + ("customSizing", f"spin-{dep}", "replicas")
        replicas = _int(spin["replicas"], f"customSizing.spin-{dep}.replicas", notes, src)
        if replicas is not None:
            patches.patch_for(dep)["spec"]["replicas"] = replicas
            used.add(("customSizing", f"spin-{dep}"))
            notes.append(
                Note(
                    CHANGED,
                    f"customSizing.spin-{dep}.replicas {spin['replicas']} -> Deployment {dep} replicas",
                    src=src,
                    out=("spec", "replicas"),
                    out_file=_pf(ov.env, dep),
                    topic="Sizing and scheduling",
                )
            )
    chosen, key = (bare, dep) if bare else (spin, f"spin-{dep}")
    if chosen and (chosen.get("requests") or chosen.get("limits")):
        used.add(("customSizing", key))
        what = f"Deployment {dep} container {svc}"
        res = _resources(chosen, base_resources.get(svc), what, notes, SRC_DE + ("customSizing", key))
        patches.main_container(dep)["resources"] = res
        notes.append(
            Note(
                CHANGED,
                f"customSizing.{key} requests/limits -> {what} resources"
                + (" (bare key: the container)" if key == dep else " (spin- key: fallback for the container)"),
                src=SRC_DE + ("customSizing", key),
                out=("spec", "template", "spec", "containers", 0, "resources"),
                out_file=_pf(ov.env, dep),
                topic="Sizing and scheduling",
            )
        )


def _scheduling(dep: str, de: dict, patches: _Patches, used: set[tuple[str, str]], ov: Overlay, secret_env) -> None:
    """sidecars, initContainers, hostAliases, affinity and tolerations of one Deployment (`spin-<dep>` first, then
    its service's name)."""
    svc = service_of_deployment(dep)
    for kind in SCHEDULING:
        table = v if isinstance(v := de.get(kind), dict) else {}
        key = f"spin-{dep}" if table.get(f"spin-{dep}") else (svc if svc and table.get(svc) else None)
        if key is None:
            continue
        used.add((kind, key))
        value = table[key]
        if not isinstance(value, SCHEDULING_TYPES[kind]):
            ov.notes.append(
                Note(
                    DROPPED,
                    f"deploymentEnvironment.{kind}.{key}: expected a "
                    f"{'list' if SCHEDULING_TYPES[kind] is list else 'mapping'}; not migrated",
                    src=SRC_DE + (kind, key),
                    out=None,
                    topic="Sizing and scheduling",
                )
            )
            continue
        _apply_scheduling(
            kind, value, dep, patches.patch_for(dep), patches.main_container, ov.notes, SRC_DE + (kind, key), ov.env,
            secret_env
        )


def _unapplied_sizing_notes(de: dict, used: set[tuple[str, str]], deps: list[str], ha: bool, notes: list[Note]) -> None:
    """A customSizing or scheduling key that reached no Deployment: dropped, with why."""
    for kind in ("customSizing", *SCHEDULING):
        table = v if isinstance(v := de.get(kind), dict) else {}
        for key in table:
            if (kind, key) in used or not table[key]:
                continue
            notes.append(
                Note(
                    DROPPED,
                    f"deploymentEnvironment.{kind}.{key}: not migrated: {_why_unapplied(kind, key, deps, ha)}",
                    src=SRC_DE + (kind, key),
                    out=None,
                    topic="Sizing and scheduling",
                )
            )


def _why_unapplied(kind: str, key: str, deps: list[str], ha: bool) -> str:
    canon = key[5:] if key.startswith("spin-") else key
    if canon == "monitoring-daemon" or canon.startswith("monitoring"):
        return "spinops runs no monitoring-daemon sidecar (scrape the services' /prometheus endpoints instead)"
    if canon in ("redis", "spin-redis") or canon.startswith("redis"):
        return "Redis is external (the `redis` ExternalName Service); size your Redis where it runs"
    if service_of_deployment(canon) and canon not in deps:
        return (
            f"Halyard would not have applied it either: with{'out' if not ha else ''} HA the Deployments are "
            f"{', '.join(d for d in deps if service_of_deployment(d) == service_of_deployment(canon))}"
            + (
                " (spin- keys name one Deployment; only the bare base name reaches every shard)"
                if ha and key.startswith("spin-")
                else ""
            )
        )
    if kind == "customSizing" and key.startswith("spin-") is False and service_of_deployment(canon):
        return "bare keys size a container, and for a shard the container is named after the shard"
    return "no Deployment of that name"


def _service_settings(
    canon: str, data: dict, deps: list[str], sizing: dict, patches: _Patches, ov: Overlay, secret_env, secret_string
) -> None:
    """One service-settings/<canon>.yml: the Deployments it names (a service: all its shards; a shard: that one)."""
    sfile = f"service-settings/{canon}.yml"
    svc = service_of_deployment(canon)
    if canon in ("redis", "spin-redis"):
        _redis_settings(data, ov, sfile, secret_string)
        return
    if svc is None or (canon not in deps and canon not in SERVICES):
        ov.notes.append(
            Note(
                DROPPED,
                f"service-settings for `{canon}`: no such Deployment here; not migrated",
                src=(),
                src_file=sfile,
                out=None,
                topic="Service settings",
            )
        )
        return
    targets = [canon] if canon in deps else [d for d in deps if service_of_deployment(d) == svc]
    if data.get("enabled") is False:
        _disable(canon, targets, ov, sfile)
        return
    _service_urls(canon, svc, data, ov.ha, ov, sfile, patches.main_container)
    _ignored_settings_notes(data, sfile, ov.notes)
    _target_size(data, targets, sizing, patches, ov, sfile)
    if data.get("artifactId"):
        _image(canon, svc, str(data["artifactId"]), ov, sfile)
    env_vars = v if isinstance(v := data.get("env"), dict) else {}
    if env_vars:
        for dep in targets:
            c = patches.main_container(dep)
            for var, value in env_vars.items():
                _set_env(c, secret_env(canon, str(var), value, sfile, ("env", var)))
        ov.notes.append(
            Note(
                CHANGED,
                f"env ({', '.join(map(str, env_vars))}) -> container env of {', '.join(targets)}",
                src=("env",),
                src_file=sfile,
                out=("spec", "template", "spec", "containers", 0, "env"),
                out_file=_pf(ov.env, targets[0]),
                topic="Service settings",
            )
        )
    kube = v if isinstance(v := data.get("kubernetes"), dict) else {}
    _kubernetes_settings(kube, targets, patches.patch_for, patches.main_container, ov, sfile, canon)


def _ignored_settings_notes(data: dict, sfile: str, notes: list[Note]) -> None:
    """Settings only Halyard's deployer read, and keys spinops does not know: dropped, each with a note."""
    for k, why in SERVICE_SETTINGS_IGNORED.items():
        if why and k in data and data[k] not in (None, "", [], {}):
            if k == "enabled" and data[k] is True:
                continue
            notes.append(Note(DROPPED, f"{k}: {why}", src=(k,), src_file=sfile, out=None, topic="Service settings"))
    for k in data:
        if k not in SERVICE_SETTINGS_IGNORED:
            notes.append(
                Note(
                    DROPPED,
                    f"`{k}`: not a service setting spinops knows; not migrated",
                    src=(k,),
                    src_file=sfile,
                    out=None,
                    topic="Service settings",
                )
            )


def _target_size(data: dict, targets: list[str], sizing: dict, patches: _Patches, ov: Overlay, sfile: str) -> None:
    """targetSize -> the replicas of every target Deployment that customSizing did not size."""
    if data.get("targetSize") is None:
        return
    target_size = _int(data["targetSize"], "targetSize", ov.notes, ("targetSize",), sfile)
    if target_size is None:
        return
    for dep in targets:
        spin = v if isinstance(v := sizing.get(f"spin-{dep}"), dict) else {}
        if spin.get("replicas") is None:
            patches.patch_for(dep)["spec"]["replicas"] = target_size
            ov.notes.append(
                Note(
                    CHANGED,
                    f"targetSize {data['targetSize']} -> Deployment {dep} replicas",
                    src=("targetSize",),
                    src_file=sfile,
                    out=("spec", "replicas"),
                    out_file=_pf(ov.env, dep),
                    topic="Service settings",
                )
            )


def _saml_metadata(saml_metadata: bytes, patches: _Patches, ov: Overlay) -> None:
    """Gate's SAML metadata: a generated ConfigMap mounted into gate."""
    ov.extra_files["saml-metadata.xml"] = saml_metadata
    ov.generators.append(
        {
            "name": SAML_CONFIGMAP,
            "files": [f"{SAML_METADATA_FILE}=saml-metadata.xml"],
            "options": {"labels": {PART_OF_LABEL: PART_OF, MANAGED_BY_LABEL: MANAGED_BY, SERVICE_LABEL: "gate"}},
        }
    )
    p = patches.patch_for("gate")["spec"]["template"]["spec"]
    p.setdefault("volumes", []).append({"name": "saml-metadata", "configMap": {"name": SAML_CONFIGMAP}})
    patches.main_container("gate").setdefault("volumeMounts", []).append(
        {"name": "saml-metadata", "mountPath": SAML_METADATA_DIR, "readOnly": True}
    )


def _patch_files(patches: _Patches, ov: Overlay) -> None:
    """The overlay's patch files and their targets: one per patched Deployment; a `$patch: delete` of the
    Deployment and the Service of each disabled one."""
    for dep, patch in patches.by_deployment.items():
        if dep in ov.disabled:
            continue
        name = f"{dep}.yml"
        ov.patches[name] = _tidy(patch)
        ov.targets[name] = {"kind": "Deployment", "labelSelector": f"app.kubernetes.io/name={dep}"}
    for dep in ov.disabled:
        for kind, api in (("Deployment", "apps/v1"), ("Service", "v1")):
            name = f"{dep}.yml" if kind == "Deployment" else f"service-{dep}.yml"
            ov.patches[name] = {"$patch": "delete", "apiVersion": api, "kind": kind, "metadata": {"name": dep}}
            ov.targets[name] = {"kind": kind, "labelSelector": f"app.kubernetes.io/name={dep}"}


def _disable(canon: str, targets: list[str], ov: Overlay, sfile: str) -> None:
    """service-settings `enabled: false`: Halyard did not deploy the service, so neither does the overlay."""
    ov.disabled.extend(t for t in targets if t not in ov.disabled)
    ov.notes.append(
        Note(
            CHANGED,
            f"`enabled: false`: {', '.join(targets)} not deployed (a `$patch: delete` of the Deployment and the "
            "Service "
            "in the overlay); the other settings of this file are ignored, as Halyard ignored them",
            src=("enabled",),
            src_file=sfile,
            out=("$patch",),
            out_file=_pf(ov.env, targets[0]),
            topic="Service settings",
        )
    )
    if canon in ("fiat", "kayenta", "keel"):
        ov.notes.append(
            Note(
                MANUAL,
                f"{canon} is not deployed: keep the halconfig setting that makes other services call it off "
                "(fiat: security.authz.enabled, kayenta: canary.enabled, keel: managedDelivery.enabled), or they will "
                "call a "
                "service that is not there",
                src=("enabled",),
                src_file=sfile,
                topic="Service settings",
            )
        )
    elif canon in ("gate", "deck", "clouddriver", "orca", "front50", "redis"):
        ov.notes.append(
            Note(
                MANUAL,
                f"{canon} is not deployed, but the other services of the base need it: make sure it runs elsewhere and "
                f"point services.{canon}.baseUrl at it in halconfig/profiles/spinnaker-local.yml",
                src=("enabled",),
                src_file=sfile,
                topic="Service settings",
            )
        )


def _service_urls(canon: str, svc: str, data: dict, ha: bool, ov: Overlay, sfile: str, main_container) -> None:
    """overrideBaseUrl / `scheme: https` of a service or shard: where its callers look for it.

    Halyard wrote each service's URL (scheme://address:port, or overrideBaseUrl) into every service's
    spinnaker.yml. Here the base URLs are generated (spinnaker.yml, http://<svc>.<ns>:<port>) and, with
    HA, the read shards are reached through env vars the component sets; a different URL is carried to the
    same place: `services.<svc>.baseUrl` in spinnaker-local.yml, or the env var in the caller's patch.
    """
    url = data.get("overrideBaseUrl")
    https = str(data.get("scheme") or "").lower() == "https"
    if canon in ("gate", "deck"):
        _public_url_notes(canon, bool(url), https, ov, sfile)
        return
    if not url and not https:
        return
    if not url:
        url = f"https://{canon}:{SERVICES[svc]}"
    url = str(url)
    what = "overrideBaseUrl" if data.get("overrideBaseUrl") else "scheme: https"
    src = ("overrideBaseUrl",) if data.get("overrideBaseUrl") else ("scheme",)
    callers = SHARD_CALLERS[canon] if ha and canon in SHARD_CALLERS else [(None, svc)]
    if not callers:
        ov.notes.append(
            Note(
                DROPPED,
                f"{what}: no other service calls {canon}; nothing to carry",
                src=src,
                src_file=sfile,
                topic="Service settings",
            )
        )
    for dep, key in callers:
        if dep is None:
            note = Note(
                CHANGED,
                f"{what} of {canon} -> services.{key}.baseUrl {url} in halconfig/profiles/{SHARED_PROFILE} (every "
                "service's service discovery)",
                src=src,
                src_file=sfile,
                out=("services", key, "baseUrl"),
                out_file=f"halconfig/profiles/{SHARED_PROFILE}",
                topic="Service settings",
            )
            ov.additions.add(SHARED_PROFILE, ("services", key, "baseUrl"), url, note)
            ov.notes.append(note)
        else:
            _set_env(main_container(dep), [{"name": key, "value": url}])
            ov.notes.append(
                Note(
                    CHANGED,
                    f"{what} of {canon} -> env {key}={url} of {dep} (replaces the HA component's http URL)",
                    src=src,
                    src_file=sfile,
                    out=("spec", "template", "spec", "containers", 0, "env"),
                    out_file=_pf(ov.env, dep),
                    topic="Service settings",
                )
            )
    if https or url.startswith("https:"):
        ov.notes.append(
            Note(
                MANUAL,
                f"{canon} serves TLS (https): its own server.ssl settings must be in its profile "
                f"(halconfig/profiles/{svc}-local.yml or the shard profile), and the base's readiness and liveness "
                "probes (httpGet, http) must switch to `scheme: HTTPS` in the overlay patch "
                f"{_pf(ov.env, canon if canon != svc or not ha else canon)}",
                src=src,
                src_file=sfile,
                topic="Service settings",
            )
        )


def _public_url_notes(canon: str, override: bool, https: bool, ov: Overlay, sfile: str) -> None:
    """Gate's and Deck's public URL and TLS live in the halconfig's security section, not in service-settings."""
    section = "apiSecurity" if canon == "gate" else "uiSecurity"
    if override:
        ov.notes.append(
            Note(
                DROPPED,
                f"overrideBaseUrl: set security.{section}.overrideBaseUrl in the halconfig (where Kleat reads the "
                "public URL)",
                src=("overrideBaseUrl",),
                src_file=sfile,
                topic="Service settings",
            )
        )
    if https:
        ov.notes.append(
            Note(
                MANUAL,
                f"{canon} served TLS (`scheme: https`): use kustomize/components/gate-https and security.{section}.ssl "
                "in the halconfig",
                src=("scheme",),
                src_file=sfile,
                topic="Service settings",
            )
        )


def _pf(env: str, dep: str) -> str:
    return f"kustomize/overlays/{env}/{dep}.yml"


def _tidy(patch: dict) -> dict:
    """Drop empty parts and order keys the way people write them (replicas, strategy, then the pod template)."""
    spec = patch["spec"]
    tmpl = spec.pop("template")
    out_spec = {k: spec[k] for k in ("replicas", "strategy") if k in spec}
    out_tmpl = {k: tmpl[k] for k in ("metadata", "spec") if tmpl.get(k)}
    if out_tmpl:
        out_spec["template"] = out_tmpl
    patch["spec"] = out_spec
    return patch


def _set_env(container: dict, entries: list[dict]) -> None:
    """Add env entries; one set later for the same name replaces the earlier one (a shard's own
    service-settings after its service's), so no container carries a variable twice."""
    env = container.setdefault("env", [])
    for e in entries:
        env[:] = [x for x in env if x["name"] != e["name"]]
        env.append(e)


def _apply_scheduling(kind, value, dep, patch, main_container, notes, src, env, secret_env) -> None:
    spec = patch["spec"]["template"]["spec"]
    out_file = _pf(env, dep)
    if kind == "sidecars":
        for i, sc in enumerate(value or []):
            if isinstance(sc, dict) and sc.get("name"):
                _sidecar(sc, dep, spec, main_container, notes, src + (i,), out_file, secret_env)
        return
    if kind == "initContainers":
        items = []
        for ic in value or []:
            if isinstance(ic, dict):
                ic = dict(ic)
                ic.setdefault("resources", SIDECAR_RESOURCES)
                items.append(ic)
        spec["initContainers"] = items
    elif kind == "hostAliases":
        spec["hostAliases"] = value
    elif kind == "affinity":
        spec["affinity"] = value
    elif kind == "tolerations":
        spec["tolerations"] = value
    notes.append(
        Note(
            CHANGED,
            f"{kind} -> Deployment {dep} pod spec"
            + (
                " (unsized init containers get requests 50m/64Mi, limits 500m/256Mi)"
                if kind == "initContainers"
                else ""
            ),
            src=src,
            out=("spec", "template", "spec", kind),
            out_file=out_file,
            topic="Sizing and scheduling",
        )
    )


def _sidecar(sc: dict, dep: str, spec: dict, main_container, notes: list[Note], src: tuple, out_file: str,
             secret_env) -> None:
    """One Halyard sidecar -> a container of the Deployment's pod (with the base's hardening and small resources)."""
    c: dict = {"name": sc["name"], "image": sc.get("dockerImage") or sc.get("image")}
    if isinstance(sc.get("command"), list) and sc["command"]:
        c["command"] = [str(x) for x in sc["command"]]
    if isinstance(sc.get("args"), list) and sc["args"]:
        c["args"] = [str(x) for x in sc["args"]]
    if not c["image"]:
        notes.append(
            Note(
                DROPPED,
                f"sidecar {sc['name']} of {dep} has no dockerImage; not migrated",
                src=src,
                out=None,
                topic="Sizing and scheduling",
            )
        )
        return
    port = _int(sc["port"], f"sidecar {sc['name']} port", notes, src + ("port",)) if sc.get("port") else None
    if port is not None:
        c["ports"] = [{"containerPort": port}]
    if isinstance(sc.get("env"), dict) and sc["env"]:
        for k, v in sc["env"].items():
            _set_env(c, secret_env(f"{dep}-{sc['name']}", str(k), v, "config", src + ("env", k)))
    mounts = _sidecar_volumes(sc, dep, spec, main_container)
    if mounts:
        c["volumeMounts"] = mounts
    if isinstance(sc.get("securityContext"), dict) and sc["securityContext"].get("privileged"):
        c["securityContext"] = {"privileged": True}
        notes.append(
            Note(
                MANUAL,
                f"sidecar {sc['name']} of {dep} runs privileged: the pod runs as non-root; review it",
                src=src,
                topic="Sizing and scheduling",
            )
        )
    else:  # the same hardening as every container of the base
        c["securityContext"] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    c["resources"] = SIDECAR_RESOURCES
    spec.setdefault("containers", [])
    main_container(dep)
    spec["containers"].append(c)
    notes.append(
        Note(
            CHANGED,
            f"sidecar {sc['name']} ({c['image']}) -> a container of Deployment {dep}; Halyard gave it no resources, "
            "so it gets requests 50m/64Mi and limits 500m/256Mi (the `resources` rule requires them): review. The pod "
            "runs as non-root (uid 10111), so the image must run as any user",
            src=src,
            out=("spec", "template", "spec", "containers", len(spec["containers"]) - 1),
            out_file=out_file,
            topic="Sizing and scheduling",
        )
    )
    if isinstance(c.get("image"), str) and (
        ":" not in c["image"].rsplit("/", 1)[-1] or c["image"].endswith(":latest")
    ):
        notes.append(
            Note(
                MANUAL,
                f"sidecar {sc['name']} image `{c['image']}` is not pinned to a tag: pin it (spinops check "
                "refuses unpinned images)",
                src=src,
                topic="Sizing and scheduling",
            )
        )


def _sidecar_volumes(sc: dict, dep: str, spec: dict, main_container) -> list[dict]:
    """The sidecar's mounts, their volumes added to the pod: a shared emptyDir at `mountPath` (mounted into the
    main container too), and its Secret and ConfigMap volumes."""
    mounts = []
    if sc.get("mountPath"):
        spec.setdefault("volumes", []).append({"name": sc["name"], "emptyDir": {}})
        mounts.append({"name": sc["name"], "mountPath": sc["mountPath"]})
        main_container(dep).setdefault("volumeMounts", []).append({"name": sc["name"], "mountPath": sc["mountPath"]})
    for vm in [
        v
        for v in sc.get("secretVolumeMounts") or []
        if isinstance(v, dict) and v.get("secretName") and v.get("mountPath")
    ]:
        spec.setdefault("volumes", []).append({"name": vm["secretName"], "secret": {"secretName": vm["secretName"]}})
        mounts.append({"name": vm["secretName"], "mountPath": vm["mountPath"]})
    for vm in [
        v
        for v in sc.get("configMapVolumeMounts") or []
        if isinstance(v, dict) and v.get("configMapName") and v.get("mountPath")
    ]:
        spec.setdefault("volumes", []).append(
            {"name": vm["configMapName"], "configMap": {"name": vm["configMapName"]}}
        )
        mounts.append({"name": vm["configMapName"], "mountPath": vm["mountPath"]})
    return mounts


KUBERNETES_TYPES = {
    "podAnnotations": dict,
    "podLabels": dict,
    "nodeSelector": dict,
    "serviceAnnotations": dict,
    "serviceLabels": dict,
    "imagePullSecrets": list,
    "volumes": list,
    "securityContext": dict,
    "deploymentStrategy": dict,
}


#: kubernetes.* settings carried into the Deployment patch -> where they land in it
KUBERNETES_OUT = {
    "podAnnotations": ("spec", "template", "metadata", "annotations"),
    "podLabels": ("spec", "template", "metadata", "labels"),
    "serviceAccountName": ("spec", "template", "spec", "serviceAccountName"),
    "nodeSelector": ("spec", "template", "spec", "nodeSelector"),
    "imagePullSecrets": ("spec", "template", "spec", "imagePullSecrets"),
    "securityContext": ("spec", "template", "spec", "securityContext"),
    "deploymentStrategy": ("spec", "strategy"),
    "volumes": ("spec", "template", "spec", "volumes"),
}


def _kubernetes_settings(
    kube: dict, targets: list[str], patch_for, main_container, ov: Overlay, sfile: str, canon: str
) -> None:
    notes = ov.notes
    kube = _well_typed(kube, sfile, notes)
    for dep in targets:
        _pod_settings(kube, dep, patch_for(dep), main_container)
    for k, out in KUBERNETES_OUT.items():
        if kube.get(k):
            notes.append(
                Note(
                    CHANGED,
                    f"kubernetes.{k} -> {', '.join(targets)}",
                    src=("kubernetes", k),
                    src_file=sfile,
                    out=out,
                    out_file=_pf(ov.env, targets[0]),
                    topic="Service settings",
                )
            )
    if kube.get("serviceAccountName"):
        notes.append(
            Note(
                MANUAL,
                f"{canon} runs as ServiceAccount `{kube['serviceAccountName']}`: it must exist in the namespace (the "
                "base creates none); add it to the overlay or create it out of band",
                src=("kubernetes", "serviceAccountName"),
                src_file=sfile,
                topic="Service settings",
            )
        )
    if kube.get("securityContext"):
        notes.append(
            Note(
                MANUAL,
                f"kubernetes.securityContext of {canon} replaces the base's pod securityContext (non-root, seccomp): "
                "check it still runs as non-root",
                src=("kubernetes", "securityContext"),
                src_file=sfile,
                topic="Service settings",
            )
        )
    _service_patch(kube, ov, sfile, canon)
    _unmigrated_kubernetes_notes(kube, sfile, notes)


def _well_typed(kube: dict, sfile: str, notes: list[Note]) -> dict:
    """A copy of the kubernetes settings without the values of the wrong type (each dropped with a note)."""
    kube = dict(kube)
    for k, t in KUBERNETES_TYPES.items():
        if kube.get(k) not in (None, "") and not isinstance(kube[k], t):
            notes.append(
                Note(
                    DROPPED,
                    f"kubernetes.{k}: expected a {'list' if t is list else 'mapping'}; not migrated",
                    src=("kubernetes", k),
                    src_file=sfile,
                    topic="Service settings",
                )
            )
            kube.pop(k)
    return kube


def _pod_settings(kube: dict, dep: str, p: dict, main_container) -> None:
    """The pod-level kubernetes settings into one Deployment's patch `p`."""
    tmpl = p["spec"]["template"]
    spec = tmpl["spec"]
    if kube.get("podAnnotations"):
        tmpl.setdefault("metadata", {}).setdefault("annotations", {}).update(
            {str(k): str(v) for k, v in kube["podAnnotations"].items()}
        )
    if kube.get("podLabels"):
        tmpl.setdefault("metadata", {}).setdefault("labels", {}).update(
            {str(k): str(v) for k, v in kube["podLabels"].items()}
        )
    if kube.get("serviceAccountName"):
        spec["serviceAccountName"] = str(kube["serviceAccountName"])
    if kube.get("nodeSelector"):
        spec["nodeSelector"] = {str(k): str(v) for k, v in kube["nodeSelector"].items()}
    if kube.get("imagePullSecrets"):
        spec["imagePullSecrets"] = [{"name": str(n)} for n in kube["imagePullSecrets"]]
    if isinstance(kube.get("securityContext"), dict) and kube["securityContext"]:
        spec["securityContext"] = dict(kube["securityContext"])
    strategy = _strategy(kube.get("deploymentStrategy"))
    if strategy is not None:
        p["spec"]["strategy"] = strategy
    for vol in kube.get("volumes") or []:
        if not isinstance(vol, dict) or not vol.get("id") or not vol.get("mountPath"):
            continue
        source = {
            "secret": {"secret": {"secretName": vol["id"]}},
            "configMap": {"configMap": {"name": vol["id"]}},
            "persistentVolumeClaim": {"persistentVolumeClaim": {"claimName": vol["id"]}},
        }.get(vol.get("type", "emptyDir"), {"emptyDir": {}})
        spec.setdefault("volumes", []).append({"name": vol["id"], **source})
        main_container(dep).setdefault("volumeMounts", []).append({"name": vol["id"], "mountPath": vol["mountPath"]})


def _strategy(strat) -> dict | None:
    """Halyard's deploymentStrategy -> the Deployment's `strategy` (None: none set)."""
    if not isinstance(strat, dict) or not strat.get("type"):
        return None
    if str(strat["type"]).lower() == "recreate":
        return {"type": "Recreate", "rollingUpdate": None}
    ss = strat.get("strategySettings") or {}
    ru = {k: (int(v) if str(v).isdigit() else str(v)) for k, v in ss.items() if k in ("maxSurge", "maxUnavailable")}
    return {"type": "RollingUpdate", **({"rollingUpdate": ru} if ru else {})}


def _service_patch(kube: dict, ov: Overlay, sfile: str, canon: str) -> None:
    """serviceType (and nodePort), serviceAnnotations, serviceLabels -> a patch of the Service `canon`."""
    svc_patch: dict[str, object] = {}
    if kube.get("serviceType") and kube["serviceType"] != "ClusterIP":
        svc_patch["type"] = str(kube["serviceType"])
        node_port = (
            _int(kube["nodePort"], "kubernetes.nodePort", ov.notes, ("kubernetes", "nodePort"), sfile)
            if kube.get("nodePort")
            else None
        )
        if node_port is not None:
            svc_patch["ports"] = [{"name": "http", "nodePort": node_port}]
    meta = {}
    if kube.get("serviceAnnotations"):
        meta["annotations"] = {str(k): str(v) for k, v in kube["serviceAnnotations"].items()}
    if kube.get("serviceLabels"):
        meta["labels"] = {str(k): str(v) for k, v in kube["serviceLabels"].items()}
    if not (svc_patch or meta):
        return
    name = f"service-{canon}.yml"
    ov.patches[name] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": canon, **meta},
        **({"spec": svc_patch} if svc_patch else {}),
    }
    ov.targets[name] = {"kind": "Service", "labelSelector": f"app.kubernetes.io/name={canon}"}
    ov.notes.append(
        Note(
            CHANGED,
            f"kubernetes serviceType/serviceAnnotations/serviceLabels -> Service {canon}",
            src=("kubernetes",),
            src_file=sfile,
            out=("metadata",),
            out_file=f"kustomize/overlays/{ov.env}/{name}",
            topic="Service settings",
        )
    )


def _unmigrated_kubernetes_notes(kube: dict, sfile: str, notes: list[Note]) -> None:
    """kubernetes.* settings only Halyard's deployer read, and unknown ones: dropped, each with a note."""
    for k, why in KUBERNETES_IGNORED.items():
        if kube.get(k) not in (None, [], "") and not (k == "useTcpProbe" and kube[k] is False):
            notes.append(
                Note(DROPPED, f"kubernetes.{k}: {why}", src=("kubernetes", k), src_file=sfile, topic="Service settings")
            )
    service = {"serviceType", "nodePort", "serviceAnnotations", "serviceLabels"}  # see _service_patch
    known = set(KUBERNETES_OUT) | set(KUBERNETES_IGNORED) | service
    for k in kube:
        if k not in known and kube[k] not in (None, [], {}, ""):
            notes.append(
                Note(
                    DROPPED,
                    f"kubernetes.{k}: not migrated (no kustomize equivalent known to spinops)",
                    src=("kubernetes", k),
                    src_file=sfile,
                    topic="Service settings",
                )
            )


def _image(canon: str, svc: str, artifact: str, ov: Overlay, sfile: str) -> None:
    repo, _, tag = artifact.rpartition(":") if ":" in artifact.rsplit("/", 1)[-1] else (artifact, "", "")
    if canon != svc:
        ov.notes.append(
            Note(
                MANUAL,
                f"artifactId for shard {canon}: images are set per service in the overlay; set it on {svc} or patch "
                "the shard's image",
                src=("artifactId",),
                src_file=sfile,
                topic="Service settings",
            )
        )
        return
    entry = {"name": f"{IMAGE_REPO}/{svc}"}
    if repo and repo != f"{IMAGE_REPO}/{svc}":
        entry["newName"] = repo
    if tag:
        entry["newTag"] = tag
    ov.images.append(entry)
    ov.notes.append(
        Note(
            CHANGED,
            f"artifactId {artifact} -> the overlay's images: entry for {svc}",
            src=("artifactId",),
            src_file=sfile,
            out=("images",),
            out_file=f"kustomize/overlays/{ov.env}/kustomization.yml",
            topic="Service settings",
        )
    )
    if ov.version and tag and tag != _release_pin(ov.version, svc)["newTag"]:
        ov.notes.append(
            Note(
                MANUAL,
                f"{svc} runs {artifact}, not the release {ov.version}: `spinops check` (same-release) refuses mixed "
                "releases",
                src=("artifactId",),
                src_file=sfile,
                topic="Service settings",
            )
        )


def _redis_settings(data: dict, ov: Overlay, sfile: str, secret_string=_plain_string) -> None:
    url = data.get("overrideBaseUrl") or data.get("baseUrl")
    if url:
        parts = urlsplit(str(url))
        host = parts.hostname
        if host and not re.fullmatch(r"[0-9.]+", host):
            ov.patches["redis.yml"] = {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "redis"},
                "spec": {"externalName": host},
            }
            ov.targets["redis.yml"] = {"kind": "Service", "name": "redis"}
            ov.notes.append(
                Note(
                    CHANGED,
                    f"redis overrideBaseUrl -> the `redis` ExternalName Service points at {host}",
                    src=("overrideBaseUrl",),
                    src_file=sfile,
                    out=("spec", "externalName"),
                    out_file=f"kustomize/overlays/{ov.env}/redis.yml",
                    topic="Service settings",
                )
            )
            if parts.port not in (None, 6379) or parts.password or parts.username or parts.scheme == "rediss":
                key = "overrideBaseUrl" if data.get("overrideBaseUrl") else "baseUrl"
                value = secret_string("redis", str(url), sfile, (key,))
                note = Note(
                    CHANGED,
                    "the Redis URL has a non-default port, a password or TLS: it is carried as "
                    "`services.redis.baseUrl` in "
                    f"halconfig/profiles/{SHARED_PROFILE}"
                    + (" (its password as a ${NAME} placeholder)" if value != str(url) else ""),
                    src=(key,),
                    src_file=sfile,
                    out=("services", "redis", "baseUrl"),
                    out_file=f"halconfig/profiles/{SHARED_PROFILE}",
                    topic="Service settings",
                )
                ov.additions.add(SHARED_PROFILE, ("services", "redis", "baseUrl"), value, note)
                ov.notes.append(note)
        else:
            ov.notes.append(
                Note(
                    MANUAL,
                    f"redis overrideBaseUrl host `{host}` is an IP address; an ExternalName Service needs a DNS name "
                    "(replace kustomize/base/redis with a Service + Endpoints in the overlay)",
                    src=("overrideBaseUrl",),
                    src_file=sfile,
                    topic="Service settings",
                )
            )
    else:
        ov.notes.append(
            Note(
                MANUAL,
                "Halyard ran Redis in the cluster; spinops expects an external Redis: point the `redis` Service "
                f"(kustomize/overlays/{ov.env}/redis.yml) at it",
                src=(),
                src_file=sfile,
                topic="Service settings",
            )
        )


def kustomization(ov: Overlay) -> dict:
    k: dict = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": ov.namespace,
        "resources": ["../../base"],
    }
    if ov.ha:
        k["components"] = ["../../components/ha"]
    # no per-service release pin: `spinops build` tags every running service from the halconfig's `version:`
    # (issue 10); only Halyard's own artifactId pins carry over (`spinops check` reports them: image-pins)
    images: dict[str, dict] = {}
    for e in ov.images:
        images[e["name"]] = {**images.get(e["name"], {"name": e["name"]}), **e}
    if images:
        k["images"] = [images[n] for n in sorted(images)]
    if ov.generators:
        k["configMapGenerator"] = ov.generators
    if ov.patches:
        k["patches"] = [{"path": name, "target": ov.targets[name]} for name in sorted(ov.patches)]
    return k


def dump(obj) -> str:
    """Block YAML in insertion order, never with anchors (two sidecars share SIDECAR_RESOURCES; each is edited on its
    own)."""
    return dump_document(obj, sort_keys=False)
