"""What a credential is, and how a credential value is hidden: one definition for every command.

build (wire), check, diff, apply, migrate and every report ask this module, so they cannot disagree:

- placeholder syntax: Spring's `${NAME}` / `${NAME:default}`; NAME is a credential (an environment
  variable from a Secret) when secrets.yml declares it or it is UPPER_SNAKE_CASE;
- credential keys: a key whose literal string value is a credential. The halconfig schema's
  `x-spinops-credential` field names (password, token, clientSecret, applicationKey, ...) and any key
  whose last word is one of CREDENTIAL_WORDS (camelCase, snake_case, kebab-case and dotted keys
  alike: `dbPasswd`, `api-key`, `DB_PWD`, `secretKey`); `TOKEN_URL` or `passwordFile` are not;
- the schema's credential fields, walked once (`credential_fields`, `credential_values`,
  `is_credential_path`);
- `halconfig/secrets.yml`, which names the Secrets and their keys (never values);
- masking (`Masker`): every form a secret value can take in text we print (raw, each line of a
  multi-line value, base64, JSON-escaped, YAML single-quoted, as the diff shows tabs), values shorter
  than MIN_MASK_LEN are left alone (masking one or two characters would shred every line).
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinops import layout, yamlio
from spinops.errors import InputError, Problem
from spinops.halconfig.schema import load_schema, resolve

# --------------------------------------------------------------------------------------------
# placeholders

PLACEHOLDER = re.compile(r"\$\{([^}:\s]+)(:[^}]*)?\}")
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def strings(obj: Any) -> Iterator[str]:
    """Every string of a parsed document: values and mapping keys."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(k, str):
                yield k
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)


