"""Apply the runtime contract to one service's effective properties (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from spinops import yamlio
from spinops.spinnaker.contract.properties import Properties, Value, canonical, flatten

UPSTREAM = "upstream"  # the source name of a service's own default properties (the catalog)

#: Properties kork itself defines before any file is read (kork v7.245.1
#: kork-config/src/main/java/com/netflix/spinnaker/kork/boot/DefaultPropertiesBuilder.java:28-36).
KORK_DEFAULTS = ("netflix.environment", "netflix.account", "netflix.stack", "spring.config.name",
                 "spring.config.import", "spring.profiles.active", "spring.profiles.include")
#: JVM system properties (always set by the JVM) and Spring Boot's own application name.
_SYSTEM = re.compile(r"^(user|java|os|file|line|path)\.|^spring\.application\.name$")
#: `${NAME}` written in UPPER_SNAKE_CASE is an environment variable: the placeholders-resolvable rule checks those.
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


@dataclass(frozen=True)
class Violation:
    rule: str  # a requirement's id, `unresolvable-reference` or `removed-property`
    service: str
    message: str
    hint: str
    at: Value | None  # where the offending (or triggering) value was set; None: nowhere (a missing property)
    upstream: tuple[str, ...] = ()
    severity: str = "error"  # a removed property, or a row that rests on a guess (`severity:` in the table): warning


@cache
def requirements() -> tuple[dict, ...]:
    text = resources.files("spinops.spinnaker.contract").joinpath("requirements.yml").read_text(encoding="utf-8")
    return tuple(yamlio.loads_fast(text, "requirements.yml")["requirements"])


@cache
def removed_properties() -> dict[str, tuple[str, str | None, str]]:
    """canonical name -> (name, replacement, Spring Boot source) of every property Spring Boot 2.7 removed."""
    text = resources.files("spinops.spinnaker.contract").joinpath("spring_boot_removed.yml").read_text(encoding="utf-8")
    # yaml-rs: ~5x faster than PyYAML on this 60 kB table, and reads it alike (tests/test_package_yaml.py)
    data = yamlio.loads_fast(text, "spring_boot_removed.yml")["removed"]
    return {canonical(name): (name, row.get("replacement"), row["source"]) for name, row in data.items()}


def _condition_holds(cond: dict, props: Properties, facts: frozenset[str]) -> tuple[bool, Value | None]:
    if "fact" in cond:
        return cond["fact"] in facts, None
    if "each" in cond:
        return _each_holds(cond, props)
    name = cond["property"]
    at = props.origin(name)
    if cond.get("is") is True:
        return props.truthy(name), at
    if cond.get("is") == "not-false":
        return props.not_false(name), at
    if "equals" in cond:
        value, _ = props.resolve(name)
        return isinstance(value, str) and value.strip().lower() == str(cond["equals"]).lower(), at
    if cond.get("set") is True:
        value, missing = props.resolve(name)
        return _filled(value, missing), at
    raise ValueError(f"unknown condition {cond!r}")


def _each_holds(cond: dict, props: Properties) -> tuple[bool, Value | None]:
    """{each: LIST, property: FIELD, set: true}: every item of the list has the field (a list of accounts binds to
    objects whose missing field is null). A list that is not there holds: another row requires the list."""
    at = props.origin(cond["each"])
    items, _ = props.resolve(cond["each"])
    field = canonical(cond["property"])
    for item in items if isinstance(items, list) else []:
        fields = {canonical(str(k)): v for k, v in item.items()} if isinstance(item, dict) else {}
        if not _filled(*props.resolve_text(fields.get(field))):
            return False, at
    return True, at


def _filled(value: object, missing: list[str]) -> bool:
    """Set and not empty after resolving `${...}` (an environment variable counts: it is checked elsewhere)."""
    return value not in (None, "") and all(_provided(m) for m in missing)


def _all_hold(conds: dict | list[dict], props: Properties, facts: frozenset[str]) -> tuple[bool, Value | None]:
    """A `when` or `require`: one condition, or a list that must all hold (an `&&` in a @ConditionalOnExpression).
    Returns whether they hold and a value to point at: the first failing condition's, else the first one's."""
    first = None
    for cond in conds if isinstance(conds, list) else [conds]:
        holds, at = _condition_holds(cond, props, facts)
        if not holds:
            return False, at
        first = first or at
    return True, first


def _requirements(service: str, props: Properties, facts: frozenset[str]) -> list[Violation]:
    out = []
    for row in requirements():
        if row["service"] != service:
            continue
        applies, trigger = _all_hold(row["when"], props, facts) if "when" in row else (True, None)
        if not applies:
            continue
        ok, at = _all_hold(row["require"], props, facts)
        if not ok:
            where = at if at is not None and at.source != UPSTREAM else trigger  # point at a line we wrote
            out.append(
                Violation(
                    row["id"],
                    service,
                    row["message"],
                    row["hint"],
                    where or at,
                    tuple(row.get("upstream", ())),
                    row.get("severity", "error"),
                )
            )
    return out


def _provided(ref: str) -> bool:
    return ref in KORK_DEFAULTS or bool(_SYSTEM.match(ref)) or bool(_ENV_NAME.match(ref))


def _unresolvable(service: str, props: Properties) -> list[Violation]:
    """References nothing resolves. Spring resolves a value only when a bean reads it, so a service's own
    defaults count only for references into `services.*`, the service discovery spinops owns (keel binds
    `front50.enabled: ${services.front50.enabled}` unconditionally); a reference that we write always counts."""
    out = []
    for value in props.values.values():
        if not isinstance(value.value, str) or "${" not in value.value:
            continue
        if value.source == UPSTREAM and "${services." not in value.value:
            continue
        _, missing = props.resolve_text(value.value)
        for ref in sorted(
            {m for m in missing if not _provided(m) and (value.source != UPSTREAM or m.startswith("services."))}
        ):
            where = "its own defaults" if value.source == UPSTREAM else value.source
            out.append(
                Violation(
                    "unresolvable-reference",
                    service,
                    f"{value.key}: ${{{ref}}} has no default and nothing defines {ref} ({where}); Spring cannot "
                    "resolve it and the "
                    "bean that reads it fails at start",
                    f"define {ref} (for services.<svc>.* that is spinnaker.yml, which spinops build writes) or give "
                    "the reference a default",
                    value,
                )
            )
    return out


def _removed(service: str, props: Properties) -> list[Violation]:
    gone = removed_properties()
    out = []
    for key, value in props.values.items():
        if value.source == UPSTREAM or key not in gone:
            continue
        name, replacement, source = gone[key]
        message = f"{value.key} is not a Spring Boot 2.7 property ({name} was removed); Spring ignores it silently"
        hint = f"write {replacement} instead" if replacement else "remove it: Spring Boot names no replacement"
        out.append(
            Violation(
                "removed-property", service, message, hint, value, (f"spring-projects/spring-boot {source}",), "warning"
            )
        )
    return out


def evaluate(
    service: str, props: Properties, facts: frozenset[str] = frozenset(), *, defaults_known: bool = True
) -> list[Violation]:
    """Every contract violation of one service instance, in a stable order.

    defaults_known=False: the service's own defaults are not recorded for its release (the catalog keeps them
    for the pinned line only), so the families that depend on them (requirements, references) are skipped
    rather than guessed; removed properties are still reported."""
    found = _removed(service, props)
    if defaults_known:
        found += _requirements(service, props, facts) + _unresolvable(service, props)
    return sorted(found, key=lambda v: (v.rule, v.at.source if v.at else "", v.at.key if v.at else ""))


def load(service: str, *, defaults: dict | None, files: dict[str, dict], profiles: list[str],
         env: dict[str, str]) -> Properties:
    """The effective properties of `service` (see properties.py for the order).

    defaults: the catalog's {properties, profiles} for the service (None: unknown release);
    files: config file name -> parsed data (spinnaker.yml, <svc>.yml, <svc>-<profile>.yml ...).
    """
    props = Properties()
    if defaults:
        props.add(UPSTREAM, defaults.get("properties") or {})
        for p in profiles:
            props.add(UPSTREAM, (defaults.get("profiles") or {}).get(p) or {})
    for name in (
        "spinnaker.yml",
        f"{service}.yml",
        *(f for p in profiles for f in (f"spinnaker-{p}.yml", f"{service}-{p}.yml")),
    ):
        if isinstance(files.get(name), dict):
            props.add(name, flatten(files[name], lists=False))
    props.add_env(env)
    return props
