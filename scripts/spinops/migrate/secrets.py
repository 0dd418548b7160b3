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
- `encrypted:`/`encryptedFile:` references (Halyard secret engines) cannot be resolved here: they
  become placeholders/paths like the rest, and the report lists them for manual handling.
- Service-settings env values that look secret and profile keys that look secret get the same
  treatment (see `env_var_secret`, `profile_secrets`).

Nothing here writes files; `plan.py` does. Values never appear in notes.
"""

from __future__ import annotations

import copy
import posixpath
import re
from dataclasses import dataclass, field

from spinops.migrate.model import MANUAL, SECRET, Note, dotted, env_name, get, item_label, kebab

FILES_SECRET = "spinnaker-files"
FILES_MOUNT = "/var/secrets/spinnaker"
PROFILES_SECRET = "spinnaker-profiles"
SECRETS_DIR = ".secrets"
#: Container words left out of derived names (the item's name says more).
GENERIC = frozenset({"accounts", "masters", "searches", "publishers", "subscriptions", "clusters", "serviceIntegrations",
                     "groupMembership", "user", "client"})
#: Environment variable names whose values are treated as credentials (service-settings env).
SECRET_ENV_VAR = re.compile(r"(?i)(passw(or)?d|secret|token|api_?key|app_?key|access_?key|private_?key|credential|passphrase)")
ENCRYPTED = ("encrypted:", "encryptedFile:")


@dataclass
class EnvSecret:
    secret: str  # Kubernetes Secret
    key: str  # env var / Secret key
    value: str | None  # None: unknown (encrypted: reference, or already a placeholder)
    where: str  # a description of the origin, for the report (never the value)


@dataclass
class FileSecret:
    key: str  # file name inside Secret spinnaker-files
    content: bytes | None  # None: not found in SOURCE
    origin: str  # the path as Halyard had it
    found_at: str | None = None  # where it was read from


@dataclass
class Credentials:
    env: list[EnvSecret] = field(default_factory=list)
    files: list[FileSecret] = field(default_factory=list)
    _names: dict[str, str] = field(default_factory=dict)  # env key -> origin description
    _file_keys: dict[str, str] = field(default_factory=dict)  # file key -> origin value

    def new_name(self, base: str, origin: str) -> str:
        name, n = base, 1
        while name in self._names and self._names[name] != origin:
            n += 1
            name = f"{base}_{n}"
        self._names[name] = origin
        return name

    def add_env(self, secret: str, key: str, value: str | None, where: str) -> None:
        if not any(e.key == key for e in self.env):
            self.env.append(EnvSecret(secret, key, value, where))

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
            out[FILES_SECRET] = {"source": "external", "mountPath": FILES_MOUNT, "files": sorted({f.key for f in self.files})}
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
    from spinops.wire import PLACEHOLDER, credential_values

    data = copy.deepcopy(data)
    notes: list[Note] = []
    copied = {f.key for f in creds.files}
    for path, kind, value in list(credential_values(data)):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # `password: 12345` is a credential too (YAML read it as a number)
        if not isinstance(value, str) or not value.strip():
            continue
        dotted_path = dotted(path)
        words = _words(data, path)
        if kind == "credential":
            m = PLACEHOLDER.fullmatch(value.strip())
            if m:
                name = m.group(1)
                if re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
                    creds.add_env(secret_for(path), name, None, dotted_path)
                    notes.append(Note(MANUAL, f"`{dotted_path}` already holds the placeholder ${{{name}}}: declared in halconfig/secrets.yml; "
                                      f"supply its value (GitHub environment secret {name})", src=path, out=path, topic="Credentials"))
                continue
            if path[-1] == "kubeconfigContents" and "\n" in value.strip():
                label = item_label(get(data, path[:-1]), 0)
                key = creds.file_key(f"/inline/{kebab([label])}.kubeconfig", label)
                creds.files.append(FileSecret(key, value.encode(), f"{dotted_path} (inline)", "the halconfig"))
                del get(data, path[:-1])[path[-1]]
                _set(data, path[:-1] + ("kubeconfigFile",), f"{FILES_MOUNT}/{key}")
                notes.append(Note(SECRET, f"inline `kubeconfigContents` moved to file {SECRETS_DIR}/{FILES_SECRET}/{key}; `kubeconfigFile` points at "
                                  f"{FILES_MOUNT}/{key} (Secret {FILES_SECRET})", src=path, out=path[:-1] + ("kubeconfigFile",), topic="Credentials"))
                continue
            name = creds.new_name(env_name(words), dotted_path)
            secret = secret_for(path)
            _set(data, path, "${" + name + "}")
            if value.startswith(ENCRYPTED):
                creds.add_env(secret, name, None, dotted_path)
                notes.append(Note(MANUAL, f"`{dotted_path}` is a Halyard secret-engine reference ({value.split('!')[0]}...): replaced by ${{{name}}} "
                                  f"(Secret {secret}); resolve the reference yourself and store the value as {name}", src=path, out=path, topic="Credentials"))
            else:
                creds.add_env(secret, name, value, dotted_path)
                notes.append(Note(SECRET, f"literal credential `{dotted_path}` replaced by ${{{name}}} (Secret {secret}, value in "
                                  f"{SECRETS_DIR}/{secret}.env)", src=path, out=path, topic="Credentials"))
        else:  # credential-file
            if PLACEHOLDER.search(value):
                continue
            label = "-".join(w for w in words[:-1][-1:])
            if value.startswith("encryptedFile:"):
                key = creds.file_key(value, label)
                creds.files.append(FileSecret(key, None, value))
                _set(data, path, f"{FILES_MOUNT}/{key}")
                notes.append(Note(MANUAL, f"`{dotted_path}` is a Halyard encrypted file reference: decrypt it into {SECRETS_DIR}/{FILES_SECRET}/{key}; "
                                  f"the halconfig now points at {FILES_MOUNT}/{key}", src=path, out=path, topic="Credentials"))
                continue
            key = creds.file_key(value, label)
            found_at, content = source.resolve_file(value)
            if key not in copied:
                copied.add(key)
                creds.files.append(FileSecret(key, content, value, found_at))
            _set(data, path, f"{FILES_MOUNT}/{key}")
            if content is None:
                notes.append(Note(MANUAL, f"credential file `{value}` (`{dotted_path}`) is not in SOURCE: copy it to {SECRETS_DIR}/{FILES_SECRET}/{key} "
                                  f"(the halconfig now points at {FILES_MOUNT}/{key}, Secret {FILES_SECRET})", src=path, out=path, topic="Credentials"))
            else:
                notes.append(Note(SECRET, f"credential file `{value}` copied to {SECRETS_DIR}/{FILES_SECRET}/{key}; `{dotted_path}` now points at "
                                  f"{FILES_MOUNT}/{key} (Secret {FILES_SECRET}, mounted only where it is read)", src=path, out=path, topic="Credentials"))
    return data, notes


def env_var_secret(service: str, var: str, value, creds: Credentials) -> tuple[dict | None, str | None]:
    """A service-settings env entry: (`valueFrom` for a secret-looking literal, its key) or (None, None)."""
    if not isinstance(value, str) or not value:
        return None, None
    if not (SECRET_ENV_VAR.search(var) or value.startswith(ENCRYPTED)):
        return None, None
    origin = f"service-settings/{service}.yml env.{var}"
    key = creds.new_name(env_name([service, "env", var]), origin)
    secret = f"spinnaker-{kebab([service])}-env"
    creds.add_env(secret, key, None if value.startswith(ENCRYPTED) else value, origin)
    return {"secretKeyRef": {"name": secret, "key": key}}, key


def profile_secrets(profile_name: str, data, creds: Credentials, path: tuple = ()) -> list[tuple[tuple, str]]:
    """Replace secret-looking literals in a profile (a ruamel round-trip structure) in place: [(path, NAME)]."""
    from spinops.wire import CREDENTIAL_KEY, PLACEHOLDER

    out = []
    if isinstance(data, dict):
        for k in list(data.keys()):
            v = data[k]
            if isinstance(k, str) and CREDENTIAL_KEY.search(k) and isinstance(v, str) and v and not PLACEHOLDER.search(v):
                stem = profile_name.rsplit(".", 1)[0]
                origin = f"{profile_name} {'.'.join(map(str, path + (k,)))}"
                name = creds.new_name(env_name([stem, *[p for p in path if isinstance(p, str)], k]), origin)
                creds.add_env(PROFILES_SECRET, name, None if v.startswith(ENCRYPTED) else v, origin)
                data[k] = "${" + name + "}"
                out.append((path + (k,), name))
            else:
                out.extend(profile_secrets(profile_name, v, creds, path + (k,)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(profile_secrets(profile_name, v, creds, path + (i,)))
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


__all__ = ["Credentials", "EnvSecret", "FileSecret", "env_file", "env_var_secret", "halconfig_credentials", "profile_secrets"]
