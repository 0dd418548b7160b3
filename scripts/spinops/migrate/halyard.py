"""Halyard halconfig -> Kleat halconfig: one small pure function per change.

Each transform takes the deployment's data (Halyard shape) and returns a `Result`: new data (the
input is never mutated) and the notes describing what it did, with data paths relative to the
deployment (`persistentStorage.s3`); `flatten` adds the `deploymentConfigurations[i]` prefix for
the report. Most change one section and are written as `fn(d, section, notes)` under
`@edits_section(path)`, which does the copying and the "no such section" case once.
Facts: ../shared/reference/halyard-kustomize.md section 3, Kleat's migration README and Halyard's
model classes.

`TRANSFORMS` lists them in the order they run. Secrets, sizing and the generic "drop every field the
strict validator does not know" step live in their own modules.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from typing import overload
from urllib.parse import urlsplit

from spinops import render
from spinops.errors import InputError, Problem
from spinops.halconfig import schema as hs
from spinops.halconfig.validate import validate
from spinops.migrate.model import CHANGED, DROPPED, MANUAL, Note, Result, get
from spinops.migrate.secrets import is_encrypted
from spinops.patch import parse_version as pv
from spinops.spinnaker.catalog import Catalog, image_tag_of
from spinops.wire import services_reading

#: The release that removed the Kubernetes V1 provider.
V1_REMOVED_IN = (1, 21)
#: Deck notification types Halyard turned on by default (Deck shows them unless told otherwise).
DECK_IMPLICIT_NOTIFICATIONS = ("bearychat", "email", "googlechat", "pubsub")
STORES = ("azs", "gcs", "oracle", "s3", "sql")


# --------------------------------------------------------------------------------------------
# choosing the deployment


def select_deployment(config: dict, name: str | None, where: str) -> tuple[int, dict, list[Note]]:
    """(index, deployment, notes) of `name` (default: currentDeployment) in a Halyard `config`."""
    if not isinstance(config, dict) or not isinstance(config.get("deploymentConfigurations"), list):
        raise InputError(Problem("not a Halyard config: expected `deploymentConfigurations:` (a list of deployments)",
                                 file=where, line=1, code="not-halyard"))
    deployments = config["deploymentConfigurations"]
    names = [d.get("name") for d in deployments if isinstance(d, dict)]
    wanted = name or config.get("currentDeployment")
    if not wanted:
        if len(deployments) == 1 and isinstance(deployments[0], dict):
            wanted = deployments[0].get("name")
        else:
            raise InputError(
                Problem(
                    "the config names no currentDeployment; choose one with --deployment",
                    file=where,
                    code="no-deployment",
                    hint="deployments: " + ", ".join(map(str, names)),
                )
            )
    for i, d in enumerate(deployments):
        if isinstance(d, dict) and d.get("name") == wanted:
            notes = [
                Note(
                    CHANGED,
                    f"flattened deployment `{wanted}` (deploymentConfigurations[{i}]) into a single Kleat halconfig; "
                    "`currentDeployment`, `halyardVersion` and the deployment's `name` are Halyard bookkeeping",
                    src=("deploymentConfigurations", i),
                    out=(),
                    topic="Structure",
                )
            ]
            others = [n for n in names if n != wanted]
            if others:
                notes.append(
                    Note(
                        MANUAL,
                        f"other deployments in this Halyard config were not migrated: {', '.join(map(str, others))}; "
                        "run `spinops migrate SOURCE --deployment NAME` in another repository (or compare them with "
                        "this one and express the differences as halconfig/env/<env>.yml)",
                        src=("deploymentConfigurations",),
                        out=None,
                        topic="Structure",
                    )
                )
            return i, d, notes
    raise InputError(Problem(f"no deployment named {wanted!r} in this Halyard config", file=where, code="no-deployment",
                             hint="deployments: " + ", ".join(map(str, names))))


#: Open-source Spinnaker release numbers (spinnaker.io/docs/releases/versions): 1.<minor>.<patch> until 1.38.0, then
#: calendar versions <year>.<n>.<patch> (spinnaker/spinnaker RELEASE.md; spinops.spinnaker.catalog).
OSS_RELEASE = re.compile(r"1\.\d+\.\d+|\d{4}\.\d+\.\d+")
#: Halyard reads the BOM of a `local:<version>` from its local disk instead of the release bucket.
LOCAL_PREFIX = "local:"
#: Armory's 2.<minor> line is built on open-source Spinnaker 1.<minor> (armory/docs release notes: "v2.38.0 ...
#: (Spinnaker v1.38.0)").
VENDOR_MINOR = re.compile(r"2\.(\d+)\.\d+(?:-.*)?")


def _known() -> str:
    """The catalog's releases, in short (the error lists them; `spinops catalog list` shows each)."""
    versions = Catalog.package().versions
    return f"{versions[0]} .. {versions[-1]} (`spinops catalog list`)"