def string_paths(obj: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(path, string) of every string of a parsed document in document order, as `strings` (a mapping key at
    the path of its entry)."""
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(k, str):
                yield (*path, k), k
            yield from string_paths(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from string_paths(v, (*path, i))


def find_placeholders(text_or_struct: Any) -> set[str]:
    """Every `${NAME}` used (Spring syntax: `${NAME:default}` counts as NAME), property references included."""
    out: set[str] = set()
    for s in strings(text_or_struct):
        if "${" in s:
            out.update(m.group(1) for m in PLACEHOLDER.finditer(s))
    return out


def is_env_credential(name: str, inventory: SecretInventory | None = None) -> bool:
    """The rule: declared in secrets.yml, or UPPER_SNAKE_CASE (Spring property references are dotted/camelCase)."""
    return bool(inventory and name in inventory.env_owner) or bool(ENV_NAME.match(name))


# --------------------------------------------------------------------------------------------
# credential keys

#: Last words of a key that holds a credential. Compared with the key lower-cased and stripped of
#: separators, so `dbPassword`, `DB_PASSWORD`, `db-password` and `db.password` are the same.
CREDENTIAL_WORDS = (
    "password", "passwd", "passphrase", "secret", "token", "credential", "credentials",
    "apikey", "appkey", "accesskey", "secretkey", "privatekey", "insertkey",
)
#: `pwd` counts only as the last of several words (`DB_PWD`, `dbPwd`): a bare `PWD` is the shell's directory.
_SHORT_WORDS = ("pwd",)
#: A kork secret-engine reference, `encrypted:<engine>!<name>:<value>...` or `encryptedFile:...` (kork-secrets
#: EncryptedSecret.java). The Spring service decrypts it when it reads the property (SecretAwarePropertySource),
#: so it is not a literal credential and names no file of a Secret.
SECRET_REFERENCE = re.compile(r"(?i)^encrypted(file)?:[^!]+(![A-Za-z0-9]+:.+)+$")
_WORD_BREAK = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


@functools.cache
def schema_credential_keys() -> frozenset[str]:
    """Field names the halconfig schema marks `x-spinops-credential`, normalised (`api_key` -> apikey)."""
    return frozenset(
        _norm(p.rsplit(".", 1)[-1].replace("[]", "")) for p, kind in credential_fields() if kind == "credential"
    )


def is_credential_key(key: Any) -> bool:
    """Whether a key's literal value is a credential (see the module docstring)."""
    if not isinstance(key, str) or not key:
        return False
    norm = _norm(key)
    if not norm:
        return False
    if norm in schema_credential_keys() or norm.endswith(CREDENTIAL_WORDS):
        return True
    words = [w for w in _WORD_BREAK.split(key) if w]
    return len(words) > 1 and words[-1].lower() in _SHORT_WORDS


def literal_default(value: str) -> bool:
    """Whether a placeholder in `value` has a literal default (`${NAME:hunter2}`): Spring uses it when
    NAME is unset, so on a credential it is a literal credential. An empty default or a nested
    placeholder (`${NAME:${OTHER}}`) is not."""
    for m in PLACEHOLDER.finditer(value):
        default = (m.group(2) or ":")[1:]
        if default.strip() and not default.startswith("${"):
            return True
    return False


def is_literal(value: Any) -> bool:
    """A value that would be a leaked credential: not a placeholder (without a literal default), a
    secret-engine reference, empty or boolean."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return True
    if not isinstance(value, str):
        return False
    v = value.strip()
    if not v:
        return False
    if "${" in v:
        return literal_default(v)
    return not SECRET_REFERENCE.match(v)


def literal_credentials(obj: Any, path: tuple = ()) -> Iterator[tuple]:
    """Paths of literal values under credential keys in a parsed file (profiles, patched files)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if is_credential_key(k) and not isinstance(v, (dict, list)) and is_literal(v):
                yield path + (k,)
            else:
                yield from literal_credentials(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from literal_credentials(v, path + (i,))


# --------------------------------------------------------------------------------------------
# the halconfig schema's credential fields


@functools.cache
def credential_fields() -> tuple[tuple[str, str], ...]:
    """Every credential field of the packaged schema as (dotted pattern, kind), sorted by pattern.

    kind is "credential" (a secret string) or "credential-file" (a path to a credential file).
    Patterns use `[]` for list items and `*` for map values, e.g.
    ("artifacts.github.accounts[].token", "credential"),
    ("providers.kubernetes.accounts[].kubeconfigFile", "credential-file").
    Proto-name aliases (datadog `apiKey` for `api_key`, ...) are listed too.
    """
    return credential_fields_of(load_schema())


def credential_fields_of(schema: dict) -> tuple[tuple[str, str], ...]:
    """credential_fields() of a given schema (tests pass their own); not cached."""
    out: list[tuple[str, str]] = []

    def walk(node: dict, prefix: str, depth: int) -> None:
        if depth > 40:  # the format is a tree; this only guards against a broken schema file
            raise ValueError(f"schema nesting too deep at {prefix!r}")
        if node.get("x-spinops-credential"):
            out.append((prefix, "credential"))
        if node.get("x-spinops-credential-file"):
            out.append((prefix, "credential-file"))
        node = resolve(node, schema)
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            walk(node["items"], prefix + "[]", depth + 1)
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{prefix}.{name}" if prefix else name, depth + 1)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            walk(extra, prefix + ".*", depth + 1)

    walk(schema, "", 0)
    return tuple(sorted(out))


def _trie(fields: Iterable[tuple[str, str]]) -> dict:
    """Credential field patterns as a trie over data keys ("[]": list items, "*": map values)."""
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


@functools.cache
def _packaged_trie() -> dict:
    return _trie(credential_fields())


def credential_values(data: Any, schema: dict | None = None) -> Iterator[tuple[tuple, str, Any]]:
    """(path, "credential" | "credential-file", value) for every credential field set in `data`.

    Follows only the schema's credential paths, so the cost is the number of credential values.
    """
    trie = _packaged_trie() if schema is None else _trie(credential_fields_of(schema))

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


def credential_kind(path: tuple) -> str | None:
    """"credential" / "credential-file" when a halconfig data path is such a field, else None."""
    node = _packaged_trie()
    for seg in path:
        nxt = node.get("[]") if isinstance(seg, int) else (node.get(seg) or node.get("*"))
        if nxt is None:
            return None
        node = nxt
    return node.get(None)


def is_credential_path(path: tuple) -> bool:
    """Whether a halconfig data path is a field the schema marks x-spinops-credential."""
    return credential_kind(tuple(path)) == "credential"


def credential_paths() -> list[tuple[str, ...]]:
    """The credential (not -file) fields as key tuples, `*` for list items; map-valued fields left out
    (diff's impact analysis looks for them under sections that were switched on)."""
    out = set()
    for pattern, kind in credential_fields():
        if kind != "credential" or ".*" in pattern or pattern.startswith("*"):
            continue
        out.add(
            tuple(
                tok
                for seg in pattern.split(".")
                for tok in ([seg.rstrip("[]")] + ["*"] * ((len(seg) - len(seg.rstrip("[]"))) // 2))
                if tok
            )
        )
    return sorted(out)


# --------------------------------------------------------------------------------------------
# secrets.yml

SECRETS_FILE = str(layout.SECRETS_FILE)


@dataclass(frozen=True)
class SecretDecl:
    name: str
    source: str
    env: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    mount_path: str | None = None

    @property
    def mount(self) -> str:
        """The mountPath of a Secret with files (the schema requires one for them)."""
        if self.mount_path is None:
            raise ValueError(f"Secret {self.name}: files without a mountPath")
        return self.mount_path

    def file_path(self, f: str) -> str:
        return f"{self.mount.rstrip('/')}/{f}"


@dataclass
class SecretInventory:
    secrets: dict[str, SecretDecl] = field(default_factory=dict)
    file: str = SECRETS_FILE
    doc: Any = None  # spinops.yamlio.Located, for line numbers
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

    def as_dict(self) -> dict[str, dict]:
        """Secret name -> {"source", "env", "files"} (what diff's impact report reads)."""
        return {
            name: {"source": d.source, "env": list(d.env), "files": list(d.files)} for name, d in self.secrets.items()
        }


def parse_secrets(doc) -> SecretInventory:
    """Validate a parsed secrets.yml (a spinops.yamlio.Located) against its schema (spinops/schemas/secrets.schema.json,
    the one editors get), then what a schema cannot say: keys and mount paths declared twice; InputError with every
    problem."""
    from spinops import schemas  # noqa: PLC0415 start-up: difflib

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
                problems.append(
                    doc.problem(
                        p + ("env", i),
                        f"env key {e} is also declared by Secret {inv.env_owner[e]}",
                        code="secrets-duplicate",
                    )
                )
            else:
                inv.env_owner[e] = name
        if mount is not None:
            norm = mount.rstrip("/")
            for other_path, other in mounts.items():
                if norm == other_path or norm.startswith(other_path + "/") or other_path.startswith(norm + "/"):
                    problems.append(
                        doc.problem(
                            p + ("mountPath",),
                            f"mountPath {mount} overlaps Secret {other}'s {other_path}",
                            code="secrets-duplicate",
                        )
                    )
            mounts[norm] = name
        if not env and not files:
            problems.append(
                doc.problem(p, "declares neither env keys nor files", severity="warning", code="secrets-empty")
            )
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
    path = layout.Repo(repo).secrets_file
    if not path.exists() and not path.is_symlink():
        return SecretInventory()
    return parse_secrets(yamlio.read(path, SECRETS_FILE, root=Path(repo)))


# --------------------------------------------------------------------------------------------
# masking

MASK = "***"
#: A value that changed, on each side of a diff (kubectl diff masks Secrets with the same words).
MASK_BEFORE = "*** (before)"
MASK_AFTER = "*** (after)"
_MARKERS = frozenset({MASK, MASK_BEFORE, MASK_AFTER})
#: Shorter values are not masked: one or two characters would shred every line of the text.
MIN_MASK_LEN = 3


def mask_forms(value: str) -> set[str]:
    """Every form in which `value` can appear in text we print, each at least MIN_MASK_LEN long."""
    out: set[str] = set()
    for piece in {value, *value.splitlines(), value.strip()}:
        piece = piece.strip("\r\n")
        for p in (piece, piece.strip()):
            if len(p) < MIN_MASK_LEN or p in _MARKERS:
                continue
            out.add(p)
            out.add(json.dumps(p, ensure_ascii=False)[1:-1])  # inside a JSON string
            out.add(p.replace("\t", "\u2409").replace("\r", "\u240d"))  # as the diff text shows tabs
            out.add(p.replace("'", "''"))  # inside a single-quoted YAML scalar
    if len(value) >= MIN_MASK_LEN and value not in _MARKERS:
        out.add(base64.b64encode(value.encode()).decode())  # a Secret manifest's data
    return out


class Masker:
    """Replaces every form of every secret value in a text with `***` (longest first, so overlaps are deterministic)."""

    def __init__(self, values: Iterable[str] = ()):
        tokens: set[str] = set()
        self.values: list[str] = []
        for v in values:
            if isinstance(v, str) and v:
                self.values.append(v)
                tokens |= mask_forms(v)
        self.tokens = sorted(tokens, key=lambda t: (-len(t), t))

    def __call__(self, text: str) -> str:
        for t in self.tokens:
            if t in text:
                text = text.replace(t, MASK)
        return text

    def scrub(self, obj: Any) -> Any:
        """`obj` with every string (keys too) masked. A writer may escape or fold a string (YAML writes
        one with a control character double-quoted with `\\e`-style escapes, and folds a line over its
        width at a space), so the text safety net cannot see every form: mask before writing."""
        if not self.tokens:
            return obj
        if isinstance(obj, str):
            return self(obj)
        if isinstance(obj, dict):
            return {self.scrub(k): self.scrub(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.scrub(v) for v in obj]
        return obj

    def __bool__(self) -> bool:
        return bool(self.tokens)

    def runner_masks(self) -> list[str]:
        """What to register with a CI runner's log masking (GitHub `::add-mask::`): each value, its
        lines and its base64 form (the runner masks line by line, and cannot match across lines)."""
        out: list[str] = []
        for v in self.values:
            if len(v.strip()) < MIN_MASK_LEN:
                continue
            for p in (v, *(v.splitlines() if "\n" in v or "\r" in v else ()), base64.b64encode(v.encode()).decode()):
                if len(p.strip()) >= MIN_MASK_LEN and p not in out:
                    out.append(p)
        return out
