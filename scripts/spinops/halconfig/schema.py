"""The halconfig JSON Schema (draft 2020-12) and a few pure helpers to walk it.

The schema file `halconfig.schema.json` ships inside the package and is the single description
of the halconfig format: validation, the renderer's field filtering and presence rules read it.
It was written for spinops from the facts of Kleat's proto field list (see docs/halconfig-schema.md).

This module is on the render hot path: it imports only json/functools/os (importlib.resources costs
~12 ms of imports, so it is used only when the package is not installed as plain files, e.g. a zip).
Custom keywords (ignored by generic validators) are described in docs/contracts.md:
x-kleat-wrapper, x-kleat-alias-of, x-kleat-enum-numbers, x-spinops-credential, x-spinops-credential-file
(the credential fields are walked once, in spinops.credentials).
"""

from __future__ import annotations

import functools
import json
import os

SCHEMA_FILE = "halconfig.schema.json"
_REF_PREFIX = "#/$defs/"


@functools.cache
def load_schema() -> dict:
    """The parsed schema. Cached: treat the result as read-only."""
    return json.loads(_read_package_file(SCHEMA_FILE))


def _read_package_file(name: str) -> str:
    path = os.path.join(os.path.dirname(__file__), name)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    # package data not on the file system (zipapp, zipimport)
    from importlib import resources  # noqa: PLC0415 start-up: importlib.resources costs ~18 ms, rarely needed

    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@functools.cache
def schema_text() -> str:
    """The schema as `spinops schema` prints it: sorted keys, indent 2, trailing newline."""
    return json.dumps(load_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def resolve(node: dict, schema: dict | None = None) -> dict:
    """Follow `$ref` (only local `#/$defs/<name>` refs occur) until a node without one.

    Sibling keywords of a `$ref` (description, annotations) are not merged: read them from
    the referring node before resolving.
    """
    root = schema if schema is not None else load_schema()
    seen = 0
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith(_REF_PREFIX):
            raise ValueError(f"unsupported $ref {ref!r}")
        node = root["$defs"][ref[len(_REF_PREFIX) :]]
        seen += 1
        if seen > 32:
            raise ValueError(f"$ref cycle at {ref!r}")
    return node


def child(node: dict, key: str | int, schema: dict | None = None) -> dict | None:
    """The (unresolved) schema node of `key` inside `node`, or None if `key` is not allowed.

    Objects: `properties[key]`, else a schema-valued `additionalProperties` (maps).
    Arrays: `items` for an int key. Aliases (`x-kleat-alias-of`) are returned as they are.
    """
    node = resolve(node, schema)
    if isinstance(key, int):
        return node.get("items") if node.get("type") == "array" else None
    props = node.get("properties", {})
    if key in props:
        return props[key]
    extra = node.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def at(path: tuple[str | int, ...] | list[str | int], schema: dict | None = None) -> dict | None:
    """The schema node at a data path like ("providers", "kubernetes", "accounts", 0, "name")."""
    node: dict | None = schema if schema is not None else load_schema()
    for key in path:
        node = child(node, key, schema) if node is not None else None
    return node
