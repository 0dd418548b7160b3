"""Credential wiring: which Secret each service needs, decided from the config it will read.

Credentials never live in Git. The halconfig (and profiles, and patches) hold `${NAME}`
placeholders, which Spring resolves from environment variables, and paths of credential files.
`halconfig/secrets.yml` says, by name only, which Kubernetes Secret holds each key and which
Secret is mounted where. From the final config files of every service this module derives:

- env credentials: every `${NAME}` (or `${NAME:default}`) whose NAME is declared in secrets.yml
  or is UPPER_SNAKE_CASE. Other references, such as `${services.redis.baseUrl}`, are Spring
  property references and are left alone.
- file credentials: every string value that names a file of a declared Secret
  (`<mountPath>/<file>`), and every credential-file field of the halconfig.

and refuses to build when a credential could leak or be missing:
- a placeholder no Secret declares (an undeclared UPPER_SNAKE name with a `:default` is a warning);
- a literal value in a credential field of the halconfig (schema `x-spinops-credential`), or under a
  password/secret/token-like key in a profile or patch: it would end up in a ConfigMap;
- a credential-file path no Secret mounts;
- any credential in Deck's settings.js / settings-local.js (served to every browser).
A declared key or file that nothing uses is a warning.

What a credential is (placeholder syntax, credential keys, the schema's credential fields) and the
secrets.yml model live in spinops.credentials, shared with check, diff, apply and migrate.

Deck is not a Spring service: nothing is wired into it except what deck.env needs (its TLS files,
and PASSPHRASE as an env var from a Secret key, never through a ConfigMap).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spinops.credentials import (
    PLACEHOLDER,
    SECRET_REFERENCE,
    SECRETS_FILE,
    SecretDecl,
    SecretInventory,
    credential_values,
    find_placeholders,
    is_env_credential,
    literal_credentials,
    literal_default,
    load_secrets,
    parse_secrets,
    string_paths,
    strings,
)
from spinops.errors import Problem

DECK_SETTINGS = ("settings.js", "settings-local.js")
DECK_ENV = "deck.env"
DECK_PASSPHRASE = "PASSPHRASE"

__all__ = ["SECRETS_FILE", "SecretDecl", "SecretInventory", "find_placeholders", "is_env_credential", "load_secrets",
           "parse_secrets", "plan", "check_halconfig", "Locate", "ServiceWiring"]


# --------------------------------------------------------------------------------------------
# placeholders


def _scan(obj: Any, inventory: SecretInventory) -> tuple[dict[str, bool], list[str]]:
    """One pass over a file's strings: placeholders (NAME -> every use has a default) and the
    strings that name a path under a declared Secret mount."""
    defaults: dict[str, bool] = {}
    refs: list[str] = []
    mounts = tuple(d.mount_path.rstrip("/") + "/" for d in inventory.secrets.values() if d.mount_path)
    for s in strings(obj):
        if "${" in s:
            for m in PLACEHOLDER.finditer(s):
                defaults[m.group(1)] = defaults.get(m.group(1), True) and m.group(2) is not None
        elif mounts and s.startswith(mounts):
            refs.append(s)
    return defaults, refs


def dotted(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def services_reading(path: tuple, sections: dict[str, tuple[str, ...]]) -> list[str]:
    """Services whose halconfig sections contain `path` (or lie inside it)."""
    keys = [p for p in path if isinstance(p, str)]
    d = ".".join(keys)
    out = []
    for svc, secs in sections.items():
        for s in secs:
            if d == s or d.startswith(s + ".") or s.startswith(d + "."):
                out.append(svc)
                break
    return sorted(out)


# --------------------------------------------------------------------------------------------
# the plan


@dataclass
class ServiceWiring:
    service: str
    env_from: list[str] = field(default_factory=list)  # Secrets whose every key the service uses
    env_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (env var, Secret, key)
    # (Secret, mountPath, keys); keys is None when the service uses every file of the Secret
    volumes: list[tuple[str, str, list[str] | None]] = field(default_factory=list)
    env_names: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.env_from or self.env_keys or self.volumes)

    def summary(self) -> dict:
        secrets = sorted(set(self.env_from) | {s for _, s, _ in self.env_keys} | {s for s, _, _ in self.volumes})
        return {"env": sorted(self.env_names), "secrets": secrets, "files": sorted(self.files)}


#: Where a value of a service's config file was written: (service, file name, path in its data, the text of the
#: value looked for) -> (file, line, column), or None. The build passes where each of its items' values came from
#: (spinops.build.origin); without one, problems name no file.
Locate = Callable[[str, str, tuple, str | None], tuple[str, int | None, int | None] | None]


def _nowhere(service: str, fname: str, path: tuple, needle: str | None) -> None:
    return None


def _first_use(data: Any, placeholder: str | None = None, value: str | None = None) -> tuple | None:
    """The path of the first string of `data` that uses `${placeholder}` (by name: `${TOKEN}` is no use of
    `${TOKEN_2}`) or equals `value`."""
    for path, s in string_paths(data):
        if s == value or (placeholder is not None and "${" in s
                          and any(m.group(1) == placeholder for m in PLACEHOLDER.finditer(s))):
            return path
    return None


def _mount_name(inventory, path: str) -> str:
    """The Secret whose mountPath holds `path` (file references are only collected under one)."""
    decl = inventory.mount_of(path)
    return decl.name if decl is not None else "?"


def _problem(origin_loc, message, hint=None, code=None, severity="error", services=()) -> Problem:
    f, line, col = origin_loc
    return Problem(
        message,
        file=f,
        line=line,
        column=col,
        hint=hint,
        code=code,
        severity=severity,
        extra={"services": list(services)} if services else {},
    )


def check_halconfig(
    hal_data: dict, inventory: SecretInventory, locate, sections: dict[str, tuple[str, ...]], schema: dict | None = None
) -> list[Problem]:
    """Literal values in credential fields and undeclared credential files, before anything is rendered.

    Messages never include a credential's value.
    """
    problems: list[Problem] = []
    for path, kind, value in credential_values(hal_data, schema):
        if not isinstance(value, str) or value == "":
            continue
        default = kind == "credential" and literal_default(value)
        if (PLACEHOLDER.search(value) and not default) or SECRET_REFERENCE.match(value):
            continue
        if kind == "credential-file" and value in inventory.file_owner:
            continue
        # a problem: only now pay for positions (locating re-parses the file on first use)
        loc = locate(path) or (None, None, None)
        svcs = services_reading(path, sections)
        used_by = f" (read by {', '.join(svcs)})" if svcs else ""
        if kind == "credential":
            what = "a literal credential as a placeholder's default" if default else "a literal credential"
            fix = (
                "remove the `:default` of the placeholder"
                if default
                else f"replace the value by a placeholder such as ${{{_suggest_name(path)}}}"
            )
            problems.append(
                _problem(
                    loc,
                    f"{dotted(path)} holds {what}{used_by}: it would end up in a ConfigMap",
                    hint=f"{fix} and declare that key in {SECRETS_FILE}",
                    code="literal-credential",
                    services=svcs,
                )
            )
        else:
            decl = inventory.mount_of(value)
            if decl:
                hint = f"add {value.rsplit('/', 1)[1]!r} to the `files:` of Secret {decl.name} in {SECRETS_FILE}"
            else:
                d, _, f = value.rpartition("/")
                hint = f"declare it in {SECRETS_FILE}, e.g. a Secret with mountPath: {d or '/'} and files: [{f}]"
            problems.append(
                _problem(
                    loc,
                    f"credential file {value} ({dotted(path)}){used_by} is not in any Secret",
                    hint=hint,
                    code="undeclared-credential-file",
                    services=svcs,
                )
            )
    return problems


def _suggest_name(path: tuple) -> str:
    words = [p for p in path if isinstance(p, str)][-2:]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", "_".join(words)).upper().replace("__", "_")


@dataclass
class _Uses:
    """What plan gathers over every service before it reports: who uses which key, and what is wrong."""

    env: dict[str, set[str]] = field(default_factory=dict)  # NAME -> services
    file: dict[str, set[str]] = field(default_factory=dict)  # credential file path -> services
    undeclared: dict[str, set[str]] = field(default_factory=dict)  # NAME -> services
    undeclared_default: dict[str, set[str]] = field(default_factory=dict)
    browser: dict[str, set[str]] = field(default_factory=dict)  # NAME -> deck files
    literals: dict[tuple, set[str]] = field(default_factory=dict)  # (file, path) -> services
    used_in: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # NAME -> (service, file) using it


def plan(
    service_files: dict[str, dict[str, Any]],
    inventory: SecretInventory,
    locate: Locate | None = None,
    *,
    hand_written: dict[str, set[str]] | None = None,
) -> tuple[dict[str, ServiceWiring], list[Problem]]:
    """Decide every service's Secrets from its final config files.

    service_files: service -> {file name -> data} (what its ConfigMap will hold; deck: settings.js,
    settings-local.js, deck.env). locate: where each value was written, for the problems' file:line:col.
    hand_written: service -> names of files that came from profiles or were changed by patches (checked for
    literal credentials by key name). Returns the wiring and every problem (errors and warnings); the caller
    raises on errors.
    """
    problems: list[Problem] = []
    wiring: dict[str, ServiceWiring] = {}
    uses = _Uses()
    hand_written = hand_written or {}
    locate = locate or _nowhere
    for svc in sorted(service_files):
        files = service_files[svc]
        w = ServiceWiring(svc)
        if svc == "deck":
            _scan_service(svc, files, inventory, locate, hand_written.get(svc, set()), uses, problems)
            names, paths = _deck_env_needs(files.get(DECK_ENV) or {}, inventory, w, problems, locate)
        else:
            names, paths = _scan_service(svc, files, inventory, locate, hand_written.get(svc, set()), uses, problems)
        for n in names:
            uses.env.setdefault(n, set()).add(svc)
        for path in paths:
            uses.file.setdefault(path, set()).add(svc)
        _wire_secrets(w, names, paths, inventory)
        wiring[svc] = w
    problems += _usage_problems(uses, service_files, locate, hand_written)
    problems += _unused_keys(inventory, uses)
    return wiring, problems


def _scan_service(
    svc: str,
    files: dict[str, Any],
    inventory: SecretInventory,
    locate: Locate,
    hand_written: set[str],
    uses: _Uses,
    problems: list[Problem],
) -> tuple[set[str], set[str]]:
    """One service's files: (the declared env credentials, the declared credential files) it reads; what is
    undeclared, in Deck's browser files or literal goes into `uses`, misplaced credential files into `problems`."""
    names: set[str] = set()
    paths: set[str] = set()
    for fname in sorted(files):
        data = files[fname]
        defaults, file_refs = _scan(data, inventory)
        creds = {n for n in defaults if is_env_credential(n, inventory)}
        for n in creds:
            uses.used_in.setdefault(n, set()).add((svc, fname))
        if fname in DECK_SETTINGS:
            for n in creds:
                uses.browser.setdefault(n, set()).add(fname)
            for p in literal_credentials(data):
                problems.append(
                    _problem(
                        _where(locate, svc, fname, p, str(p[-1])),
                        f"{fname}: `{dotted(p)}` holds a literal credential and Deck serves this file to every "
                        "browser",
                        hint="remove it; Deck needs no credentials",
                        code="credential-in-browser",
                        services=[svc],
                    )
                )
            continue
        if fname in hand_written:
            for p in literal_credentials(data):
                uses.literals.setdefault((fname, p), set()).add(svc)
        if fname == DECK_ENV:
            continue  # Deck's environment: see _deck_env_needs
        for n in creds:
            if n in inventory.env_owner:
                names.add(n)
            elif defaults[n]:
                uses.undeclared_default.setdefault(n, set()).add(svc)
            else:
                uses.undeclared.setdefault(n, set()).add(svc)
        for s in file_refs:
            if s in inventory.file_owner:
                paths.add(s)
            else:
                problems.append(
                    _problem(
                        _where(locate, svc, fname, _first_use(data, value=s), s),
                        f"{s} (in {svc}'s {fname}) lies in Secret {_mount_name(inventory, s)}'s mountPath but is "
                        "not one of its files",
                        hint=f"add {s.rsplit('/', 1)[1]!r} to its `files:` in {SECRETS_FILE}",
                        code="undeclared-credential-file",
                        services=[svc],
                    )
                )
    return names, paths


