"""Small helpers shared by the converters: read canonical halconfig data, build output dicts.

Converters build NEW dicts and may reference sub-dicts of their input (pass-through); they never
mutate the input. `render_structs` hands out independent copies (`deep_copy`), so a later stage
may edit one service's config without touching another's or the halconfig.
"""

from __future__ import annotations


def dig(data, *keys):
    """data[k1][k2]... or None when any level is missing or not a mapping."""
    for k in keys:
        if type(data) is not dict:
            return None
        data = data.get(k)
        if data is None:
            return None
    return data


def present(data, section: tuple[str, ...], names) -> dict:
    """{name: block} for each of `names` set under `section` (pass-through, in `names` order).

    The converters' common shape: copy the provider / store / channel blocks a service reads.
    """
    blocks = dig(data, *section)
    if type(blocks) is not dict:
        return {}
    return {n: blocks[n] for n in names if blocks.get(n) is not None}


def is_true(data, *keys) -> bool:
    """A tri-state boolean that is set and true (`enabled: true`); unset and false are both False."""
    return dig(data, *keys) is True


def text(data, *keys) -> str:
    """A string field; "" when unset (Kleat's getters return the zero value)."""
    v = dig(data, *keys)
    return v if type(v) is str else ""


def compact(**fields) -> dict:
    """A message: fields that are None (unset) or "" (zero string) are omitted, others kept."""
    return {k: v for k, v in fields.items() if v is not None and v != ""}


def deep_copy(obj):
    """Copy JSON-like data (dict/list/scalars); several times faster than copy.deepcopy."""
    t = type(obj)
    if t is dict:
        return {k: deep_copy(v) if type(v) in (dict, list) else v for k, v in obj.items()}
    if t is list:
        return [deep_copy(v) if type(v) in (dict, list) else v for v in obj]
    return obj