def release_version(d: dict, override: str | None = None) -> Result:
    """Halyard's `version` -> an open-source release: `local:1.28.1` -> 1.28.1; a vendor number stops with a clear
    error.

    override (`--version`) replaces the version, e.g. the open-source release a vendor release was built on.
    """
    raw = d.get("version")
    if raw is None and override is None:
        return Result(d)
    d = copy.deepcopy(d)
    notes = []
    if override is not None:
        if not OSS_RELEASE.fullmatch(override):
            raise InputError(
                Problem(
                    f"--version {override!r} is not an open-source Spinnaker release (1.<minor>.<patch> or "
                    "<year>.<n>.<patch>)",
                    code="bad-version",
                    hint="the release catalog knows " + _known(),
                )
            )
        d["version"] = override
        notes.append(
            Note(
                CHANGED,
                f"version `{raw}` -> `{override}` (--version)",
                src=("version",),
                out=("version",),
                topic="Version",
            )
        )
        return Result(d, notes)
    version = str(raw).strip()
    if version.startswith(LOCAL_PREFIX):
        version = version[len(LOCAL_PREFIX):]
        notes.append(
            Note(
                CHANGED,
                f"version `{raw}` -> `{version}`: `local:` only told Halyard to read the release's BOM from its local "
                "disk; "
                f"the images are the release's own ({image_tag_of(version)})",
                src=("version",),
                out=("version",),
                topic="Version",
            )
        )
    if not OSS_RELEASE.fullmatch(version):
        vendor = VENDOR_MINOR.fullmatch(version)
        why = (
            f"a vendor (Armory) release number: its images are not published as spinnaker-{version}; Armory {version} "
            "was built on open-source "
            f"Spinnaker 1.{vendor.group(1)}"
            if vendor
            else "not an open-source release number (1.<minor>.<patch> or <year>.<n>.<patch>), so there are no "
            "release images for it"
        )
        raise InputError(
            Problem(
                f"version `{raw}` is {why}",
                code="unknown-release",
                extra={"path": ("version",)},
                hint="rerun with --version <open-source release>"
                + (f" (a 1.{vendor.group(1)}.x release, or a newer one)" if vendor else "")
                + "; the release catalog knows "
                + _known(),
            )
        )
    d["version"] = version
    return Result(d, notes)


def parse_version(v) -> tuple[int, ...] | None:
    return pv(str(v)) if v not in (None, "") else None


# --------------------------------------------------------------------------------------------
# transforms (pure)


def edits_section(*path: str) -> Callable:
    """Make `fn(d, section, notes)` a transform of the mapping at `path`.

    The transform works on a deep copy of the deployment (its input is never changed) and leaves a
    deployment without that mapping as it is; `fn` edits the copy and appends its notes.
    """

    def wrap(fn: Callable[[dict, dict, list[Note]], None]) -> Callable[[dict], Result]:
        @functools.wraps(fn)
        def transform(d: dict) -> Result:
            d = copy.deepcopy(d)
            section = get(d, path)
            if not isinstance(section, dict):
                return Result(d)
            notes: list[Note] = []
            fn(d, section, notes)
            return Result(d, notes)

        return transform

    return wrap


def drop_halyard_bookkeeping(d: dict) -> Result:
    """`name` and `deploymentEnvironment` (the latter becomes kustomize, see sizing.py)."""
    d = copy.deepcopy(d)
    notes = []
    d.pop("name", None)
    if "deploymentEnvironment" in d:
        d.pop("deploymentEnvironment")
        notes.append(
            Note(
                CHANGED,
                "`deploymentEnvironment` is not part of Kleat's halconfig: its sizing, sidecars, HA and "
                "scheduling settings became kustomize patches (see Sizing and scheduling)",
                src=("deploymentEnvironment",),
                out=None,
                topic="Structure",
            )
        )
    return Result(d, notes)


@edits_section("notifications")
def github_status(d: dict, n: dict, notes: list[Note]) -> None:
    if "github-status" not in n:
        return
    value = n.pop("github-status")
    if "githubStatus" not in n:
        n["githubStatus"] = value
        notes.append(
            Note(
                CHANGED,
                "renamed `notifications.github-status` to `notifications.githubStatus` (Kleat's name)",
                src=("notifications", "github-status"),
                out=("notifications", "githubStatus"),
                rename=True,
                topic="Notifications",
            )
        )


