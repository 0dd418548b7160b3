"""Credentials out of the config: literal secrets become `${NAME}` placeholders, files move to `.secrets/`.

- Every credential field of the halconfig (the schema's `x-spinops-credential` annotation) holding a
  literal becomes `${NAME}`, NAME derived from the data path (`artifacts.github.accounts[my-account].token`
  -> ARTIFACTS_GITHUB_MY_ACCOUNT_TOKEN). The value goes only to `.secrets/<secret>.env`
  (KEY=value lines, the `kubectl create secret --from-env-file` format); the Secret is declared by
  name in halconfig/secrets.yml (`source: workflow`: `spinops apply` creates it from env vars).
  Secrets group the keys of one halconfig section (`spinnaker-artifacts-github`); the build still
  wires each service only the keys it reads.
- Every credential-file field (`x-spinops-credential-file`: kubeconfigFile, jsonPath, ...) is
  resolved against SOURCE, copied to `.secrets/spinnaker-files/<key>`, declared as a file of Secret
  `spinnaker-files` and rewritten to the path the Secret is mounted at in the container.
  A literal multi-line `kubeconfigContents` becomes such a file too.
- `encrypted:`/`encryptedFile:` references (kork secret engines) stay as they are: the services
  decrypt them at start-up; the report names the engine whose store the pods must be able to read.
  Spring Cloud Config `{cipher}` values become placeholders whose value is unknown (manual step).
- Secrets inside strings (URL user-info, `-D...password=` system properties) move out too: Spring
  files get `${NAME}` in the string, container env gets `$(NAME)` from an earlier env entry.
- Service-settings env values that look secret and profile keys that look secret get the same
  treatment (see `env_var_secret`, `profile_secrets`).

Nothing here writes files; `plan.py` does. Values never appear in notes.
"""

from __future__ import annotations

import copy
import posixpath
import re
from dataclasses import dataclass, field

from spinops.credentials import PLACEHOLDER, SECRET_REFERENCE, credential_values, is_credential_key
from spinops.migrate.model import HALCONFIG_OUT, MANUAL, SECRET, Note, dotted, env_name, get, item_label, kebab

FILES_SECRET = "spinnaker-files"
FILES_MOUNT = "/var/secrets/spinnaker"
PROFILES_SECRET = "spinnaker-profiles"
SECRETS_DIR = ".secrets"
#: Container words left out of derived names (the item's name says more).
GENERIC = frozenset(
    {
        "accounts",
        "masters",
        "searches",
        "publishers",
        "subscriptions",
        "clusters",
        "serviceIntegrations",
        "groupMembership",
        "user",
        "client",
    }
)


@dataclass
class EnvSecret:
    secret: str  # Kubernetes Secret
    key: str  # env var / Secret key
    value: str | None  # None: unknown (encrypted: reference, or already a placeholder)
    where: str  # a description of the origin, for the report (never the value)
    src_file: str = "config"  # the Halyard file it came from (relative to the home, or service-settings/<x>.yml)
    src: tuple | None = None  # its data path there (for config: Kleat-shaped until plan maps it back)


@dataclass
class FileSecret:
    key: str  # file name inside Secret spinnaker-files
    content: bytes | None  # None: not found in SOURCE
    origin: str  # the path as Halyard had it
    found_at: str | None = None  # where it was read from
    src: tuple | None = None  # the field naming it (Kleat-shaped path in the halconfig)
    src_file: str = "config"


#: a credential reference a profile keeps, for the report: (data path, kind, the reference or placeholder it shows)
ProfileRef = tuple[tuple, str, str]


