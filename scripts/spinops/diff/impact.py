"""What a halconfig change touches: changed sections, the services that read them, new credentials.

Pure: two canonical halconfig dicts (spinops.halconfig `Hal.data`), the service -> sections table
(`spinops.render.SECTIONS`, one fact in one place), and the two builds' wiring
(`BuildResult.wiring`: service -> {"env": [...], "secrets": [...], "files": [...]}) in; an `Impact` out.

- Sections are named by top-level and second-level path (`notifications.slack`, `security.authz`).
- A service is affected when one of its SECTIONS paths and a changed leaf path are prefixes of one
  another (`notifications.slack` matches a change at `notifications.slack.botName`).
- Credentials: for each affected service, the env vars, Secrets and credential files the new build
  wires into it that the base build did not: the Secrets a reviewer must make sure exist before
  merging. A section switched on (`enabled: false|absent -> true`) whose credential fields
  (`x-spinops-credential` in the halconfig schema) are not set at all is reported as missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Path_ = tuple[str, ...]


@dataclass
class Impact:
    sections: list[str]  # changed halconfig sections (dotted, at most 2 levels)
    services: dict[str, list[str]]  # section -> services that read it
    affected: list[str]  # union of services, sorted
    config_changed: list[str] = field(default_factory=list)  # services whose rendered config did change
    enabled: list[str] = field(default_factory=list)  # sections switched on
    disabled: list[str] = field(default_factory=list)  # sections switched off
    new_credentials: list[dict] = field(default_factory=list)  # {service, kind: env|secret|file, name, secret, source}
    missing_credentials: list[dict] = field(default_factory=list)  # {section, path}

    @property
    def empty(self) -> bool:
        return not self.sections

    def as_dict(self) -> dict:
        return {
            "sections": list(self.sections),
            "services": {k: list(v) for k, v in self.services.items()},
            "affected": list(self.affected),
            "config_changed": list(self.config_changed),
            "enabled": list(self.enabled),
            "disabled": list(self.disabled),
            "new_credentials": [dict(c) for c in self.new_credentials],
            "missing_credentials": [dict(c) for c in self.missing_credentials],
        }


def changed_leaves(a, b, path: Path_ = ()) -> list[Path_]:
    """Paths (dict keys only; a list counts as one value) where `a` and `b` differ."""
    if a == b:
        return []
    if isinstance(a, dict) and b is None or a is None and isinstance(b, dict):
        a, b = a or {}, b or {}  # a section added or removed: name what is inside it
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[Path_] = []
        for k in sorted(set(a) | set(b), key=str):
            out.extend(changed_leaves(a.get(k), b.get(k), (*path, str(k))))
        return out
    return [path]


def section_of(path: Path_) -> str:
    return ".".join(path[:2])


def _related(p: Path_, q: Path_) -> bool:
    n = min(len(p), len(q))
    return p[:n] == q[:n]


def services_reading(path: Path_, sections: dict[str, tuple[str, ...]]) -> list[str]:
    return sorted(svc for svc, paths in sections.items() if any(_related(path, tuple(s.split("."))) for s in paths))


def _get(d, path: Path_):
    for k in path:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def _switched(base: dict, head: dict, leaves: list[Path_]) -> tuple[list[str], list[str]]:
    on, off = set(), set()
    for p in leaves:
        if p and p[-1] == "enabled":
            was, now = _get(base, p) is True, _get(head, p) is True
            sec = ".".join(p[:-1])
            if now and not was:
                on.add(sec)
            elif was and not now:
                off.add(sec)
    return sorted(on), sorted(off)


def analyse(
    base: dict | None,
    head: dict | None,
    sections: dict[str, tuple[str, ...]],
    *,
    config_changed: list[str] | None = None,
    base_wiring: dict | None = None,
    head_wiring: dict | None = None,
    secrets: dict[str, dict] | None = None,
    credential_paths: list[Path_] | None = None,
) -> Impact:
    """The impact of changing halconfig `base` into `head`.

    secrets: Secret name -> {"source": ..., "env": [...], "files": [...]} (halconfig/secrets.yml).
    credential_paths: schema paths of credential fields (`x-spinops-credential`), `*` for list items.
    """
    leaves = changed_leaves(base or {}, head or {})
    by_section: dict[str, set[str]] = {}
    for p in leaves:
        by_section.setdefault(section_of(p), set()).update(services_reading(p, sections))
    names = sorted(by_section)
    services = {s: sorted(by_section[s]) for s in names}
    affected = sorted({svc for v in services.values() for svc in v})
    on, off = _switched(base or {}, head or {}, leaves)
    imp = Impact(
        sections=names,
        services=services,
        affected=affected,
        config_changed=sorted(config_changed or []),
        enabled=on,
        disabled=off,
    )
    if base_wiring is not None and head_wiring is not None:
        imp.new_credentials = _new_credentials(
            sorted(set(affected) | set(config_changed or [])), base_wiring, head_wiring, secrets or {}
        )
    if credential_paths:
        imp.missing_credentials = _missing_credentials(head or {}, on, credential_paths)
    return imp


def _owner(secrets: dict[str, dict], kind: str, name: str) -> tuple[str | None, str | None]:
    for sname in sorted(secrets):
        spec = secrets[sname] or {}
        if kind == "env" and name in (spec.get("env") or ()):
            return sname, spec.get("source")
        if kind == "file" and any(name == f or name.endswith("/" + f) for f in spec.get("files") or ()):
            return sname, spec.get("source")
        if kind == "secret" and name == sname:
            return sname, spec.get("source")
    return None, None


def _new_credentials(services: list[str], base_wiring: dict, head_wiring: dict, secrets: dict) -> list[dict]:
    out = []
    for svc in services:
        old, new = base_wiring.get(svc) or {}, head_wiring.get(svc) or {}
        for field_name, kind in (("env", "env"), ("files", "file")):
            for name in sorted(set(new.get(field_name) or ()) - set(old.get(field_name) or ())):
                secret, source = _owner(secrets, kind, name)
                out.append({"service": svc, "kind": kind, "name": name, "secret": secret, "source": source})
        mentioned = {c["secret"] for c in out if c["service"] == svc}
        for name in sorted(set(new.get("secrets") or ()) - set(old.get("secrets") or ()) - mentioned):
            secret, source = _owner(secrets, "secret", name)
            out.append({"service": svc, "kind": "secret", "name": name, "secret": secret or name, "source": source})
    return out


def _missing_credentials(head: dict, enabled: list[str], credential_paths: list[Path_]) -> list[dict]:
    """Credential fields of newly enabled sections that are not set; alternatives (a token OR a
    password of the same account) count as one group that is missing only when none is set."""
    out = []
    for sec in enabled:
        sp = tuple(sec.split("."))
        groups: dict[Path_, list[Path_]] = {}
        for cp in credential_paths:
            if cp[: len(sp)] == sp:
                groups.setdefault(cp[:-1], []).append(cp)
        for parent in sorted(groups):
            if "*" in parent and not _exists(head, parent):
                continue  # no list items at all (no accounts): nothing to authenticate
            if not any(_any_set(head, cp) for cp in groups[parent]):
                out.append({"section": sec, "path": " or ".join(".".join(cp) for cp in groups[parent])})
    return out


def _exists(d, path: Path_) -> bool:
    if not path:
        return d is not None
    head, rest = path[0], path[1:]
    if head == "*":
        return isinstance(d, list) and any(_exists(x, rest) for x in d)
    return isinstance(d, dict) and head in d and _exists(d[head], rest)


def _any_set(d, path: Path_) -> bool:
    """Is the credential at `path` (with `*` over list items) set anywhere?"""
    if not path:
        return d not in (None, "")
    head, rest = path[0], path[1:]
    if head == "*":
        return isinstance(d, list) and any(_any_set(x, rest) for x in d)
    if not isinstance(d, dict) or head not in d:
        return False
    return _any_set(d[head], rest)
