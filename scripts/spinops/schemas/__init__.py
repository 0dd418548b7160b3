"""The JSON Schemas of every hand-written file: one source for the loaders and for editors.

Each loader validates with the schema registered here, and `spinops schema --out-dir DIR` exports
the same files for yaml-language-server (`.vscode/settings.json` maps them in this repository).
Messages: a subschema's `errorMessage` / `patternErrorMessage` (VS Code's schema extensions, which
yaml-language-server also shows: redhat-developer/yaml-language-server
src/languageservice/jsonSchema.ts) is what the loader prints too, so editor and CLI say the same.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
from dataclasses import dataclass

from spinops.errors import Problem
from spinops.halconfig.schema import load_schema


@dataclass(frozen=True)
class Schema:
    name: str
    package_path: str  # relative to the spinops package
    files: tuple[str, ...]  # the repository files it describes (globs, as yaml.schemas takes them)

    @property
    def file_name(self) -> str:
        return os.path.basename(self.package_path)


SCHEMAS: dict[str, Schema] = {
    s.name: s
    for s in (
        Schema("halconfig", "halconfig/halconfig.schema.json", ("halconfig/halconfig.yml", "halconfig/env/*.yml")),
        Schema("secrets", "schemas/secrets.schema.json", ("halconfig/secrets.yml",)),
        Schema("patch", "schemas/patch.schema.json", ("halconfig/patches/*.yml", "halconfig/patches/*.yaml")),
        Schema("overlay-settings", "schemas/overlay-settings.schema.json", ("kustomize/overlays/*/spinops.yml",)),
        # rule files have no fixed place (`spinops check --rules FILE`): by name
        Schema("kube-lint-rules", "schemas/kube-lint-rules.schema.json", ("**/kube-lint*.yml", "**/kube-lint*.yaml")),
    )
}


def _package_dir() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@functools.cache
def load(name: str) -> dict:
    """The parsed schema `name` (cached: treat it as read-only)."""
    if name == "halconfig":
        return load_schema()
    with open(os.path.join(_package_dir(), SCHEMAS[name].package_path), encoding="utf-8") as fh:
        return json.load(fh)


def text(name: str) -> str:
    """The schema as `spinops schema` writes it: sorted keys, indent 2, trailing newline."""
    return json.dumps(load(name), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------------
# validation with located problems


@functools.cache
def _validator(name: str):
    import jsonschema  # noqa: PLC0415 start-up: jsonschema

    return jsonschema.Draft202012Validator(load(name))


#: The schemas whose valid documents are confirmed by jsonschema-rs first (a compiled Rust validator, ~25 ms to
#: import against ~75 ms for jsonschema + referencing, which then load only to explain a violation). Only schemas
#: whose every `pattern` accepts nothing Python's `re` rejects: kube-lint-rules' `\S` does (U+001C..U+001F are
#: whitespace to Python, not to Rust's regex), so it stays on jsonschema alone (tests/test_schema_fast_path.py).
FAST_PATH = frozenset({"secrets", "patch", "overlay-settings"})


@functools.cache
def _fast_validator(name: str):
    import jsonschema_rs  # noqa: PLC0415 start-up: jsonschema-rs

    return jsonschema_rs.validator_for(load(name))


def fast_valid(name: str, data) -> bool:
    """True when jsonschema-rs finds `data` valid against `name`; False when it does not, or cannot tell (a value
    JSON has no type for, such as a YAML timestamp, or a non-string key): then jsonschema decides."""
    if name not in FAST_PATH:
        return False
    try:
        return bool(_fast_validator(name).is_valid(data))
    except Exception:  # noqa: BLE001 whatever jsonschema-rs cannot convert, jsonschema validates
        return False


def _unknown_keys(e, code: str, doc) -> list[Problem]:
    """An `additionalProperties: false` error: one problem per unknown key, at the key, with a guess."""
    props = e.schema.get("properties", {})
    out = []
    for key in (k for k in e.instance if k not in props):
        close = difflib.get_close_matches(str(key), sorted(props), n=1)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else (f"expected one of {', '.join(sorted(props))}" if props else None)
        )
        out.append(doc.problem(tuple(e.absolute_path) + (key,), f"unknown field {key!r}", hint=hint, code=code))
    return sorted(out, key=lambda p: (p.line or 0, p.column or 0))


def _missing(e) -> str | None:
    """The field a `required` error is about (jsonschema yields one error per missing field, naming it)."""
    return next((r for r in e.validator_value if r not in e.instance and repr(r) in e.message), None)


def _message(e) -> str:
    """The subschema's own message where it has one (as yaml-language-server shows it), else a plain one."""
    if e.validator == "pattern" and "patternErrorMessage" in e.schema:
        return e.schema["patternErrorMessage"]
    if e.validator == "required":
        return e.message.replace(" is a required property", " is required")
    if e.validator == "dependentRequired":
        needed = next(
            k for k, v in e.validator_value.items() if k in e.instance and any(r not in e.instance for r in v)
        )
        return f"`{needed}` needs `{next(r for r in e.validator_value[needed] if r not in e.instance)}`"
    if "errorMessage" in e.schema:
        return e.schema["errorMessage"]
    if e.validator == "enum":
        return f"{e.instance!r} is not one of {', '.join(map(str, e.validator_value))}"
    return e.message


def problems(name: str, doc, code: str, codes: dict[str, str] | None = None) -> list[Problem]:
    """Every schema violation of `doc` (a spinops.yamlio.Located) as a Problem at its key's line:col.

    code: the problem code; codes: a more specific one by the top-level field the violation is about."""
    if fast_valid(name, doc.data):
        return []
    out = []
    for e in _validator(name).iter_errors(doc.data):
        path = tuple(e.absolute_path)
        field = path[0] if path else _missing(e) if e.validator == "required" else None
        c = (codes or {}).get(field, code) if isinstance(field, str) else code
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            out.extend(_unknown_keys(e, c, doc))
        elif "propertyNames" in e.absolute_schema_path:  # a bad key: located at the key itself
            out.append(doc.problem(path + (e.instance,), f"{e.instance!r}: {_message(e)}", code=c))
        else:
            out.append(doc.problem(path, _message(e), code=c))
    return sorted(out, key=lambda p: (p.line or 0, p.column or 0))
