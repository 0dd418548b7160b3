"""A Spring service's effective properties, loaded the way kork and Spring Boot 2.7 load them (pure).

Sources, lowest precedence first (each later one wins for the same property):
1. the service's upstream defaults, `<svc>-web/config/<svc>.yml` at the release's tag (the catalog),
   then the documents of that file activated by the active profiles;
2. `spinnaker.yml`, then `<svc>.yml`: kork sets `spring.config.name` to `spinnaker,${spring.application.name}`
   (kork v7.245.1 kork-config/.../boot/DefaultPropertiesBuilder.java:31), and a later name wins;
3. for each active profile in `SPRING_PROFILES_ACTIVE` order, `spinnaker-<profile>.yml` then
   `<svc>-<profile>.yml` (the last profile, `local`, wins);
4. the container's plain environment variables (relaxed binding: `SERVICES_CLOUDDRIVER_BASEURL` ->
   services.clouddriver.baseurl, `GCB_ACCOUNTS_0_NAME` -> gcb.accounts[0].name), then `SPRING_APPLICATION_JSON`,
   which Spring Boot puts above them (v2.7.18 docs features/external-config.adoc:18-23).

Names are compared in a relaxed canonical form (Spring's relaxed binding: case, `-` and `_` do not
matter), so `server.tomcat.remoteIpHeader`, `server.tomcat.remote-ip-header` and
`SERVER_TOMCAT_REMOTEIPHEADER` are one property. Each value keeps its origin (the file and the key as
written there), so a finding can point at the line that set it.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass


def canonical(name: str) -> str:
    """Relaxed-binding form of a property name: lower case, no `-` or `_`; an environment variable's `_` is a `.`
    and its numeric parts are list indexes (Spring Boot v2.7.18 SystemEnvironmentPropertyMapper.java:88-100)."""
    if name.isupper() or (name.upper() == name and "_" in name):
        name = ".".join(f"[{part}]" if part.isdigit() else part for part in name.lower().split("_"))
        name = name.replace(".[", "[")
    return name.lower().replace("-", "").replace("_", "")


#: kork's `spring.profiles.active` when nothing sets it: `${netflix.environment},local`, netflix.environment `test`
#: (kork v7.245.1 kork-config/.../boot/DefaultPropertiesBuilder.java:28,33).
KORK_PROFILES = ("test", "local")


def active_profiles(env: dict[str, str]) -> list[str]:
    """The Spring profiles of a container, in order: its SPRING_PROFILES_ACTIVE, else kork's default."""
    listed = env.get("SPRING_PROFILES_ACTIVE")
    if listed is None:
        return list(KORK_PROFILES)
    return [p.strip() for p in listed.split(",") if p.strip()]


@dataclass(frozen=True)
class Value:
    value: object
    source: str  # the file (or env var) that set it
    key: str  # the property as written there (dotted)


def flatten(data: object, prefix: str = "", *, lists: bool = True) -> dict[str, object]:
    """Nested YAML data -> {dotted.key: scalar}; list items as key[i], or (lists=False) a list as one value.

    The contract reads no property inside a list (accounts, repositories...), and a config of thousands of
    accounts would otherwise become hundreds of thousands of properties."""
    out: dict[str, object] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k), lists=lists))
    elif isinstance(data, list) and lists:
        for i, v in enumerate(data):
            out.update(flatten(v, f"{prefix}[{i}]"))
    elif prefix:
        out[prefix] = data
    return out


class Properties:
    """The effective properties of one service instance: canonical name -> Value (highest source wins)."""

    def __init__(self) -> None:
        self.values: dict[str, Value] = {}

    def add(self, source: str, flat: dict[str, object]) -> None:
        for key, value in flat.items():
            self.values[canonical(key)] = Value(value, source, key)

    def add_env(self, env: dict[str, str]) -> None:
        """Literal container variables, then SPRING_APPLICATION_JSON (it wins over them; its keys keep their case)."""
        for name, value in env.items():
            if name != "SPRING_APPLICATION_JSON" and re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
                self.values[canonical(name)] = Value(value, f"env {name}", name)
        if "SPRING_APPLICATION_JSON" in env:
            with contextlib.suppress(ValueError, TypeError):  # not JSON: Spring itself refuses it at start
                self.add("env SPRING_APPLICATION_JSON", flatten(json.loads(env["SPRING_APPLICATION_JSON"])))

    def get(self, name: str) -> Value | None:
        return self.values.get(canonical(name))

    def origin(self, name: str, depth: int = 0) -> Value | None:
        """Where the property's value really comes from: through `${ref}` chains of the service's own defaults
        (echo's `igor.enabled: ${services.igor.enabled:false}`) to the first value we wrote, else the value itself."""
        v = self.get(name)
        if v is None or depth > 10 or v.source != "upstream" or not isinstance(v.value, str):
            return v
        m = re.fullmatch(r"\$\{([^:}]+)(?::[^}]*)?\}", v.value.strip())
        deeper = self.origin(m.group(1), depth + 1) if m else None
        return deeper if deeper is not None and deeper.source != "upstream" else v

    def resolve(self, name: str) -> tuple[object, list[str]]:
        """The value with every `${ref:default}` resolved, and the references that resolved to nothing."""
        v = self.get(name)
        if v is None:
            return None, []
        return self.resolve_text(v.value)

    def resolve_text(self, value: object, depth: int = 0) -> tuple[object, list[str]]:
        if not isinstance(value, str) or "${" not in value or depth > 10:
            return value, []
        missing: list[str] = []
        out, i = [], 0
        while (start := value.find("${", i)) >= 0:
            end = _closing(value, start)
            if end < 0:
                break
            out.append(value[i:start])
            ref, sep, default = value[start + 2:end].partition(":")
            target = self.get(ref)
            if target is not None:
                resolved, inner = self.resolve_text(target.value, depth + 1)
                missing += inner
                out.append("" if resolved is None else _text(resolved))
            elif sep:
                resolved, inner = self.resolve_text(default, depth + 1)
                missing += inner
                out.append(_text(resolved))
            else:
                missing.append(ref)
                out.append(value[start:end + 1])  # kept as written: it may come from the environment at run time
            i = end + 1
        out.append(value[i:])
        return "".join(out), missing

    def truthy(self, name: str) -> bool:
        """Spring's conversion of the property to a boolean (`true`, any case); unset is false."""
        value, _ = self.resolve(name)
        return _text(value).strip().lower() == "true"

    def not_false(self, name: str) -> bool:
        """How @ConditionalOnProperty without havingValue matches: defined and not `false`, any case (Spring Boot
        v2.7.18 OnPropertyCondition.java:134-139). `${name:false}` in a @ConditionalOnExpression is `truthy`."""
        value, _ = self.resolve(name)
        return value is not None and _text(value).strip().lower() != "false"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _closing(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text.startswith("${", i):
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1