@edits_section("persistentStorage")
def persistent_store(d: dict, ps: dict, notes: list[Note]) -> None:
    """`persistentStoreType: s3` -> `s3.enabled: true`; the stores not chosen go."""
    kind = ps.pop("persistentStoreType", None)
    if kind == "redis":
        raise InputError(
            Problem(
                "persistentStorage.persistentStoreType is `redis`: Front50 has no Redis store any more "
                "(removed in Spinnaker 1.14), so this installation cannot be migrated as it is",
                code="front50-redis",
                extra={"path": ("persistentStorage", "persistentStoreType")},
                hint="move Front50 to gcs, s3, azs, oracle or SQL first (e.g. `hal config storage s3 edit ...` then "
                "`hal config storage edit --type s3`, copy the pipelines across), then migrate again",
            )
        )
    if kind == "oraclebmcs":
        kind = "oracle"
    if kind:
        if kind not in STORES:
            notes.append(
                Note(
                    MANUAL,
                    f"persistentStoreType `{kind}` is not a store Kleat knows; configure Front50 by hand",
                    src=("persistentStorage", "persistentStoreType"),
                    out=None,
                    topic="Persistent storage",
                )
            )
        else:
            store = v if isinstance(v := ps.get(kind), dict) else {}
            ps[kind] = {"enabled": True, **{k: v for k, v in store.items() if k != "enabled"}}
            notes.append(
                Note(
                    CHANGED,
                    f"`persistentStoreType: {kind}` became `persistentStorage.{kind}.enabled: true` (Kleat picks the "
                    "enabled store)",
                    src=("persistentStorage", "persistentStoreType"),
                    out=("persistentStorage", kind, "enabled"),
                    topic="Persistent storage",
                )
            )
    if "oraclebmcs" in ps:
        old = ps.pop("oraclebmcs")
        if isinstance(old, dict) and kind == "oracle" and not ps.get("oracle"):
            ps["oracle"] = {"enabled": True, **old}
        notes.append(
            Note(
                CHANGED,
                "Halyard's `oraclebmcs` store is Kleat's `oracle`",
                src=("persistentStorage", "oraclebmcs"),
                out=("persistentStorage", "oracle"),
                topic="Persistent storage",
            )
        )
    if "redis" in ps:
        ps.pop("redis")
        notes.append(
            Note(
                DROPPED,
                "`persistentStorage.redis`: Redis is no longer a Front50 store",
                src=("persistentStorage", "redis"),
                out=None,
                topic="Persistent storage",
            )
        )
    for other in STORES:
        if other != kind and isinstance(ps.get(other), dict) and not ps[other].get("enabled"):
            ps.pop(other)
            notes.append(
                Note(
                    DROPPED,
                    f"`persistentStorage.{other}`: not the selected store (Halyard kept its settings; Kleat would "
                    "ignore them)",
                    src=("persistentStorage", other),
                    out=None,
                    topic="Persistent storage",
                )
            )


@edits_section("canary")
def canary(d: dict, c: dict, notes: list[Note]) -> None:
    """serviceIntegrations list -> map keyed by name; defaultStorageAccount -> storageAccountName."""
    si = c.get("serviceIntegrations")
    if isinstance(si, list):
        out = {}
        for i, item in enumerate(si):
            if not isinstance(item, dict) or not item.get("name"):
                notes.append(
                    Note(
                        DROPPED,
                        f"canary.serviceIntegrations[{i}] has no `name`",
                        src=("canary", "serviceIntegrations", i),
                        out=None,
                        topic="Canary",
                    )
                )
                continue
            name = item["name"]
            out[name] = {k: v for k, v in item.items() if k != "name"}
            notes.append(
                Note(
                    CHANGED,
                    f"canary service integration `{name}`: list item became map entry `serviceIntegrations.{name}` "
                    "(`name` dropped)",
                    src=("canary", "serviceIntegrations", i),
                    out=("canary", "serviceIntegrations", name),
                    rename=True,
                    topic="Canary",
                )
            )
        c["serviceIntegrations"] = out
    if "defaultStorageAccount" in c:
        value = c.pop("defaultStorageAccount")
        if value not in (None, ""):
            c["storageAccountName"] = value
            notes.append(
                Note(
                    CHANGED,
                    "renamed `canary.defaultStorageAccount` to `canary.storageAccountName` (Kleat silently drops the "
                    "old name)",
                    src=("canary", "defaultStorageAccount"),
                    out=("canary", "storageAccountName"),
                    rename=True,
                    topic="Canary",
                )
            )


