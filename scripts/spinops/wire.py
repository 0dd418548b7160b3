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

Deck is not a Spring service: nothing is wired into it except what deck.env needs (its TLS files,
and PASSPHRASE as an env var from a Secret key, never through a ConfigMap).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinops import layout
from spinops.errors import InputError, Problem

SECRETS_FILE = str(layout.SECRETS_FILE)
PLACEHOLDER = re.compile(r"\$\{([^}:\s]+)(:[^}]*)?\}")
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
#: Keys whose literal string value in a profile or patch is treated as a credential.
CREDENTIAL_KEY = re.compile(r"(?i)(password|passphrase|secret|token|apikey|api_key|appkey|app_key|accesskey|privatekey|insertkey|insert_key)$")
#: A kork secret-engine reference, `encrypted:<engine>!<name>:<value>...` or `encryptedFile:...` (kork-secrets
#: EncryptedSecret.java). The Spring service decrypts it when it reads the property (SecretAwarePropertySource),
#: so it is not a literal credential and names no file of a Secret.
SECRET_REFERENCE = re.compile(r"(?i)^encrypted(file)?:[^!]+(![A-Za-z0-9]+:.+)+$")
DECK_SETTINGS = ("settings.js", "settings-local.js")
DECK_ENV = "deck.env"
DECK_PASSPHRASE = "PASSPHRASE"


# --------------------------------------------------------------------------------------------
# placeholders


def _strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(k, str):
                yield k
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def find_placeholders(text_or_struct: Any) -> set[str]:
    """Every `${NAME}` used (Spring syntax: `${NAME:default}` counts as NAME), property references included."""
    out: set[str] = set()
    for s in _strings(text_or_struct):
        if "${" in s:
            out.update(m.group(1) for m in PLACEHOLDER.finditer(s))
    return out


def _scan(obj: Any, inventory: SecretInventory) -> tuple[dict[str, bool], list[str]]:
    """One pass over a file's strings: placeholders (NAME -> every use has a default) and the
    strings that name a path under a declared Secret mount."""
    defaults: dict[str, bool] = {}
    refs: list[str] = []
    mounts = tuple(d.mount_path.rstrip("/") + "/" for d in inventory.secrets.values() if d.mount_path)
    for s in _strings(obj):
        if "${" in s:
            for m in PLACEHOLDER.finditer(s):
                defaults[m.group(1)] = defaults.get(m.group(1), True) and m.group(2) is not None
        elif mounts and s.startswith(mounts):
            refs.append(s)
    return defaults, refs


def is_env_credential(name: str, inventory: SecretInventory | None = None) -> bool:
    """The rule: declared in secrets.yml, or UPPER_SNAKE_CASE (Spring property references are dotted/camelCase)."""
    return bool(inventory and name in inventory.env_owner) or bool(ENV_NAME.match(name))


# --------------------------------------------------------------------------------------------
# secrets.yml


@dataclass(frozen=True)
class SecretDecl:
    name: str
    source: str
    env: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    mount_path: str | None = None

    def file_path(self, f: str) -> str:
        return f"{self.mount_path.rstrip('/')}/{f}"


@dataclass
class SecretInventory:
    secrets: dict[str, SecretDecl] = field(default_factory=dict)
    file: str = SECRETS_FILE
    doc: Any = None  # spinops.patch.Located, for line numbers
    env_owner: dict[str, str] = field(default_factory=dict)  # key -> Secret
    file_owner: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (Secret, key)
    warnings: list[Problem] = field(default_factory=list)

    def problem(self, path: tuple, message: str, **kw) -> Problem:
        return self.doc.problem(path, message, **kw) if self.doc else Problem(message, file=self.file, **kw)

    def mount_of(self, path: str) -> SecretDecl | None:
        for decl in self.secrets.values():
            if decl.mount_path and path.startswith(decl.mount_path.rstrip("/") + "/"):
                return decl
        return None


