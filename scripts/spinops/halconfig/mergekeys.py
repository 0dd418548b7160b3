"""YAML merge keys (`<<: *base`) read as Kleat's gopkg.in/yaml.v2 v2.4.0 reads them.

yaml-rs leaves `<<` as an ordinary key; yaml.v2 (decode.go) merges, with these rules:

- only a **plain** `<<` is the merge key (`isMerge`: an implicit `<<` scalar, resolved to !!merge by its
  resolve table); a quoted `'<<'` is an ordinary key named `<<`;
- the value must be a mapping or a list of mappings (an alias to one counts), anything else fails the
  whole file (`failWantMap`: "map merge requires map or sequence of maps as the value");
- in a list, earlier mappings win over later ones;
- entries are applied in document order, so a key written **before** `<<` is overridden by the merged
  value, where the YAML merge-key spec (yaml.org/type/merge.html) keeps the explicit one. spinops keeps
  the spec's reading only when the two agree; a key set before `<<` and by the merge is reported.
"""

from __future__ import annotations

from spinops.errors import Problem

KEY = "<<"


def has_merge_key(node: object) -> bool:
    if isinstance(node, dict):
        return KEY in node or any(has_merge_key(v) for v in node.values())
    if isinstance(node, list):
        return any(has_merge_key(v) for v in node)
    return False


def resolve(src) -> list[Problem]:
    """Resolve the merge keys of `src.data` in place of it (src.data is replaced); returns the problems."""
    if not has_merge_key(src.data):
        return []
    problems: dict[tuple, Problem] = {}  # an anchored mapping used twice is reported once
    src.data = _resolve(src.data, src.root(), src.name, problems)
    return list(problems.values())


def _resolve(data: object, node, name: str, problems: dict) -> object:
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode  # noqa: PLC0415 start-up: PyYAML

    if isinstance(data, list):
        items = node.value if isinstance(node, SequenceNode) and len(node.value) == len(data) else [None] * len(data)
        return [_resolve(v, n, name, problems) for v, n in zip(data, items, strict=True)]
    if not isinstance(data, dict):
        return data
    entries = node.value if isinstance(node, MappingNode) else []
    # value node and key node of each string key, as written (the last one wins, as for the data)
    nodes = {k.value: (k, v) for k, v in entries if isinstance(k, ScalarNode)}
    out = {k: _resolve(v, nodes.get(k, (None, None))[1] if type(k) is str else None, name, problems)
           for k, v in data.items() if k != KEY}
    if KEY not in data:
        return out
    key_node, value_node = nodes.get(KEY, (None, None))
    if key_node is not None and key_node.style:  # quoted: an ordinary key named `<<`
        out[KEY] = _resolve(data[KEY], value_node, name, problems)
        return _reorder(data, out)
    merged_value = _resolve(data[KEY], value_node, name, problems)
    maps = merged_value if isinstance(merged_value, list) else [merged_value]
    dicts = [m for m in maps if isinstance(m, dict)]
    if len(dicts) != len(maps):
        _add(problems, key_node, name, "`<<` (the YAML merge key) needs a mapping or a list of mappings as its value: "
             "Kleat cannot read this file (yaml.v2: map merge requires map or sequence of maps as the value)",
             "quote it ('<<') for an ordinary key named <<", "merge-key")
        return out
    merged: dict = {}
    for m in dicts:  # earlier mappings win
        for k, v in m.items():
            merged.setdefault(k, v)
    keys = list(data)
    before = set(keys[: keys.index(KEY)])
    for k in before & set(merged):
        if type(k) is str and merged[k] != out[k]:
            _add(problems, nodes.get(k, (None,))[0], name, f"`{k}` is set before `<<:` and also by the merged mapping: "
                 "the YAML merge rule keeps this value, Kleat (yaml.v2) takes the merged one",
                 "put `<<:` first, before the keys that override it", "yaml-1.1")
    for k, v in merged.items():
        out.setdefault(k, v)
    return out


def _reorder(data: dict, out: dict) -> dict:
    return {k: out[k] for k in data if k in out}


def _add(problems: dict, node, name: str, message: str, hint: str, code: str) -> None:
    line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node is not None else (None, None)
    problems.setdefault((line, col, message), Problem(message, file=name, line=line, column=col, hint=hint, code=code))