@edits_section("security", "authn", "saml")
def saml(d: dict, s: dict, notes: list[Note]) -> None:
    """metadataLocal/metadataRemote -> metadataUrl; serviceAddress -> redirectProtocol/Hostname/BasePath.

    A local metadata file is carried by the overlay (see sizing.saml_metadata); here its path becomes
    the file:// URL of where the overlay mounts it.
    """
    from spinops.migrate.sizing import SAML_METADATA_PATH  # noqa: PLC0415 start-up: PyYAML, via spinops.migrate.sizing

    base = ("security", "authn", "saml")
    local, remote = s.pop("metadataLocal", None), s.pop("metadataRemote", None)
    if remote and not s.get("metadataUrl"):
        s["metadataUrl"] = remote
        notes.append(
            Note(
                CHANGED,
                "`saml.metadataRemote` became `saml.metadataUrl`",
                src=base + ("metadataRemote",),
                out=base + ("metadataUrl",),
                topic="Security",
            )
        )
    elif local and not s.get("metadataUrl") and is_encrypted(local):
        # kork's SecretAwarePropertySource decrypts a property ending in `metadataurl` to `file:<temp file>`
        s["metadataUrl"] = local
        notes.append(
            Note(
                CHANGED,
                "`saml.metadataLocal` (a secret-engine reference) became `saml.metadataUrl` unchanged: gate decrypts "
                "it "
                "to a local file when it starts (kork-secrets)",
                src=base + ("metadataLocal",),
                out=base + ("metadataUrl",),
                topic="Security",
            )
        )
    elif local and not s.get("metadataUrl"):
        s["metadataUrl"] = "file://" + SAML_METADATA_PATH
        notes.append(
            Note(
                CHANGED,
                f"`saml.metadataLocal` ({local}) became `saml.metadataUrl: file://{SAML_METADATA_PATH}`; the overlay "
                "ships the "
                "metadata file as a ConfigMap mounted into gate (IdP metadata is public, not a credential)",
                src=base + ("metadataLocal",),
                out=base + ("metadataUrl",),
                topic="Security",
            )
        )
    address = s.pop("serviceAddress", None)
    if address:
        parts = urlsplit(str(address))
        if parts.scheme and parts.netloc:
            s["redirectProtocol"] = parts.scheme
            s["redirectHostname"] = parts.netloc
            if parts.path and parts.path != "/":
                s["redirectBasePath"] = parts.path
            notes.append(
                Note(
                    CHANGED,
                    f"`saml.serviceAddress` ({address}) was split into redirectProtocol `{parts.scheme}`, "
                    "redirectHostname "
                    f"`{parts.netloc}`"
                    + (f", redirectBasePath `{parts.path}`" if parts.path and parts.path != "/" else ""),
                    src=base + ("serviceAddress",),
                    out=base + ("redirectProtocol",),
                    topic="Security",
                )
            )
        else:
            notes.append(
                Note(
                    MANUAL,
                    f"`saml.serviceAddress` ({address}) is not a URL; set "
                    "redirectProtocol/redirectHostname/redirectBasePath by hand",
                    src=base + ("serviceAddress",),
                    out=None,
                    topic="Security",
                )
            )


#: Halyard's Telemetry model (halyard-config .../node/Telemetry.java) -> Kleat's `stats` (render/echo.py reads
#: enabled, endpoint, instanceId). Halyard's defaults of the rest are echo's defaults too.
TELEMETRY_DEFAULTS = {"connectionTimeoutMillis": 3000, "readTimeoutMillis": 5000}
TELEMETRY_BOOKKEEPING = ("explicitlySet", "deploymentMethod", "spinnakerVersion")


def telemetry(d: dict) -> Result:
    """`telemetry:` (Halyard's name since 1.18) -> `stats:` (Kleat's)."""
    t = d.get("telemetry")
    if not isinstance(t, dict):
        return Result(d)
    d = copy.deepcopy(d)
    t = d.pop("telemetry")
    notes = []
    if isinstance(d.get("stats"), dict) and d["stats"]:
        notes.append(
            Note(
                DROPPED,
                "`telemetry`: the halconfig has a `stats` section as well, which wins",
                src=("telemetry",),
                out=None,
                topic="Structure",
            )
        )
        return Result(d, notes)
    d["stats"] = {k: t[k] for k in ("enabled", "endpoint", "instanceId") if t.get(k) is not None}
    notes.append(
        Note(
            CHANGED,
            "renamed `telemetry` to `stats` (Kleat's name; echo's usage statistics)",
            src=("telemetry",),
            out=("stats",),
            rename=True,
            topic="Structure",
        )
    )
    for k in TELEMETRY_BOOKKEEPING:
        if k in t:
            notes.append(
                Note(
                    DROPPED,
                    f"`telemetry.{k}`: Halyard bookkeeping (spinops reports its own deployment method)",
                    src=("telemetry", k),
                    out=None,
                    topic="Halyard defaults",
                )
            )
    for k, default in TELEMETRY_DEFAULTS.items():
        if t.get(k) not in (None, default):
            notes.append(
                Note(
                    MANUAL,
                    f"`telemetry.{k}` is {t[k]} (the default is {default}): set `stats.{k}` in "
                    "halconfig/profiles/echo-local.yml",
                    src=("telemetry", k),
                    out=None,
                    topic="Structure",
                )
            )
    return Result(d, notes)