def _where(locate: Locate, svc: str, fname: str, path: tuple | None, needle: str | None):
    """(file, line, column) of the value at `path` of a service's file, (None, None, None) when unknown."""
    return (locate(svc, fname, path, needle) if path is not None else None) or (None, None, None)


def _first_place(
    name: str, used_in: set[tuple[str, str]], service_files: dict, locate: Locate, first: set[tuple[str, str]]
):
    """Where `${name}` is first written among the files that use it: those in `first` before the others, then by
    file, line and column."""
    places = []
    for svc, fname in used_in:
        path = _first_use(service_files[svc][fname], placeholder=name)
        if path is not None:
            loc = _where(locate, svc, fname, path, "${" + name)
            places.append(((svc, fname) not in first, loc[0] or "\uffff", loc[1] or 0, loc[2] or 0, loc))
    return min(places, key=lambda place: place[:-1])[-1] if places else (None, None, None)


def _wire_secrets(w: ServiceWiring, names: set[str], paths: set[str], inventory: SecretInventory) -> None:
    """The Secrets a service gets for the env credentials and files it reads (Deck: only what deck.env needs)."""
    if w.service != "deck":
        by_secret: dict[str, list[str]] = {}
        for n in sorted(names):
            by_secret.setdefault(inventory.env_owner[n], []).append(n)
        for secret, keys in sorted(by_secret.items()):
            if set(keys) == set(inventory.secrets[secret].env):
                w.env_from.append(secret)
            else:  # least privilege: only the keys this service reads
                w.env_keys.extend((k, secret, k) for k in keys)
    by_mount: dict[str, list[str]] = {}
    for path in sorted(paths):
        secret, key = inventory.file_owner[path]
        by_mount.setdefault(secret, []).append(key)
    for secret, keys in sorted(by_mount.items()):
        decl = inventory.secrets[secret]
        w.volumes.append((secret, decl.mount, None if set(keys) == set(decl.files) else sorted(keys)))
    w.env_names = sorted(names)
    w.files = sorted(paths)


