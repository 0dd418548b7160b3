"""The upgrade report of one environment (pure: the two builds and the catalog in, a Report out).

What it says, each from its own source:
- services the release adds or removes, and each running service's version and image (the catalog; the
  images as the two builds set them, so an overlay's pin shows);
- the upstream default properties that changed between the two releases and that this installation sets
  or relies on (the catalog's defaults: `<svc>-web/config/<svc>.yml` at each service's tag); a service
  whose defaults the catalog does not record for either release is named, never guessed;
- the halconfig schema: spinops has one (Kleat's), not one per release, and the report says so;
- the runtime-contract findings the new release brings (the contract run on both builds; only new ones);
- the data migrations between the two releases that a revert does not undo (migrations.yml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

from spinops.check import k8s
from spinops.check.rules import Context
from spinops.check.rules.runtime_contract import Instance, instances, violations
from spinops.spinnaker.catalog import Catalog, Release
from spinops.spinnaker.contract.evaluate import UPSTREAM, requirements
from spinops.spinnaker.contract.properties import canonical, flatten
from spinops.spinnaker.services import SERVICE_LABEL, service_of_deployment
from spinops.upgrade.versions import key

SCHEMA_NOTE = (
    "spinops validates every release against one halconfig schema (Kleat's, scripts/spinops/halconfig/"
    "halconfig.schema.json); it keeps no schema per Spinnaker release, so no halconfig field is known to be "
    "removed or renamed by this upgrade"
)
_REF = re.compile(r"\$\{([^:}]+)")


@dataclass(frozen=True)
class Side:
    """One build of the environment: its release and manifests, or the problems that stopped it."""

    version: str
    docs: list[dict] | None  # None: the build failed (errors below)
    errors: tuple = ()  # the runtime-contract errors that stopped the build (spinops.errors.Problem)


@dataclass
class Report:
    env: str
    old: str
    new: str
    kind: str  # patch | minor
    services: list[dict] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    defaults: list[dict] = field(default_factory=list)  # changed defaults this installation sets or relies on
    defaults_other: int = 0  # changed defaults it neither sets nor relies on
    defaults_unknown: list[dict] = field(default_factory=list)  # {service, missing: [versions]}
    schema: str = SCHEMA_NOTE
    contract: list[dict] = field(default_factory=list)  # new findings
    migrations: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    builds: bool = True  # the new release builds (else `contract` holds the errors that stop it)

    @property
    def version_changes(self) -> list[dict]:
        return [s for s in self.services if s["runs"] and s["old"] != s["new"]]

    @property
    def unsafe(self) -> list[dict]:
        return [m for m in self.migrations if m["applies"]]

    def summary(self) -> str:
        """One line: `1.36.1 → 1.36.3: 4 services change version, 1 default you rely on changed`."""
        n = len(self.version_changes)
        parts = [f"{n} service{'s' if n != 1 else ''} change{'' if n != 1 else 's'} version"]
        if self.added or self.removed:
            parts.append(f"{len(self.added)} added, {len(self.removed)} removed by the release")
        d = len(self.defaults)
        parts.append(f"{d} default{'s' if d != 1 else ''} you set or rely on changed")
        if self.defaults_unknown:
            u = len(self.defaults_unknown)
            parts.append(f"defaults not recorded for {u} service{'s' if u != 1 else ''}")
        c = len(self.contract)
        if c:
            parts.append(f"{c} new runtime-contract finding{'s' if c != 1 else ''}")
        if not self.builds:
            parts.append("the new release does not build")
        u = len(self.unsafe)
        if u:
            parts.append(f"{u} data migration{'s' if u != 1 else ''} make{'s' if u == 1 else ''} a revert unsafe")
        return f"{self.old} → {self.new}: {', '.join(parts)}"

    def as_dict(self) -> dict:
        return {
            "env": self.env,
            "from": self.old,
            "to": self.new,
            "kind": self.kind,
            "summary": self.summary(),
            "services": self.services,
            "added": self.added,
            "removed": self.removed,
            "defaults": {"changed": self.defaults, "other_changed": self.defaults_other,
                         "unknown": self.defaults_unknown},
            "schema": self.schema,
            "contract": {"builds": self.builds, "new": self.contract},
            "migrations": self.migrations,
            "notes": self.notes,
        }


@cache
def migrations() -> tuple[dict, ...]:
    text = resources.files("spinops.upgrade").joinpath("migrations.yml").read_text(encoding="utf-8")
    return tuple(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["migrations"])


def _instances(docs: list[dict] | None) -> list[Instance]:
    return list(instances(Context(resources=docs))) if docs else []


def _images(docs: list[dict] | None) -> dict[str, str]:
    """service -> the image of its Deployment (the first by name: HA shards run one image), for every Spinnaker
    service that runs (deck included, which the runtime contract leaves out)."""
    out: dict[str, str] = {}
    deployments = [d for d in docs or () if d.get("kind") == "Deployment" and _name(d)]
    for dep in sorted(deployments, key=_name):
        labels = (dep.get("metadata") or {}).get("labels") or {}
        svc = labels.get(SERVICE_LABEL) if isinstance(labels, dict) else None
        svc = svc if isinstance(svc, str) else service_of_deployment(_name(dep))
        containers = [c for c, _ in k8s.containers(dep, init=False)]
        main = next((c for c in containers if c.get("name") == svc), containers[0] if containers else None)
        if svc and main is not None:
            out.setdefault(svc, str(main.get("image") or ""))
    return out


def _name(resource: dict) -> str:
    meta = resource.get("metadata")
    return str(meta.get("name") or "") if isinstance(meta, dict) else ""


def _services(old: Release, new: Release, before: list[dict] | None, after: list[dict] | None) -> list[dict]:
    img_old, img_new = _images(before), _images(after)
    running = set(img_old) | set(img_new)
    out = []
    for svc in sorted(set(old.services) | set(new.services) | running):
        out.append({
            "service": svc,
            "runs": svc in running,
            "old": old.services.get(svc),
            "new": new.services.get(svc),
            "image_old": img_old.get(svc),
            "image_new": img_new.get(svc),
        })
    return out


def _touched(insts: list[Instance]) -> dict[str, dict[str, str]]:
    """service -> {canonical property: how the installation touches it}: `set` (one of its files or the
    Deployment's environment writes it) or `relied` (a value it writes refers to it, or a runtime-contract
    requirement reads it)."""
    out: dict[str, dict[str, str]] = {}
    rows: dict[str, set[str]] = {}
    for row in requirements():
        for name in _read_by(row.get("when")) + _read_by(row.get("require")):
            rows.setdefault(row["service"], set()).add(canonical(name))
    for i in insts:
        mine = out.setdefault(i.service, {})
        for name in rows.get(i.service, ()):
            mine.setdefault(name, "relied")
        for name, value in i.props.values.items():
            if value.source == UPSTREAM:
                continue
            mine[name] = "set"
            for ref in _REF.findall(value.value) if isinstance(value.value, str) else ():
                mine.setdefault(canonical(ref), "relied")
    return out


def _read_by(cond: object) -> list[str]:
    """The properties a requirement's condition reads: `{property}`, `{each: LIST, ...}` (the list), or a list
    of conditions (requirements.yml's row fields)."""
    if isinstance(cond, list):
        return [name for c in cond for name in _read_by(c)]
    if not isinstance(cond, dict):
        return []
    return [cond["each"]] if "each" in cond else [cond["property"]] if "property" in cond else []


def _flat_defaults(defaults: dict, profiles: set[str]) -> dict[str, tuple[str, object]]:
    """canonical name -> (name as written, value) of a service's defaults, its active profiles' documents
    included (as `<name> (profile p)`)."""
    out: dict[str, tuple[str, object]] = {}
    for k, v in flatten(defaults.get("properties") or {}).items():
        out[canonical(k)] = (k, v)
    for p in sorted(profiles):
        for k, v in flatten((defaults.get("profiles") or {}).get(p) or {}).items():
            out[f"{canonical(k)}@{p}"] = (f"{k} (profile {p})", v)
    return out


def _defaults(report: Report, old: Release, new: Release, insts: list[Instance]) -> None:
    touched = _touched(insts)
    profiles: dict[str, set[str]] = {}
    for i in insts:
        profiles.setdefault(i.service, set()).update(i.profiles)
    for svc in sorted(touched):
        if svc not in old.services and svc not in new.services:
            continue  # keel: in no release, no defaults
        missing = [r.version for r in (old, new) if svc not in r.defaults]
        if missing:
            report.defaults_unknown.append({"service": svc, "missing": missing})
            continue
        a = _flat_defaults(old.defaults[svc], profiles[svc])
        b = _flat_defaults(new.defaults[svc], profiles[svc])
        for name in sorted(set(a) | set(b)):
            was, now = a.get(name, (None, None)), b.get(name, (None, None))
            if name in a and name in b and was[1] == now[1]:
                continue
            how = touched[svc].get(name.split("@", 1)[0])
            if how is None:
                report.defaults_other += 1
                continue
            report.defaults.append({
                "service": svc,
                "property": now[0] or was[0],
                "old": _shown(was[1], name in a),
                "new": _shown(now[1], name in b),
                "how": how,
                "upstream": _upstream(svc, old, new),
            })


def _shown(value: object, present: bool) -> str:
    if not present:
        return "(not set)"
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _upstream(svc: str, old: Release, new: Release) -> str:
    file = new.defaults[svc].get("file") or old.defaults[svc].get("file") or f"{svc}-web/config/{svc}.yml"
    return f"spinnaker/{svc} {file} v{old.services[svc]} → v{new.services[svc]}"


def _finding_key(f: dict) -> tuple[str, str, str]:
    return (f["rule"], f["service"], f["message"])


def _contract(side: Side) -> list[dict]:
    if side.docs is None:
        return [{"rule": (p.code or "").removeprefix("contract:"), "service": p.message.split(":", 1)[0],
                 "severity": p.severity, "message": p.message.split(": ", 1)[-1], "where": p.where()}
                for p in side.errors]
    found = violations(Context(resources=side.docs))
    out = []
    for (kind, name), items in sorted(found.items()):
        for v, _ in items:
            where = "" if v.at is None or v.at.source == UPSTREAM else f"{v.at.source} {v.at.key}"
            out.append({"rule": v.rule, "service": v.service, "severity": v.severity, "message": v.message,
                        "where": f"{kind}/{name}" + (f" ({where})" if where else "")})
    return out


def _migrations(old: str, new: str, insts: list[Instance]) -> list[dict]:
    by_service = {i.service: i for i in insts}
    out = []
    for row in migrations():
        if not key(old) < key(row["release"]) <= key(new):
            continue
        inst = by_service.get(row["service"])
        prop = (row.get("when") or {}).get("property")
        if inst is None:
            applies, why = False, f"{row['service']} does not run here"
        elif prop is None:
            applies, why = True, f"{row['service']} runs here"
        else:
            applies = inst.props.truthy(prop)
            why = f"{prop} is {'true' if applies else 'not true'} in {row['service']}'s configuration"
        out.append({**{k: row[k] for k in ("release", "service", "kind", "what", "revert", "source")},
                    "repository": "spinnaker/spinnaker.io", "applies": applies, "why": why})
    return out


def build_report(env: str, kind: str, before: Side, after: Side, catalog: Catalog | None = None) -> Report:
    """The report of moving `env` from `before.version` to `after.version` (releases from `catalog`, the
    package's by default)."""
    cat = catalog or Catalog.package()
    old, new = cat.release(before.version), cat.release(after.version)
    report = Report(env, old.version, new.version, kind)
    insts_before, insts_after = _instances(before.docs), _instances(after.docs)
    report.services = _services(old, new, before.docs, after.docs)
    report.added = sorted(set(new.services) - set(old.services))
    report.removed = sorted(set(old.services) - set(new.services))
    _defaults(report, old, new, insts_after or insts_before)
    known = {_finding_key(f) for f in _contract(before)}
    report.builds = after.docs is not None
    report.contract = [f for f in _contract(after) if _finding_key(f) not in known]
    report.migrations = _migrations(old.version, new.version, insts_after or insts_before)
    return report



def summary_line(env: str, old: str | None, new: str | None, old_manifests: str, new_manifests: str) -> str | None:
    """The report's summary line for a PR that moves `env` from release `old` to `new` (both built), else None:
    the PR comment starts with it (spinops.pr)."""
    from spinops.manifests import load_documents  # noqa: PLC0415 start-up: yaml-rs, only when a release moves
    from spinops.spinnaker.catalog import UnknownRelease, known_versions  # noqa: PLC0415 start-up: as above

    if not old or not new or old == new or old not in known_versions() or new not in known_versions():
        return None
    try:
        kind = "downgrade" if key(new) < key(old) else "patch" if old.rsplit(".", 1)[0] == new.rsplit(".", 1)[0] \
            else "minor"
        before, after = Side(old, load_documents(old_manifests)), Side(new, load_documents(new_manifests))
        return f"spinops upgrade: {build_report(env, kind, before, after).summary()}"
    except UnknownRelease:
        return None