def parse_secrets(doc) -> SecretInventory:
    """Validate a parsed secrets.yml (a spinops.patch.Located) against its schema (spinops/schemas/secrets.schema.json,
    the one editors get), then what a schema cannot say: keys and mount paths declared twice; InputError with every problem."""
    from spinops import schemas

    inv = SecretInventory(file=doc.file, doc=doc)
    if doc.data is None:
        return inv
    problems: list[Problem] = schemas.problems("secrets", doc, "secrets-shape")
    if problems:
        raise InputError(problems)
    mounts: dict[str, str] = {}
    for name, spec in (doc.data.get("secrets") or {}).items():
        p = ("secrets", name)
        env, files, mount = spec.get("env") or [], spec.get("files") or [], spec.get("mountPath")
        for i, e in enumerate(env):
            if e in inv.env_owner:
                problems.append(doc.problem(p + ("env", i), f"env key {e} is also declared by Secret {inv.env_owner[e]}", code="secrets-duplicate"))
            else:
                inv.env_owner[e] = name
        if mount is not None:
            norm = mount.rstrip("/")
            for other_path, other in mounts.items():
                if norm == other_path or norm.startswith(other_path + "/") or other_path.startswith(norm + "/"):
                    problems.append(doc.problem(p + ("mountPath",), f"mountPath {mount} overlaps Secret {other}'s {other_path}", code="secrets-duplicate"))
            mounts[norm] = name
        if not env and not files:
            problems.append(doc.problem(p, "declares neither env keys nor files", severity="warning", code="secrets-empty"))
        decl = SecretDecl(name, spec.get("source", "external"), tuple(env), tuple(files), mount)
        inv.secrets[name] = decl
        if mount:
            for f in files:
                inv.file_owner[decl.file_path(f)] = (name, f)
    if any(x.severity == "error" for x in problems):
        raise InputError(problems)
    inv.warnings = problems
    return inv


def load_secrets(repo: Path) -> SecretInventory:
    """Parsed halconfig/secrets.yml (names only); an absent file is an empty inventory."""
    from spinops import yamlio

    path = layout.Repo(repo).secrets_file
    if not path.exists():
        return SecretInventory()
    return parse_secrets(yamlio.read(path, SECRETS_FILE, root=repo))


# --------------------------------------------------------------------------------------------
# the halconfig's credential fields (schema annotations)


