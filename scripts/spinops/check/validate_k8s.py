"""Kubernetes schema validation with kubernetes-validate's bundled schemas, cached.

`kubernetes_validate.validate()` re-reads the kind's schema and the 1.8 MB `_definitions.json`
and builds a new validator on every call (~13 ms per resource), and stops at the first error.
Here the schemas are the same files (the same version resolution: the newest bundled version
not newer than the one asked for), but each version's definitions are loaded once, one compiled
validator is kept per (version, apiVersion, kind), and `iter_errors` reports every error of a
resource. The validator is jsonschema-rs (draft 2020-12, like kubernetes-validate's), about
200x faster than the Python jsonschema package on these schemas.

Resources without a bundled schema (CRDs such as ExternalSecret, removed APIs) are `skipped`,
unless `crd_schemas` holds a JSON Schema for them in the CRDs-catalog layout
`<dir>/<group>/<kind>_<version>.json` (lower-case kind) or flat `<dir>/<kind>_<version>.json`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from spinops.check.k8s import may_hold_credentials
from spinops.errors import InputError, Problem, UsageError

#: The Kubernetes minor validated against when neither `--kube-version` nor the environment sets one.
DEFAULT_KUBE_VERSION = "1.36"

_BASE = (
    "https://schemas.spinops.invalid/api/"  # a base URI so the schemas' `/api/_definitions.json` refs resolve offline
)


@dataclass
class Outcome:
    status: str  # "passed" | "failed" | "skipped"
    errors: list[tuple[tuple, str]] = field(default_factory=list)  # (path, message)
    reason: str = ""


@cache
def _schema_root() -> Path:
    """kubernetes-validate's bundled schema folder, found without importing the package (which
    imports the Python jsonschema stack, ~0.35 s, that this module does not use)."""
    spec = find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError(Problem("kubernetes-validate is not installed (pip install spinops)", code="kube-version"))
    return Path(list(spec.submodule_search_locations)[0]) / "kubernetes-json-schema"


@cache
def bundled_versions() -> tuple[str, ...]:
    """Every Kubernetes version kubernetes-validate ships schemas for, oldest first."""
    found = {m.group(1) for d in _schema_root().iterdir() if (m := re.match(r"^v(\d+\.\d+\.\d+)-local$", d.name))}
    return tuple(sorted(found, key=lambda v: tuple(int(x) for x in v.split("."))))


@cache
def _load(relative: str):
    """One schema file (parsed once per process); FileNotFoundError when the kind has none."""
    return json.loads((_schema_root() / relative).read_text(encoding="utf-8"))


def _minor(v: str) -> tuple[int, int]:
    m = re.match(r"^v?(\d+)\.(\d+)", v)
    if not m:
        raise ValueError(v)
    return int(m.group(1)), int(m.group(2))


def resolve_version(requested: str) -> str:
    """`1.33` -> `1.33.0`: the newest bundled schema set not newer than the requested minor."""
    try:
        want = _minor(str(requested))
    except ValueError:
        raise UsageError(
            Problem(
                f"--kube-version {requested!r}: expected MAJOR.MINOR such as {DEFAULT_KUBE_VERSION}",
                code="kube-version",
            )
        ) from None
    versions = bundled_versions()
    lowest, highest = versions[0], versions[-1]
    if want > _minor(highest) or want < _minor(lowest):
        raise UsageError(
            Problem(
                f"Kubernetes {requested} is not supported by the installed kubernetes-validate (schemas "
                f"{'.'.join(map(str, _minor(lowest)))} to {'.'.join(map(str, _minor(highest)))})",
                code="kube-version",
                hint="pick a supported version with --kube-version, or upgrade kubernetes-validate",
            )
        )
    return [v for v in versions if _minor(v) <= want][-1]


def _schema_dir(version: str, strict: bool) -> str:
    return f"v{version}-local" + ("-strict" if strict else "")


@cache
def _registry(version: str, strict: bool):
    import jsonschema_rs  # noqa: PLC0415 start-up: jsonschema-rs

    defs = _load(f"{_schema_dir(version, strict)}/_definitions.json")
    return jsonschema_rs.Registry([(_BASE + "_definitions.json", defs)])


@cache
def _validator(version: str, strict: bool, api_version: str, kind: str):
    """The compiled validator for one kind, or None when kubernetes-validate has no schema for it."""
    import jsonschema_rs  # noqa: PLC0415 start-up: jsonschema-rs

    av = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    if not kind or "/" in kind or "/" in av or kind.startswith("."):
        return None
    try:
        schema = _load(f"{_schema_dir(version, strict)}/{kind.lower()}-{av}.json")
    except FileNotFoundError:
        return None
    # the apiVersion `apps/v1` and `apps.example.com/v1` map to the same file name: check the group too
    enum = ((schema.get("properties") or {}).get("apiVersion") or {}).get("enum")
    if enum and api_version not in enum:
        return None
    return jsonschema_rs.validator_for(
        schema, registry=_registry(version, strict), base_uri=_BASE + f"{kind.lower()}-{av}.json"
    )


@cache
def _crd_validator(directory: str, api_version: str, kind: str):
    import jsonschema_rs  # noqa: PLC0415 start-up: jsonschema-rs

    group, _, ver = api_version.rpartition("/")
    base = Path(directory)
    for candidate in (base / group / f"{kind.lower()}_{ver}.json", base / f"{kind.lower()}_{ver}.json"):
        if candidate.is_file():
            try:
                schema = json.loads(candidate.read_text(encoding="utf-8"))
                return jsonschema_rs.validator_for(schema), str(candidate)
            except (json.JSONDecodeError, ValueError) as e:
                raise InputError(
                    Problem(f"invalid JSON Schema: {e}", file=str(candidate), code="invalid-crd-schema")
                ) from None
    return None


class SchemaValidator:
    """Validates resources against one Kubernetes version; compiled validators are shared process-wide."""

    def __init__(
        self, kube_version: str = DEFAULT_KUBE_VERSION, *, strict: bool = True, crd_schemas: Path | None = None
    ):
        self.requested = str(kube_version)
        self.version = resolve_version(self.requested)
        self.strict = strict
        self.crd_schemas = str(crd_schemas) if crd_schemas else None
        if crd_schemas is not None and not Path(crd_schemas).is_dir():
            raise UsageError(Problem(f"--crd-schemas {crd_schemas}: not a directory", code="crd-schemas"))

    @property
    def minor(self) -> str:
        return "{}.{}".format(*_minor(self.version))

    def validate(self, obj: dict) -> Outcome:
        api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
        validator = _validator(self.version, self.strict, api_version, kind)
        if validator is None and self.crd_schemas:
            found = _crd_validator(self.crd_schemas, api_version, kind)
            validator = found[0] if found else None
        if validator is None:
            return Outcome(
                "skipped",
                reason=f"no schema for {kind} {api_version} in Kubernetes {self.minor} (a CRD or a removed API)",
            )
        found = set(secret_data_errors(obj))
        if validator.is_valid(obj) and not found:
            return Outcome("passed")
        found |= {(tuple(e.instance_path), _message(obj, e)) for e in validator.iter_errors(obj)}
        return Outcome("failed", errors=sorted(found, key=lambda x: ([str(s) for s in x[0]], x[1])))


def secret_data_errors(obj: dict):
    """(path, message) for each v1 Secret `data` value that is not base64.

    Kubernetes API reference, Secret v1: `data` values are base64 (RFC 4648 section 4); the schema
    marks them `format: byte`, a format the validator does not check. The API server decodes with Go's
    encoding/base64 StdEncoding, which skips CR and LF but needs the padding. The value is never shown
    (it is a credential)."""
    data = obj.get("data")
    if obj.get("kind") != "Secret" or str(obj.get("apiVersion")) != "v1" or not isinstance(data, dict):
        return
    name = ((obj.get("metadata") or {}).get("name")) if isinstance(obj.get("metadata"), dict) else None
    for key, value in data.items():
        if isinstance(value, str) and not _is_base64(value):
            yield (
                ("data", key),
                f"Secret {name}: data key `{key}` is not valid base64 (Kubernetes stores `data` values "
                "base64-encoded; put plain text under `stringData`)",
            )


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


_VERB = re.compile(
    r" (?:is not|is a required|does not|has (?:less|more) than|is (?:too|less|greater|valid|disallowed|not "
    r"allowed)|should not)"
)


def _message(obj: dict, error) -> str:
    """The validator's message, without the offending value where it could be a credential."""
    msg = error.message
    if not may_hold_credentials(obj, tuple(error.instance_path)):
        return msg
    inst = error.instance
    if isinstance(inst, (dict, list)) and not inst:
        return msg
    rendered = (
        json.dumps(inst, ensure_ascii=False) if isinstance(inst, (str, int, float, bool)) or inst is None else None
    )
    if rendered is not None and msg.startswith(rendered):
        return "the value" + msg[len(rendered) :]
    m = _VERB.search(msg)
    return "the value" + msg[m.start() :] if m else "the value does not match the schema"