@dataclass
class Credentials:
    env: list[EnvSecret] = field(default_factory=list)
    files: list[FileSecret] = field(default_factory=list)
    _names: dict[str, str] = field(default_factory=dict)  # env key -> origin description
    _file_keys: dict[str, str] = field(default_factory=dict)  # file key -> origin value

    def found(self) -> list[EnvSecret | FileSecret]:
        """Every credential found so far, env keys first."""
        return [*self.env, *self.files]

    def new_name(self, base: str, origin: str) -> str:
        name, n = base, 1
        while name in self._names and self._names[name] != origin:
            n += 1
            name = f"{base}_{n}"
        self._names[name] = origin
        return name

    def add_env(
        self,
        secret: str,
        key: str,
        value: str | None,
        where: str,
        *,
        src_file: str = "config",
        src: tuple | None = None,
    ) -> None:
        if not any(e.key == key for e in self.env):
            self.env.append(EnvSecret(secret, key, value, where, src_file, src))

    def file_key(self, origin: str, label: str) -> str:
        """A stable file name for a credential file: its base name, prefixed with `label` on a clash."""
        for k, o in self._file_keys.items():
            if o == origin:
                return k
        name = origin
        if origin.startswith("encryptedFile:"):  # engine!k:v!f:path -> the file part names it
            name = next((p[2:] for p in origin.split("!") if p.startswith("f:")), origin.split("!")[-1])
        base = posixpath.basename(name.rstrip("/")) or "file"
        base = re.sub(r"^-?\d{4,}-", "", base)  # `hal backup` names copies <hash>-<name>
        base = re.sub(r"[^-._a-zA-Z0-9]+", "-", base).strip(".-") or "file"
        key = base
        if key in self._file_keys:
            key = f"{kebab([label])}-{base}" if label else base
        n = 1
        while key in self._file_keys:
            n += 1
            key = f"{base.rsplit('.', 1)[0]}-{n}" + (f".{base.rsplit('.', 1)[1]}" if "." in base else "")
        self._file_keys[key] = origin
        return key

    def secrets(self) -> dict[str, dict]:
        """Secret name -> declaration for halconfig/secrets.yml (names only)."""
        out: dict[str, dict] = {}
        for e in self.env:
            out.setdefault(e.secret, {"source": "workflow", "env": []})["env"].append(e.key)
        for decl in out.values():
            decl["env"] = sorted(set(decl["env"]))
        if self.files:
            out[FILES_SECRET] = {
                "source": "external",
                "mountPath": FILES_MOUNT,
                "files": sorted({f.key for f in self.files}),
            }
        return dict(sorted(out.items()))


def _words(data, path: tuple) -> list[str]:
    """Path words for names: list indexes become the item's name, container words go."""
    words = []
    for i, p in enumerate(path):
        if isinstance(p, int):
            words.append(item_label(get(data, path[: i + 1]), p))
        elif p not in GENERIC:
            words.append(p)
    return words


def secret_for(path: tuple) -> str:
    words = [p for p in path[:-1] if isinstance(p, str) and p not in GENERIC][:3]
    return "spinnaker-" + (kebab(words) or "misc")


def _set(data, path: tuple, value) -> None:
    """Set an existing field's value (paths come from credential_values: their parents exist)."""
    get(data, path[:-1])[path[-1]] = value


def halconfig_credentials(data: dict, source, creds: Credentials) -> tuple[dict, list[Note]]:
    """Replace every credential in the (Kleat-shaped) halconfig data; returns new data and notes."""
    data = copy.deepcopy(data)
    notes = _credential_fields(data, source, creds)
    for path, names in string_secrets(data, creds, secret_for, lambda p: _words(data, p), "config"):
        secret = secret_for(path)
        notes.append(
            Note(
                SECRET,
                f"`{dotted(path)}`: a password or token inside the value (URL user-info or -D property) replaced by "
                + ", ".join("${" + n + "}" for n in names)
                + f" (Secret {secret}, value in {SECRETS_DIR}/{secret}.env)",
                src=path,
                out=path,
                topic="Credentials",
            )
        )
    return data, notes