def _credential_trie(schema: dict | None) -> dict:
    """The schema's credential fields as a trie over data keys ("[]": list items, "*": map values)."""
    from spinops.halconfig import schema as hs

    # an explicit schema (tests) is walked the same way as the packaged one
    fields = hs.credential_fields() if schema is None else hs.credential_fields_of(schema)
    trie: dict = {}
    for pattern, kind in fields:
        node = trie
        for seg in pattern.split("."):
            name = seg.rstrip("[]")
            tokens = ([name] if name else []) + ["[]"] * ((len(seg) - len(name)) // 2)
            for tok in tokens:
                node = node.setdefault(tok, {})
        node[None] = kind
    return trie


def credential_values(data: Any, schema: dict | None = None) -> Iterator[tuple[tuple, str, Any]]:
    """(path, "credential" | "credential-file", value) for every credential field set in `data`.

    Follows only the schema's credential paths, so the cost is the number of credential values.
    """
    trie = _credential_trie(schema)

    def walk(value, node, path):
        kind = node.get(None)
        if kind:
            yield path, kind, value
        if isinstance(value, dict):
            star = node.get("*")
            for k, v in value.items():
                for sub in (node.get(k), star):
                    if sub:
                        yield from walk(v, sub, path + (k,))
        elif isinstance(value, list):
            sub = node.get("[]")
            if sub:
                for i, v in enumerate(value):
                    yield from walk(v, sub, path + (i,))

    yield from walk(data, trie, ())


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


@dataclass
class Origin:
    """Where a value came from, for messages: the halconfig (via Hal.locate) or a profile/patch file."""

    locate: Any = None  # callable(path) -> (file, line, col) | None
    halconfig: Any = None  # the canonical halconfig data
    texts: list[tuple[str, str]] = field(default_factory=list)  # (display file, text) of profiles and patches

    def find(self, needle: str, *, texts_first: bool = False, prefer: str | None = None) -> tuple[str | None, int | None, int | None]:
        """The first place `needle` occurs: the halconfig, then profiles and patches (or the reverse).

        prefer: a file name (e.g. gate-local.yml) whose profile is searched before anything else.
        """
        if prefer:
            loc = self._in_texts(needle, only=f"/{prefer}")
            if loc:
                return loc
        order = (self._in_texts, self._in_halconfig) if texts_first else (self._in_halconfig, self._in_texts)
        for look in order:
            loc = look(needle)
            if loc:
                return loc
        return None, None, None

    def _in_halconfig(self, needle: str):
        if self.halconfig is not None and self.locate is not None:
            for path, s in _paths_of_strings(self.halconfig, ()):
                if needle in s:
                    loc = self.locate(path)
                    if loc:
                        return loc
        return None

    def _in_texts(self, needle: str, only: str | None = None):
        for display, text in self.texts:
            if only and not display.endswith(only):
                continue
            idx = text.find(needle)
            if idx >= 0:
                line = text.count("\n", 0, idx) + 1
                return display, line, idx - (text.rfind("\n", 0, idx) + 1) + 1
        return None


def _paths_of_strings(obj, path):
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths_of_strings(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths_of_strings(v, path + (i,))


def _problem(origin_loc, message, hint=None, code=None, severity="error", services=()) -> Problem:
    f, line, col = origin_loc
    return Problem(message, file=f, line=line, column=col, hint=hint, code=code, severity=severity, extra={"services": list(services)} if services else {})


def check_halconfig(hal_data: dict, inventory: SecretInventory, locate, sections: dict[str, tuple[str, ...]], schema: dict | None = None) -> list[Problem]:
    """Literal values in credential fields and undeclared credential files, before anything is rendered.

    Messages never include a credential's value.
    """
    problems: list[Problem] = []
    for path, kind, value in credential_values(hal_data, schema):
        if not isinstance(value, str) or value == "" or PLACEHOLDER.search(value) or SECRET_REFERENCE.match(value):
            continue
        if kind == "credential-file" and value in inventory.file_owner:
            continue
        # a problem: only now pay for positions (locating re-parses the file on first use)
        loc = locate(path) or (None, None, None)
        svcs = services_reading(path, sections)
        used_by = f" (read by {', '.join(svcs)})" if svcs else ""
        if kind == "credential":
            problems.append(
                _problem(
                    loc,
                    f"{dotted(path)} holds a literal credential{used_by}: it would end up in a ConfigMap",
                    hint=f"replace the value by a placeholder such as ${{{_suggest_name(path)}}} and declare that key in {SECRETS_FILE}",
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
            problems.append(_problem(loc, f"credential file {value} ({dotted(path)}){used_by} is not in any Secret", hint=hint, code="undeclared-credential-file", services=svcs))
    return problems


def _suggest_name(path: tuple) -> str:
    words = [p for p in path if isinstance(p, str)][-2:]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", "_".join(words)).upper().replace("__", "_")


def _literal_credentials(obj, path=()) -> Iterator[tuple]:
    """Paths of string values under password/secret/token-like keys that are not placeholders."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(k, str) and CREDENTIAL_KEY.search(k) and isinstance(v, str) and v and not PLACEHOLDER.search(v) \
                    and not SECRET_REFERENCE.match(v):
                yield path + (k,)
            else:
                yield from _literal_credentials(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _literal_credentials(v, path + (i,))


def plan(
    service_files: dict[str, dict[str, Any]],
    inventory: SecretInventory,
    origin: Origin,
    *,
    hand_written: dict[str, set[str]] | None = None,
) -> tuple[dict[str, ServiceWiring], list[Problem]]:
    """Decide every service's Secrets from its final config files.

    service_files: service -> {file name -> data} (what its ConfigMap will hold; deck: settings.js,
    settings-local.js, deck.env). hand_written: service -> names of files that came from profiles or
    were changed by patches (checked for literal credentials by key name). Returns the wiring and
    every problem (errors and warnings); the caller raises on errors.
    """
    problems: list[Problem] = []
    wiring: dict[str, ServiceWiring] = {}
    users_env: dict[str, set[str]] = {}  # NAME -> services
    users_file: dict[str, set[str]] = {}
    undeclared: dict[str, set[str]] = {}
    undeclared_default: dict[str, set[str]] = {}
    browser: dict[str, set[str]] = {}  # NAME -> deck files
    literals: dict[tuple, set[str]] = {}  # (file, path) -> services
    hand_written = hand_written or {}

    for svc in sorted(service_files):
        files = service_files[svc]
        w = ServiceWiring(svc)
        names: set[str] = set()
        paths: set[str] = set()
        for fname in sorted(files):
            data = files[fname]
            defaults, file_refs = _scan(data, inventory)
            creds = {n for n in defaults if is_env_credential(n, inventory)}
            if fname in DECK_SETTINGS:
                for n in creds:
                    browser.setdefault(n, set()).add(fname)
                for p in _literal_credentials(data):
                    problems.append(_problem(origin.find(f"{p[-1]}:", texts_first=True, prefer=fname), f"{fname}: `{dotted(p)}` holds a literal credential and Deck serves this file to every browser", hint="remove it; Deck needs no credentials", code="credential-in-browser", services=[svc]))
                continue
            if fname in hand_written.get(svc, ()):
                for p in _literal_credentials(data):
                    literals.setdefault((fname, p), set()).add(svc)
            if fname == DECK_ENV:
                continue  # Deck's environment: see _deck_env_needs
            for n in creds:
                if n in inventory.env_owner:
                    names.add(n)
                elif defaults[n]:
                    undeclared_default.setdefault(n, set()).add(svc)
                else:
                    undeclared.setdefault(n, set()).add(svc)
            for s in file_refs:
                if s in inventory.file_owner:
                    paths.add(s)
                else:
                    problems.append(
                        _problem(
                            origin.find(s),
                            f"{s} (in {svc}'s {fname}) lies in Secret {inventory.mount_of(s).name}'s mountPath but is not one of its files",
                            hint=f"add {s.rsplit('/', 1)[1]!r} to its `files:` in {SECRETS_FILE}",
                            code="undeclared-credential-file",
                            services=[svc],
                        )
                    )
        if svc == "deck":
            names, paths = _deck_env_needs(files.get(DECK_ENV) or {}, inventory, w, problems, origin)
        for n in names:
            users_env.setdefault(n, set()).add(svc)
        for p in paths:
            users_file.setdefault(p, set()).add(svc)
        if svc != "deck":
            by_secret: dict[str, list[str]] = {}
            for n in sorted(names):
                by_secret.setdefault(inventory.env_owner[n], []).append(n)
            for secret, keys in sorted(by_secret.items()):
                if set(keys) == set(inventory.secrets[secret].env):
                    w.env_from.append(secret)
                else:  # least privilege: only the keys this service reads
                    w.env_keys.extend((k, secret, k) for k in keys)
        by_mount: dict[str, list[str]] = {}
        for p in sorted(paths):
            secret, key = inventory.file_owner[p]
            by_mount.setdefault(secret, []).append(key)
        for secret, keys in sorted(by_mount.items()):
            decl = inventory.secrets[secret]
            w.volumes.append((secret, decl.mount_path, None if set(keys) == set(decl.files) else sorted(keys)))
        w.env_names = sorted(names)
        w.files = sorted(paths)
        wiring[svc] = w

    for (fname, p), svcs in sorted(literals.items(), key=lambda kv: (kv[0][0], dotted(kv[0][1]))):
        names = ", ".join(sorted(svcs))
        problems.append(
            _problem(
                origin.find(f"{p[-1]}:", texts_first=True, prefer=fname),
                f"{fname}: `{dotted(p)}` holds a literal credential: it would end up in the ConfigMap of {names}",
                hint=f"write a placeholder such as ${{{_suggest_name(p)}}} and declare it in {SECRETS_FILE}",
                code="literal-credential",
                services=sorted(svcs),
            )
        )
    for n, svcs in sorted(undeclared.items()):
        problems.append(
            _problem(
                origin.find("${" + n),
                f"${{{n}}} is used by {', '.join(sorted(svcs))} but no Secret in {SECRETS_FILE} declares it",
                hint=f"add {n} to the `env:` of a Secret in {SECRETS_FILE}, e.g. secrets: {{spinnaker-{n.lower().replace('_', '-')}: {{source: workflow, env: [{n}]}}}}",
                code="undeclared-placeholder",
                services=sorted(svcs),
            )
        )
    for n, svcs in sorted(undeclared_default.items()):
        problems.append(_problem(origin.find("${" + n), f"${{{n}:...}} (used by {', '.join(sorted(svcs))}) is not declared in {SECRETS_FILE}; Spring will use its default", code="undeclared-placeholder-default", severity="warning", services=sorted(svcs)))
    for n, fnames in sorted(browser.items()):
        problems.append(
            _problem(
                origin.find("${" + n, texts_first=True),
                f"${{{n}}} would reach Deck's {', '.join(sorted(fnames))}, which is served to every browser (and Deck resolves no placeholders)",
                hint="credentials belong to the Spring services only; remove it from Deck's settings",
                code="credential-in-browser",
                services=["deck"],
            )
        )
    for secret, decl in sorted(inventory.secrets.items()):
        for i, k in enumerate(decl.env):
            if k not in users_env:
                problems.append(inventory.problem(("secrets", secret, "env", i), f"{k} (Secret {secret}) is declared but no service uses it", severity="warning", code="unused-secret-key"))
        for i, f in enumerate(decl.files):
            if decl.mount_path and decl.file_path(f) not in users_file:
                problems.append(inventory.problem(("secrets", secret, "files", i), f"{decl.file_path(f)} (Secret {secret}) is declared but no service uses it", severity="warning", code="unused-secret-key"))
    return wiring, problems


def _deck_env_needs(env: dict, inventory: SecretInventory, w: ServiceWiring, problems: list[Problem], origin: Origin) -> tuple[set[str], set[str]]:
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
                problems.append(_problem(origin.find(value), f"{value} (Deck's TLS passphrase) is not declared in {SECRETS_FILE}", hint=f"add {m.group(1)} to the `env:` of a Secret", code="undeclared-placeholder", services=["deck"]))
            # a literal value was already refused by the halconfig check (sslCertificatePassphrase)
        elif found:
            problems.append(_problem(origin.find(value), f"deck.env {var} holds ${{{found[0]}}}: Deck resolves no placeholders", code="credential-in-browser", services=["deck"]))
    return names, paths