def _usage_problems(
    uses: _Uses, service_files: dict, locate: Locate, hand_written: dict[str, set[str]]
) -> list[Problem]:
    """Literal credentials in hand-written files, undeclared placeholders and credentials bound for the browser."""
    problems: list[Problem] = []
    for (fname, p), svcs in sorted(uses.literals.items(), key=lambda kv: (kv[0][0], dotted(kv[0][1]))):
        who = ", ".join(sorted(svcs))
        problems.append(
            _problem(
                _where(locate, min(svcs), fname, p, str(p[-1])),
                f"{fname}: `{dotted(p)}` holds a literal credential: it would end up in the ConfigMap of {who}",
                hint=f"write a placeholder such as ${{{_suggest_name(p)}}} and declare it in {SECRETS_FILE}",
                code="literal-credential",
                services=sorted(svcs),
            )
        )
    for n, svcs in sorted(uses.undeclared.items()):
        problems.append(
            _problem(
                _first_place(n, uses.used_in[n], service_files, locate, set()),
                f"${{{n}}} is used by {', '.join(sorted(svcs))} but no Secret in {SECRETS_FILE} declares it",
                hint=f"add {n} to the `env:` of a Secret in {SECRETS_FILE}, e.g. secrets: "
                     f"{{spinnaker-{n.lower().replace('_', '-')}: {{source: workflow, env: [{n}]}}}}",
                code="undeclared-placeholder",
                services=sorted(svcs),
            )
        )
    for n, svcs in sorted(uses.undeclared_default.items()):
        problems.append(
            _problem(
                _first_place(n, uses.used_in[n], service_files, locate, set()),
                f"${{{n}:...}} (used by {', '.join(sorted(svcs))}) is not declared in {SECRETS_FILE}; Spring will use "
                "its default",
                code="undeclared-placeholder-default",
                severity="warning",
                services=sorted(svcs),
            )
        )
    for n, fnames in sorted(uses.browser.items()):
        in_deck = {("deck", f) for f in fnames}
        problems.append(
            _problem(  # a hand-written file first: that is where to remove it
                _first_place(n, in_deck, service_files, locate, {("deck", f) for f in hand_written.get("deck", ())}),
                f"${{{n}}} would reach Deck's {', '.join(sorted(fnames))}, which is served to every browser (and Deck "
                "resolves no placeholders)",
                hint="credentials belong to the Spring services only; remove it from Deck's settings",
                code="credential-in-browser",
                services=["deck"],
            )
        )
    return problems


