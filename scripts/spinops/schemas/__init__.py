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
    )
}


def _package_dir() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@functools.cache
def load(name: str) -> dict:
    """The parsed schema `name` (cached: treat it as read-only)."""
    if name == "halconfig":
        from spinops.halconfig.schema import load_schema

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
    import jsonschema

    return jsonschema.Draft202012Validator(load(name))


def _unknown_keys(e, code: str, doc) -> list[Problem]:
    """An `additionalProperties: false` error: one problem per unknown key, at the key, with a guess."""
    props = e.schema.get("properties", {})
    out = []
    for key in (k for k in e.instance if k not in props):
        close = difflib.get_close_matches(str(key), sorted(props), n=1)
        hint = f"did you mean {close[0]!r}?" if close else (f"expected one of {', '.join(sorted(props))}" if props else None)
        out.append(doc.problem(tuple(e.absolute_path) + (key,), f"unknown field {key!r}", hint=hint, code=code))
    return out


def _message(e) -> str:
    custom = e.schema.get("patternErrorMessage") if e.validator == "pattern" else None
    custom = custom or e.schema.get("errorMessage")
    if custom:
        return custom
    if e.validator == "enum":
        return f"{e.instance!r} is not one of {', '.join(map(str, e.validator_value))}"
    if e.validator == "required":
        return e.message.replace(" is a required property", " is required")
    return e.message


def problems(name: str, doc, code: str) -> list[Problem]:
    """Every schema violation of `doc` (a spinops.yamlio.Located) as a Problem at its key's line:col."""
    out = []
    for e in sorted(_validator(name).iter_errors(doc.data), key=lambda e: (list(map(str, e.absolute_path)), e.validator)):
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            out.extend(_unknown_keys(e, code, doc))
        else:
            out.append(doc.problem(tuple(e.absolute_path), _message(e), code=code))
    return out