def azure_ssh_key(d: dict) -> Result:
    d = copy.deepcopy(d)
    notes = []
    for i, acct in enumerate(get(d, ("providers", "azure", "accounts")) or []):
        if isinstance(acct, dict) and isinstance(acct.get("useSshPublicKey"), str):
            raw = acct["useSshPublicKey"]
            acct["useSshPublicKey"] = raw.strip().lower() == "true"
            p = ("providers", "azure", "accounts", i, "useSshPublicKey")
            notes.append(
                Note(
                    CHANGED,
                    f"azure account `{acct.get('name')}`: useSshPublicKey '{raw}' (a string in Halyard) became the "
                    "boolean "
                    f"{str(acct['useSshPublicKey']).lower()}",
                    src=p,
                    out=p,
                    topic="Providers",
                )
            )
    return Result(d, notes)


@edits_section("providers")
def provider_versions(d: dict, providers: dict, notes: list[Note]) -> None:
    """providerVersion: V2 is Halyard's default and Kleat has no such field; V1 accounts are collected."""
    for pname, prov in providers.items():
        if not isinstance(prov, dict):
            continue
        for i, acct in enumerate(prov.get("accounts") or []):
            if not isinstance(acct, dict) or "providerVersion" not in acct:
                continue
            version = acct.pop("providerVersion")
            p = ("providers", pname, "accounts", i, "providerVersion")
            if str(version).upper() == "V1" and pname == "kubernetes":
                notes.append(
                    Note(
                        DROPPED,
                        f"{pname} account `{acct.get('name')}`: `providerVersion: V1` (the legacy provider, removed in "
                        "Spinnaker 1.21); Kleat has no providerVersion field: see Kubernetes V1 accounts",
                        src=p,
                        out=None,
                        topic="Kubernetes V1 accounts",
                    )
                )
            elif version not in (None, "", "V2", "V1"):
                notes.append(
                    Note(
                        DROPPED,
                        f"{pname} account `{acct.get('name')}`: providerVersion {version} (Kleat has no such field)",
                        src=p,
                        out=None,
                        topic="Providers",
                    )
                )
            else:
                notes.append(
                    Note(
                        DROPPED,
                        f"{pname} account `{acct.get('name')}`: `providerVersion: {version}` is Halyard's default and "
                        "not a Kleat field",
                        src=p,
                        out=None,
                        topic="Halyard defaults",
                    )
                )


def v1_accounts(d: dict) -> list[str]:
    """Names of the Kubernetes accounts that really are V1 (before provider_versions removes the field)."""
    out = []
    for acct in get(d, ("providers", "kubernetes", "accounts")) or []:
        if isinstance(acct, dict) and str(acct.get("providerVersion", "")).upper() == "V1" and acct.get("name"):
            out.append(str(acct["name"]))
    return out


@edits_section("security")
def security_flags(d: dict, sec: dict, notes: list[Note]) -> None:
    """Halyard-only security fields; authn.enabled made explicit (Halyard computed it)."""
    if "enabled" in sec:
        sec.pop("enabled")
        notes.append(
            Note(
                DROPPED,
                "`security.enabled`: Halyard ignored it; Kleat reads authn.enabled and authz.enabled",
                src=("security", "enabled"),
                out=None,
                topic="Security",
            )
        )
    authn = sec.get("authn")
    if isinstance(authn, dict):
        methods = [
            m
            for m in ("oauth2", "saml", "ldap", "x509", "iap", "basic")
            if isinstance(authn.get(m), dict) and authn[m].get("enabled")
        ]
        want = bool(methods)
        if authn.get("enabled") is not want:
            authn["enabled"] = want
            notes.append(Note(CHANGED, f"`security.authn.enabled` set to {str(want).lower()} explicitly "
                              + (f"({', '.join(methods)} enabled; " if methods else "(no method enabled; ")
                              + "Halyard computed it and ignored the written value, Deck reads it)",
                              src=("security", "authn"), out=("security", "authn", "enabled"), topic="Security"))
        oauth2 = authn.get("oauth2")
        if isinstance(oauth2, dict) and "provider" in oauth2:
            prov = oauth2.pop("provider")
            notes.append(
                Note(
                    DROPPED,
                    f"`security.authn.oauth2.provider` ({prov}): Halyard used it to fill in the client/resource URIs, "
                    "which are kept",
                    src=("security", "authn", "oauth2", "provider"),
                    out=None,
                    topic="Security",
                )
            )
    gm = get(sec, ("authz", "groupMembership"))
    if isinstance(gm, dict):
        if gm.get("service") == "EXTERNAL":
            gm.pop("service")
            notes.append(
                Note(
                    DROPPED,
                    "`groupMembership.service: EXTERNAL` (Halyard's default): Kleat's enum has no EXTERNAL",
                    src=("security", "authz", "groupMembership", "service"),
                    out=None,
                    topic="Security",
                )
            )
        for name, sub in gm.items():
            if isinstance(sub, dict) and "roleProviderType" in sub:
                sub.pop("roleProviderType")
                notes.append(
                    Note(
                        DROPPED,
                        f"`groupMembership.{name}.roleProviderType`: Halyard bookkeeping, implied by the section",
                        src=("security", "authz", "groupMembership", name, "roleProviderType"),
                        out=None,
                        topic="Halyard defaults",
                    )
                )