def _unused_keys(inventory: SecretInventory, uses: _Uses) -> list[Problem]:
    """A declared key or file that no service uses: a warning on its secrets.yml entry."""
    problems: list[Problem] = []
    for secret, decl in sorted(inventory.secrets.items()):
        for i, k in enumerate(decl.env):
            if k not in uses.env:
                problems.append(
                    inventory.problem(
                        ("secrets", secret, "env", i),
                        f"{k} (Secret {secret}) is declared but no service uses it",
                        severity="warning",
                        code="unused-secret-key",
                    )
                )
        for i, f in enumerate(decl.files):
            if decl.mount_path and decl.file_path(f) not in uses.file:
                problems.append(
                    inventory.problem(
                        ("secrets", secret, "files", i),
                        f"{decl.file_path(f)} (Secret {secret}) is declared but no service uses it",
                        severity="warning",
                        code="unused-secret-key",
                    )
                )
    return problems


def _deck_env_needs(
    env: dict, inventory: SecretInventory, w: ServiceWiring, problems: list[Problem], locate: Locate
) -> tuple[set[str], set[str]]:
    """deck.env: DECK_CERT/DECK_KEY are files to mount; PASSPHRASE comes from a Secret key, never a ConfigMap."""
    names: set[str] = set()
    paths: set[str] = set()
    for var, value in sorted(env.items()):
        if not isinstance(value, str):
            continue
        if value in inventory.file_owner:
            paths.add(value)
        found = [n for n in find_placeholders(value) if is_env_credential(n, inventory)]
        if var == DECK_PASSPHRASE and value:
            m = PLACEHOLDER.fullmatch(value)
            if m and m.group(1) in inventory.env_owner:
                names.add(m.group(1))
                w.env_keys.append((DECK_PASSPHRASE, inventory.env_owner[m.group(1)], m.group(1)))
            elif m:
                problems.append(
                    _problem(
                        _where(locate, "deck", DECK_ENV, (var,), value),
                        f"{value} (Deck's TLS passphrase) is not declared in {SECRETS_FILE}",
                        hint=f"add {m.group(1)} to the `env:` of a Secret",
                        code="undeclared-placeholder",
                        services=["deck"],
                    )
                )
            # a literal value was already refused by the halconfig check (sslCertificatePassphrase)
        elif found:
            problems.append(
                _problem(
                    _where(locate, "deck", DECK_ENV, (var,), value),
                    f"deck.env {var} holds ${{{found[0]}}}: Deck resolves no placeholders",
                    code="credential-in-browser",
                    services=["deck"],
                )
            )
    return names, paths
