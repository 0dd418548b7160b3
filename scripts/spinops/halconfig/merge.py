"""Deep merge of halconfig fragments and environment overlays (pure; inputs are never mutated).

Fragments (`halconfig/*.yml`) are merged in name order and must agree: a mapping merges key by key,
and the same key set to two different values (scalars, lists, or a mapping against a scalar) is a
conflict. A list is a value: two fragments may only set the same list if it is equal. `null` in a
fragment means "not set" and never conflicts.

An overlay (`halconfig/env/<env>.yml`) is merged on top and may override anything: mappings merge
key by key, every other value (lists included) replaces the one below, and `null` deletes the key.
"""

from __future__ import annotations

Conflict = tuple[tuple, object, object]  # (path, value kept, value refused)


def merge_fragments(base: dict, fragment: dict, conflicts: list[Conflict], path: tuple = ()) -> dict:
    """`base` with `fragment` merged in; disagreements are appended to `conflicts` (base wins)."""
    out = dict(base)
    for k, v in fragment.items():
        if v is None:
            continue
        if k not in out or out[k] is None:
            out[k] = v
            continue
        old = out[k]
        if isinstance(old, dict) and isinstance(v, dict):
            out[k] = merge_fragments(old, v, conflicts, (*path, k))
        elif not same(old, v):
            conflicts.append(((*path, k), old, v))
    return out


def apply_overlay(base: dict, overlay: dict) -> dict:
    """`base` with `overlay` on top: mappings merge, other values replace, `null` deletes."""
    out = dict(base)
    for k, v in overlay.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = apply_overlay(out[k], v)
        else:
            out[k] = _without_nulls(v)
    return out


def _without_nulls(v: object) -> object:
    # a mapping that replaces nothing below still must not carry "delete" markers as values
    if isinstance(v, dict):
        return {k: _without_nulls(x) for k, x in v.items() if x is not None}
    return v


def same(a: object, b: object) -> bool:
    """Equality that does not confuse `true` with `1` (Python's bool is an int)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def contains(data: object, path: tuple) -> bool:
    """True when `path` exists in `data` (a mapping key or list index at each step)."""
    node = data
    for step in path:
        if isinstance(node, dict):
            if step not in node:
                return False
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int):
            if not 0 <= step < len(node):
                return False
            node = node[step]
        else:
            return False
    return True


def owner(layers: list, path: tuple):
    """The first of `layers` (sources with `.data`, in merge order) that sets `path`, or None."""
    for layer in layers:
        if contains(layer.data, path):
            return layer
    return None