METRIC_STORES = ("datadog", "newrelic", "prometheus", "stackdriver")


@edits_section("metricStores")
def metric_stores(d: dict, ms: dict, notes: list[Note]) -> None:
    """`metricStores.enabled` goes; with no store enabled the whole section is Halyard's defaults."""
    if "enabled" in ms:
        ms.pop("enabled")
        notes.append(Note(DROPPED, "`metricStores.enabled`: not a Kleat field (each store has its own `enabled`)",
                          src=("metricStores", "enabled"), out=None, topic="Halyard defaults"))
    enabled = [k for k in METRIC_STORES if isinstance(ms.get(k), dict) and ms[k].get("enabled")]
    if not enabled:
        d.pop("metricStores")
        notes.append(
            Note(
                DROPPED,
                "`metricStores`: no store enabled, only Halyard's defaults (period, tags)",
                src=("metricStores",),
                out=None,
                topic="Halyard defaults",
            )
        )
    else:
        notes.append(
            Note(
                MANUAL,
                f"metric stores {', '.join(enabled)}: Halyard ran a monitoring-daemon sidecar; kustomize/base runs "
                "none. "
                "Scrape the services' metrics another way (e.g. a Prometheus plugin), or remove metricStores",
                src=("metricStores",),
                out=("metricStores",),
                topic="Monitoring",
            )
        )


def deck_notifications(d: dict) -> Result:
    """Halyard told Deck these notification types were on unless a section said otherwise."""
    d = copy.deepcopy(d)
    n = d.setdefault("notifications", {}) if isinstance(d.get("notifications", {}), dict) else None
    if n is None:
        return Result(d)
    added = []
    for kind in DECK_IMPLICIT_NOTIFICATIONS:
        sec = n.get(kind)
        if sec is None or (isinstance(sec, dict) and "enabled" not in sec):
            n[kind] = {**(sec or {}), "enabled": True}
            added.append(kind)
    notes = []
    if added:
        notes.append(Note(CHANGED, f"made the notification types Halyard enabled implicitly in Deck explicit: "
                          f"{', '.join(f'notifications.{k}.enabled: true' for k in added)}",
                          src=("notifications",), out=("notifications", added[0]), topic="Notifications"))
    return Result(d, notes)


@edits_section("providers")
def primary_accounts(d: dict, providers: dict, notes: list[Note]) -> None:
    """Halyard fell back to the first account when a provider named no primaryAccount."""
    for pname, prov in providers.items():
        node = hs.at(("providers", pname))
        if not isinstance(prov, dict) or node is None or "primaryAccount" not in hs.resolve(node).get("properties", {}):
            continue
        accounts = prov.get("accounts") or []
        if (
            prov.get("enabled")
            and not prov.get("primaryAccount")
            and accounts
            and isinstance(accounts[0], dict)
            and accounts[0].get("name")
        ):
            prov["primaryAccount"] = accounts[0]["name"]
            notes.append(
                Note(
                    CHANGED,
                    f"providers.{pname}.primaryAccount set to `{accounts[0]['name']}`, the first account (Halyard's "
                    "fallback)",
                    src=("providers", pname),
                    out=("providers", pname, "primaryAccount"),
                    topic="Providers",
                )
            )