def _credential_fields(data: dict, source, creds: Credentials) -> list[Note]:
    """Every credential field of the schema (in place)."""

    notes: list[Note] = []
    copied = {f.key for f in creds.files}
    for path, kind, value in list(credential_values(data)):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # `password: 12345` is a credential too (YAML read it as a number)
        if not isinstance(value, str) or not value.strip():
            continue
        if kind == "credential":
            notes += _credential_value(data, path, value, creds)
        else:  # credential-file
            notes += _credential_file(data, path, value, source, creds, copied)
    return notes


def _credential_value(data: dict, path: tuple, value: str, creds: Credentials) -> list[Note]:
    """A credential field: a placeholder is declared, an encrypted reference noted, an inline kubeconfig moved to a
    file, a literal (or `{cipher}` value) replaced by a placeholder of a Secret key."""
    dotted_path = dotted(path)
    m = PLACEHOLDER.fullmatch(value.strip())
    if m:
        name = m.group(1)
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            return [config_server_note(f"`{dotted_path}`", name, path)]
        creds.add_env(secret_for(path), name, None, dotted_path)
        return [
            Note(
                MANUAL,
                f"`{dotted_path}` already holds the placeholder ${{{name}}}: declared in halconfig/secrets.yml; "
                f"supply its value (GitHub environment secret {name})",
                src=path,
                out=path,
                topic="Credentials",
            )
        ]
    if is_encrypted(value):
        return [encrypted_note(f"`{dotted_path}`", value, path)]
    if path[-1] == "kubeconfigContents" and "\n" in value.strip():
        return [_inline_kubeconfig(data, path, value, creds)]
    name = creds.new_name(env_name(_words(data, path)), dotted_path)
    secret = secret_for(path)
    _set(data, path, "${" + name + "}")
    if value.startswith(CIPHER):
        creds.add_env(secret, name, None, dotted_path)
        return [cipher_note(f"`{dotted_path}`", name, secret, path)]
    creds.add_env(secret, name, value, dotted_path, src=path)
    return [
        Note(
            SECRET,
            f"literal credential `{dotted_path}` replaced by ${{{name}}} (Secret {secret}, value in "
            f"{SECRETS_DIR}/{secret}.env)",
            src=path,
            out=path,
            topic="Credentials",
        )
    ]


def _inline_kubeconfig(data: dict, path: tuple, value: str, creds: Credentials) -> Note:
    """An inline `kubeconfigContents` -> a file of Secret spinnaker-files, `kubeconfigFile` pointing at it."""
    label = item_label(get(data, path[:-1]), 0)
    key = creds.file_key(f"/inline/{kebab([label])}.kubeconfig", label)
    creds.files.append(FileSecret(key, value.encode(), f"{dotted(path)} (inline)", "the halconfig", src=path))
    del get(data, path[:-1])[path[-1]]
    _set(data, path[:-1] + ("kubeconfigFile",), f"{FILES_MOUNT}/{key}")
    return Note(
        SECRET,
        f"inline `kubeconfigContents` moved to file {SECRETS_DIR}/{FILES_SECRET}/{key}; `kubeconfigFile` points at "
        f"{FILES_MOUNT}/{key} (Secret {FILES_SECRET})",
        src=path,
        out=path[:-1] + ("kubeconfigFile",),
        topic="Credentials",
    )


def _credential_file(data: dict, path: tuple, value: str, source, creds: Credentials, copied: set[str]) -> list[Note]:
    """A credential-file field: the file is copied from SOURCE into Secret spinnaker-files (once per key) and the
    field points at its mount; a placeholder is left alone, an encrypted reference noted."""
    if PLACEHOLDER.search(value):
        return []
    dotted_path = dotted(path)
    label = "-".join(w for w in _words(data, path)[:-1][-1:])
    if is_encrypted(value):
        return [encrypted_note(f"`{dotted_path}`", value, path)]
    key = creds.file_key(value, label)
    found_at, content = source.resolve_file(value)
    if key not in copied:
        copied.add(key)
        creds.files.append(FileSecret(key, content, value, found_at, src=path))
    _set(data, path, f"{FILES_MOUNT}/{key}")
    if content is None:
        message = (
            f"credential file `{value}` (`{dotted_path}`) is not in SOURCE: copy it to "
            f"{SECRETS_DIR}/{FILES_SECRET}/{key} (the halconfig now points at {FILES_MOUNT}/{key}, Secret "
            f"{FILES_SECRET})"
        )
        return [Note(MANUAL, message, src=path, out=path, topic="Credentials")]
    message = (
        f"credential file `{value}` copied to {SECRETS_DIR}/{FILES_SECRET}/{key}; `{dotted_path}` now points at "
        f"{FILES_MOUNT}/{key} (Secret {FILES_SECRET}, mounted only where it is read)"
    )
    return [Note(SECRET, message, src=path, out=path, topic="Credentials")]


