"""Looking inside the config files a ConfigMap carries (clouddriver.yml, settings.js, deck.env).

Spring YAML is composed with PyYAML so every leaf comes with its line inside the file (findings
point at the line in the manifest's block scalar, and at the key path). Other files are read line
by line as `key=value` / `key: value` pairs, which covers deck.env, .properties and settings.js.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from spinops.credentials import PLACEHOLDER as _PLACEHOLDER  # the build's own syntax: ${NAME} and ${NAME:default}
from spinops.yamlio import compose_all, position

_PAIR = re.compile(
    r"""^\s*(?:export\s+|(?:var|let|const)\s+)?["']?([A-Za-z_][\w.\-]*)["']?\s*[:=]\s*(.*?)\s*[,;]?\s*$"""
)

YAML_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class Leaf:
    path: tuple  # key path inside the file (("github", "accounts", 0, "token")); ("KEY",) for pairs
    key: str  # the last key
    value: object  # str, int, float, bool or None
    line: int  # 1-based line inside the file


def is_yaml(filename: str) -> bool:
    return filename.endswith(YAML_SUFFIXES)


def leaves(filename: str, text: str) -> Iterator[Leaf]:
    """Every scalar leaf under a mapping key (YAML), or every key=value pair (other files)."""
    if not isinstance(text, str):
        return
    if is_yaml(filename):
        try:
            docs = compose_all(text)  # guarded: deep nesting and alias bombs are YAMLErrors
        except yaml.YAMLError:
            return  # not our job to parse-check Spring YAML here; the build did
        for doc in docs:
            yield from _walk(doc, ())
        return
    for i, line in enumerate(text.splitlines(), 1):
        m = _PAIR.match(line)
        if m and not line.lstrip().startswith(("//", "#")):
            raw = m.group(2)
            if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"`":
                raw = raw[1:-1]
            yield Leaf((m.group(1),), m.group(1), raw, i)


def _walk(node, path: tuple) -> Iterator[Leaf]:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                continue
            if isinstance(v, yaml.ScalarNode):
                yield Leaf((*path, k.value), k.value, _scalar(v), position(v.start_mark)[0])
            else:
                yield from _walk(v, (*path, k.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            if isinstance(v, yaml.ScalarNode):
                continue  # list items have no key of their own
            yield from _walk(v, (*path, i))


def _scalar(node):
    tag = node.tag.rsplit(":", 1)[-1]
    if tag == "null":
        return None
    if tag == "bool":
        return node.value.lower() in ("true", "yes", "on")
    if tag == "int":
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            return node.value
    if tag == "float":
        try:
            return float(node.value)
        except ValueError:
            return node.value
    return node.value


@dataclass(frozen=True)
class PlaceholderUse:
    name: str
    has_default: bool
    line: int  # 1-based line in the file
    path: tuple  # key path of the value that uses it


def placeholders(filename: str, text: str) -> Iterator[PlaceholderUse]:
    """Every `${NAME}` / `${NAME:default}` a Spring config file uses, with its line."""
    for leaf in leaves(filename, text):
        if isinstance(leaf.value, str) and "${" in leaf.value:
            for m in _PLACEHOLDER.finditer(leaf.value):
                yield PlaceholderUse(m.group(1).strip(), m.group(2) is not None, leaf.line, leaf.path)