def bakery_and_plugins(d: dict) -> Result:
    """Nothing changes; these need a person (notes only)."""
    notes = []
    for pname, prov in (d.get("providers") or {}).items():
        if isinstance(prov, dict) and get(prov, ("bakeryDefaults", "baseImages")):
            notes.append(
                Note(
                    MANUAL,
                    f"providers.{pname}.bakeryDefaults.baseImages now REPLACES rosco's default base images (Halyard "
                    "merged "
                    "them): add the defaults you still use to the list",
                    src=("providers", pname, "bakeryDefaults", "baseImages"),
                    out=("providers", pname, "bakeryDefaults", "baseImages"),
                    topic="Providers",
                )
            )
    if get(d, ("spinnaker", "extensibility", "plugins")) or get(d, ("spinnaker", "extensibility", "repositories")):
        notes.append(
            Note(
                MANUAL,
                "plugins (`spinnaker.extensibility`): Kleat renders nothing from this section; put the plugin "
                "configuration into halconfig/profiles/<service>-local.yml (or spinnaker-local.yml)",
                src=("spinnaker", "extensibility"),
                out=("spinnaker", "extensibility"),
                topic="Plugins",
            )
        )
    return Result(d, notes)


def gate_basic_auth(d: dict, gate_settings: dict | None) -> Result:
    """service-settings/gate.yml basicAuthEnabled/username/password -> security.authn.basic."""
    d = copy.deepcopy(d)
    if not isinstance(gate_settings, dict) or not gate_settings.get("basicAuthEnabled"):
        return Result(d)
    user = {k: gate_settings[k] for k in ("username", "password") if gate_settings.get(k) not in (None, "")}
    sec = d.setdefault("security", {})
    authn = sec.setdefault("authn", {})
    authn["basic"] = {"enabled": True, **({"user": user} if user else {})}
    authn["enabled"] = True
    notes = [
        Note(
            CHANGED,
            "Gate basic auth (service-settings/gate.yml basicAuthEnabled/username/password) moved to "
            "`security.authn.basic`",
            src=("basicAuthEnabled",),
            out=("security", "authn", "basic"),
            src_file="service-settings/gate.yml",
            topic="Security",
        )
    ]
    if "password" in user:
        notes.append(Note(CHANGED, "", src=("password",), out=("security", "authn", "basic", "user", "password"),
                          src_file="service-settings/gate.yml", rename=True, topic="_path"))
    return Result(d, notes)


@overload
def prune_empty(d: dict, path: tuple = ()) -> tuple[dict, int]: ...
@overload
def prune_empty(d: object, path: tuple = ()) -> tuple[object, int]: ...
def prune_empty(d: object, path: tuple = ()) -> tuple[object, int]:
    """Drop nulls, empty lists and empty mappings Halyard writes for every unset field, and sections that
    say nothing but `enabled: false` (Halyard writes one for every provider, CI system, store...); (data, how many).
    A mapping stays a mapping, a list a list."""
    if isinstance(d, dict):
        kept, n = {}, 0
        for k, v in d.items():
            v2, m = prune_empty(v, path + (k,))
            n += m
            if v2 is None or v2 == [] or v2 == {} or v2 == {"enabled": False}:
                n += 1
                continue
            kept[k] = v2
        return kept, n
    if isinstance(d, list):
        items, n = [], 0
        for i, v in enumerate(d):
            v2, m = prune_empty(v, path + (i,))
            n += m
            if v2 is None:
                n += 1
                continue
            items.append(v2)
        return items, n
    return d, 0


TRANSFORMS = (
    drop_halyard_bookkeeping,
    telemetry,
    github_status,
    persistent_store,
    canary,
    saml,
    azure_ssh_key,
    provider_versions,
    security_flags,
    metric_stores,
    deck_notifications,
    primary_accounts,
    bakery_and_plugins,
)


# --------------------------------------------------------------------------------------------
# the strict validator decides what survives

#: What to do instead, for Halyard fields people actually set (by field name or dotted suffix).
ADVICE = {
    "features.artifacts": "artifacts are always on in Spinnaker >= 1.20; nothing to do",
    "features.artifactsRewrite": "a Deck flag: `window.spinnakerSettings.feature.artifactsRewrite = true;` in "
                                 "halconfig/profiles/settings-local.js",
    "features.mineCanary": "canary.enabled turns Kayenta on",
    "features.infrastructureStages": "a Deck flag: window.spinnakerSettings.feature.infrastructureStages in "
                                     "halconfig/profiles/settings-local.js",
    "features.travis": "ci.travis.enabled",
    "features.wercker": "ci.wercker.enabled",
    "configureImagePullSecrets": "only the V1 provider used it; nothing to do",
    "stagesEnabled": "a Deck flag (canary stages): window.spinnakerSettings.feature in "
                     "halconfig/profiles/settings-local.js",
    "atlasWebComponentsUrl": "Deck setting (canary.atlasWebComponentsUrl) in halconfig/profiles/settings-local.js",
    "reduxLoggerEnabled": "Deck debugging flag; nothing to do",
}