# --------------------------------------------------------------------------------------------
# secrets inside a string: URL user-info, JVM system properties, secret-engine references

#: `scheme://user:password@` (RFC 3986 section 3.2.1 user-info); the password may be empty-user (`redis://:pw@host`).
URL_USERINFO = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://([^\s/@:?#]*)(?::([^\s/@?#]*))?@")
#: `-Dname=value` JVM system properties (JAVA_OPTS); the value ends at white space, or is quoted.
SYSTEM_PROPERTY = re.compile(r"-D([A-Za-z0-9_.-]+)=(\"[^\"]*\"|'[^']*'|[^\s\"']+)")
#: HTTP(S) URLs carry tokens as a lone user name (`https://<token>@github.com`); ssh/git URLs name a user (`git@`).
TOKEN_AS_USER_SCHEMES = ("http", "https")
CIPHER = "{cipher}"


def is_encrypted(value) -> bool:
    """A kork secret-engine reference, `encrypted:<engine>!<k>:<v>...` or `encryptedFile:...`
    (kork-secrets EncryptedSecret.java: prefix, engine, then at least one `!name:value` parameter)."""
    return isinstance(value, str) and bool(SECRET_REFERENCE.match(value.strip()))


def encrypted_note(what: str, value: str, src: tuple | None, src_file: str = "config", out=None, out_file=None) -> Note:
    engine = value.split("!", 1)[0].split(":", 1)[1]
    kind = "encryptedFile" if value.lower().startswith("encryptedfile:") else "encrypted"

    return Note(
        MANUAL,
        f"{what} is a secret-engine reference (`{kind}:{engine}!...`): kept as it is; the service decrypts it when it "
        "starts "
        f"(kork-secrets). Give the pods that read it access to the `{engine}` engine's store (e.g. read access to the "
        "bucket or "
        "secret through Workload Identity or IRSA; the engine's credentials are not in Git)",
        src=src,
        src_file=src_file,
        out=out if out is not None else src,
        out_file=out_file or HALCONFIG_OUT,
        topic="Secret engines",
    )


def cipher_note(what: str, name: str, secret: str, src: tuple | None, src_file: str = "config", out_file=None) -> Note:
    return Note(
        MANUAL,
        f"{what} is a Spring Cloud Config `{{cipher}}` value (decrypted by the config server of spinnakerconfig.yml, "
        "which "
        f"spinops does not run): replaced by ${{{name}}} (Secret {secret}); decrypt it and store the plain value as "
        f"{name}",
        src=src,
        src_file=src_file,
        out=src,
        out_file=out_file or HALCONFIG_OUT,
        topic="Secret engines",
    )


def config_server_note(what: str, name: str, src: tuple | None, src_file: str = "config", out_file=None) -> Note:
    return Note(
        MANUAL,
        f"{what} holds the Spring placeholder `${{{name}}}`: kept; if a Spring Cloud Config server "
        "(spinnakerconfig.yml) "
        f"resolved it, spinops runs none: set the property `{name}` in a profile, or use an UPPER_SNAKE ${{NAME}} "
        "declared in "
        "halconfig/secrets.yml",
        src=src,
        src_file=src_file,
        out=src,
        out_file=out_file or HALCONFIG_OUT,
        topic="Secret engines",
    )


@dataclass
class Found:
    """A secret inside a string: value[start:end] is the credential; `what` names it (for the env name)."""

    start: int
    end: int
    what: str


def secrets_in_string(value: str) -> list[Found]:
    """Passwords of URL user-info, and secret-named `-D` system properties (`-Dx.keyStorePassword=v`)."""

    out = []
    for m in URL_USERINFO.finditer(value):
        if m.group(3):
            out.append(Found(m.start(3), m.end(3), "url password"))
        elif m.group(2) and m.group(1).lower() in TOKEN_AS_USER_SCHEMES:
            out.append(Found(m.start(2), m.end(2), "url token"))
    for m in SYSTEM_PROPERTY.finditer(value):
        name = m.group(1).rsplit(".", 1)[-1]
        if is_credential_key(name):
            v0, v1 = m.start(2), m.end(2)
            if value[v0] in "'\"":
                v0, v1 = v0 + 1, v1 - 1
            out.append(Found(v0, v1, m.group(1)))
    return [
        f
        for f in sorted(out, key=lambda f: f.start)
        if f.end > f.start
        and not PLACEHOLDER.search(value[f.start : f.end])
        and not value[f.start : f.end].startswith("$(")
    ]


def replace_in_string(value: str, found: list[Found], names: list[str], template: str) -> str:
    """`value` with each found secret replaced by template.format(name) (`${{{}}}` for Spring, `$({})` for Kubernetes
    env)."""
    out, pos = [], 0
    for f, name in zip(found, names, strict=True):
        out.append(value[pos:f.start])
        out.append(template.format(name))
        pos = f.end
    out.append(value[pos:])
    return "".join(out)


def _kube_name(service: str, var: str, what: str) -> list[str]:
    return (
        [service, "env", var]
        + ([] if what.startswith("url") else [what.rsplit(".", 1)[-1]])
        + (["password"] if what == "url password" else ["token"] if what == "url token" else [])
    )