def _advice(path: tuple) -> str:
    keys = [p for p in path if isinstance(p, str)]
    for n in range(len(keys)):
        hit = ADVICE.get(".".join(keys[n:]))
        if hit:
            return hit
    svcs = services_reading(tuple(keys[:2]), render.SECTIONS)
    svcs = [s for s in svcs if s != "deck"]
    if svcs:
        return ("Kleat does not render it; if you relied on it, set the property the service reads in "
                + " / ".join(f"halconfig/profiles/{s}-local.yml" for s in svcs[:3]))
    return "Kleat does not render it; nothing reads it after the move"


def _no_equivalent(path: tuple) -> Note:
    return Note(
        DROPPED, f"`{path[-1]}` has no Kleat equivalent: {_advice(path)}", src=path, out=None, topic="Dropped fields"
    )


def _delete_path(d, path: tuple) -> bool:
    parent = get(d, path[:-1])
    if isinstance(parent, dict) and path[-1] in parent:
        del parent[path[-1]]
        return True
    if isinstance(parent, list) and isinstance(path[-1], int) and 0 <= path[-1] < len(parent):
        parent[path[-1]] = None  # keep indexes stable; pruned below
        return True
    return False


def _coerce(issue) -> tuple[object, str] | None:
    """(value, what was done) for a scalar of the wrong type with one obvious reading: `project: 12345` -> "12345"."""
    if issue.code not in ("wrong-type", "wrong-type-scalar", "yaml-1.1"):
        return None
    v, expected = issue.extra.get("value"), issue.extra.get("expected")
    if expected == "string" and isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v), "a number became a string"
    if expected == "string" and isinstance(v, bool):
        return str(v).lower(), "a boolean became a string"
    if expected == "boolean" and isinstance(v, str) and v.strip().lower() in ("true", "false"):
        return v.strip().lower() == "true", "a quoted true/false became a boolean"
    if expected == "integer" and isinstance(v, str) and v.strip().lstrip("+-").isdigit():
        return int(v.strip()), "a quoted number became an integer"
    return None


def unknown_paths(d, node=None, path=()) -> list[tuple]:
    """Paths of every key the schema has no place for (a cheap walk; the validator's did-you-mean hints cost more)."""
    node = hs.load_schema() if node is None else node
    out = []
    if isinstance(d, dict):
        for k, v in d.items():
            sub = hs.child(node, k) if isinstance(k, str) else None
            if sub is None:
                out.append(path + (k,))
            else:
                out.extend(unknown_paths(v, sub, path + (k,)))
    elif isinstance(d, list):
        sub = hs.child(node, 0)
        if sub is not None:
            for i, v in enumerate(d):
                out.extend(unknown_paths(v, sub, path + (i,)))
    return out


def drop_invalid(d: dict) -> Result:
    """Remove every field the strict validator rejects (unknown keys, values Kleat cannot read), with a note each."""
    d = copy.deepcopy(d)
    notes: list[Note] = []
    for path in unknown_paths(d):
        if _delete_path(d, path):
            notes.append(_no_equivalent(path))
    d, _n = prune_empty(d)
    for _ in range(8):  # removing a key can only reveal problems below it, never new ones above
        _, walk = validate(d)
        issues = [i for i in walk.issues]
        if not issues:
            break
        progressed = False
        for issue in sorted(issues, key=lambda i: len(i.path), reverse=True):
            path = tuple(issue.path)
            fixed = _coerce(issue)
            if path and fixed is not None and get(d, path) == issue.extra.get("value"):
                parent = get(d, path[:-1])
                parent[path[-1]] = fixed[0]
                progressed = True
                notes.append(
                    Note(
                        CHANGED,
                        f"`{path[-1]}`: {fixed[1]} (Kleat reads this field as {issue.extra.get('expected')})",
                        src=path,
                        out=path,
                        topic="Types",
                    )
                )
                continue
            if not path or not _delete_path(d, path):
                continue
            progressed = True
            if issue.code == "unknown-key":
                notes.append(_no_equivalent(path))
            else:
                # the validator's message may quote the value: keep only the field and the kind of problem
                notes.append(
                    Note(
                        DROPPED,
                        f"`{path[-1]}`: a value Kleat cannot read ({issue.code}); set it again by hand if it matters",
                        src=path,
                        out=None,
                        topic="Dropped fields",
                    )
                )
        d, _n = prune_empty(d)
        if not progressed:
            break
    return Result(d, notes)