def env_var_secret(
    service: str, var: str, value, creds: Credentials, *, src_file: str = "config", src: tuple | None = None
) -> list[dict]:
    """One service-settings env entry as container env entries.

    A secret-looking name: `valueFrom` a Secret key. Otherwise secrets inside the value (URL user-info,
    `-D...password=` system properties in JAVA_OPTS) each become an env var from a Secret, listed first,
    and the value refers to them as `$(NAME)`, which the kubelet expands from earlier entries
    (Kubernetes docs, "Define Dependent Environment Variables"). Secret-engine references stay as they
    are: the Spring service resolves them (kork-secrets).
    """
    secret = f"spinnaker-{kebab([service])}-env"
    origin = f"{src_file} env.{var}"
    if not isinstance(value, str) or not value or is_encrypted(value):
        return [{"name": str(var), "value": "" if value is None else str(value)}]
    if is_credential_key(var):
        key = creds.new_name(env_name([service, "env", var]), origin)
        creds.add_env(secret, key, value, origin, src_file=src_file, src=src)
        return [{"name": str(var), "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}]
    found = secrets_in_string(value)
    if not found:
        return [{"name": str(var), "value": value}]
    entries, names = [], []
    for f in found:
        key = creds.new_name(env_name(_kube_name(service, var, f.what)), f"{origin} {f.what}")
        creds.add_env(secret, key, value[f.start:f.end], f"{origin} ({f.what})", src_file=src_file, src=src)
        names.append(key)
        entries.append({"name": key, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}})
    return entries + [{"name": str(var), "value": replace_in_string(value, found, names, "$({})")}]


def string_secrets(
    data, creds: Credentials, secret, words_of, src_file: str, path: tuple = ()
) -> list[tuple[tuple, list[str]]]:
    """Secrets inside strings (URL user-info, `-D` properties) of a mapping, replaced in place by `${NAME}`.

    secret: the Secret's name, or path -> name; words_of(path) -> words for the env name. Returns [(path, [NAME, ...])].
    """
    out = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for k, v in list(items):
        p = path + (k,)
        if isinstance(v, str):
            found = secrets_in_string(v)
            if found:
                names = []
                for f in found:
                    extra = (
                        ["password"]
                        if f.what == "url password"
                        else ["token"]
                        if f.what == "url token"
                        else [f.what.rsplit(".", 1)[-1]]
                    )
                    name = creds.new_name(env_name(words_of(p) + extra), f"{src_file} {dotted(p)} {f.what}")
                    creds.add_env(
                        secret(p) if callable(secret) else secret,
                        name,
                        v[f.start : f.end],
                        f"{src_file} {dotted(p)} ({f.what})",
                        src_file=src_file,
                        src=p,
                    )
                    names.append(name)
                data[k] = replace_in_string(v, found, names, "${{{}}}")
                out.append((p, names))
        elif isinstance(v, (dict, list)):
            out.extend(string_secrets(v, creds, secret, words_of, src_file, p))
    return out


def profile_secrets(profile_name: str, data, creds: Credentials, path: tuple = (), *, src_file: str = "",
                    refs: list[ProfileRef] | None = None) -> list[tuple[tuple, str]]:
    """Replace secret-looking literals in a profile (a ruamel round-trip structure) in place: [(path, NAME)].

    Secret-engine references (`encrypted:`) are kept and `{cipher}` values get a placeholder whose value
    is unknown; both are appended to `refs` as (path, kind, value-prefix-free description) for the report.
    """

    refs = [] if refs is None else refs
    stem = profile_name.rsplit(".", 1)[0]
    out = []
    if isinstance(data, dict):
        for k in list(data.keys()):
            v = data[k]
            if isinstance(v, str) and is_encrypted(v):
                refs.append((path + (k,), "encrypted", v))
            elif is_credential_key(k) and isinstance(v, (str, int, float)) and not isinstance(v, bool) \
                    and str(v) and not PLACEHOLDER.search(str(v)):
                origin = f"{profile_name} {'.'.join(map(str, path + (k,)))}"
                name = creds.new_name(env_name([stem, *[p for p in path if isinstance(p, str)], k]), origin)
                cipher = str(v).startswith(CIPHER)
                creds.add_env(
                    PROFILES_SECRET, name, None if cipher else str(v), origin, src_file=src_file, src=path + (k,)
                )
                data[k] = "${" + name + "}"
                if cipher:
                    refs.append((path + (k,), "cipher", name))
                out.append((path + (k,), name))
            elif isinstance(v, str) and v.startswith(CIPHER):
                name = creds.new_name(
                    env_name([stem, *[p for p in path if isinstance(p, str)], k]), f"{profile_name} {k}"
                )
                creds.add_env(PROFILES_SECRET, name, None, f"{profile_name} {k}", src_file=src_file, src=path + (k,))
                data[k] = "${" + name + "}"
                refs.append((path + (k,), "cipher", name))
                out.append((path + (k,), name))
            else:
                out.extend(profile_secrets(profile_name, v, creds, path + (k,), src_file=src_file, refs=refs))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(profile_secrets(profile_name, v, creds, path + (i,), src_file=src_file, refs=refs))
    return out


def env_file(entries: list[EnvSecret]) -> tuple[str, dict[str, str]]:
    """(`KEY=value` lines for single-line values, {KEY: value} of multi-line ones)."""
    lines, multi = [], {}
    for e in sorted(entries, key=lambda e: e.key):
        if e.value is None:
            continue
        if "\n" in e.value or "\r" in e.value:
            multi[e.key] = e.value
        else:
            lines.append(f"{e.key}={e.value}")
    return ("\n".join(lines) + "\n") if lines else "", multi


__all__ = [
    "Credentials",
    "EnvSecret",
    "FileSecret",
    "env_file",
    "env_var_secret",
    "halconfig_credentials",
    "profile_secrets",
]
