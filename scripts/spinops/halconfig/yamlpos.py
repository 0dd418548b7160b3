"""Source positions for YAML, computed only when an error must be located.

The fast path (yaml-rs) gives plain data without positions. When something must be reported,
the file is composed once more with PyYAML's C composer (`spinops.yamlio`, shared with the
build's and migrate's positioned readers), which keeps a start mark on every node, and a path
(tuple of mapping keys and list indices) is resolved to a 1-based (line, column).
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from spinops import yamlio

Path = tuple  # tuple[str | int, ...]

_ALIAS_KEY = "<<"


def compose(text: str) -> Node | None:
    """The root node of the first document, or None (empty, or PyYAML cannot read it)."""
    try:
        return yamlio.compose(text)
    except (yaml.YAMLError, RecursionError):
        try:  # several documents: the first one is the one that was read
            for node in yaml.compose_all(text, Loader=yamlio.loader()):
                return node
        except (yaml.YAMLError, RecursionError):
            return None
    return None


def count_documents(text: str) -> int:
    try:
        return sum(1 for _ in yaml.parse(text, Loader=yamlio.loader()) if isinstance(_, yaml.DocumentStartEvent))
    except yaml.YAMLError:
        return 1


def mark(node: Node) -> tuple[int, int]:
    return yamlio.position(node.start_mark)


def _key_matches(key_node: Node, key) -> bool:
    if not isinstance(key_node, ScalarNode):
        return False
    if isinstance(key, str):
        return key_node.value == key
    # non-string keys (1:, true:) as yaml-rs read them
    import yaml_rs  # noqa: PLC0415 start-up: yaml-rs

    try:
        doc = yaml_rs.loads(f"k: {key_node.value}\n", parse_datetime=False)
        return isinstance(doc, dict) and doc.get("k") == key
    except Exception:  # noqa: BLE001 - a key we cannot read never matches
        return False


def _entries(node: MappingNode) -> Iterator[tuple[Node, Node]]:
    """Mapping entries, explicit ones first, then those pulled in by `<<` merge keys."""
    merged = []
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == _ALIAS_KEY and k.tag.endswith(":merge"):
            merged.append(v)
        else:
            yield k, v
    for v in merged:
        for m in v.value if isinstance(v, SequenceNode) else [v]:
            if isinstance(m, MappingNode):
                yield from _entries(m)


def find(root: Node | None, path: Path, *, key: bool = False) -> Node | None:
    """The node at `path` (its key node when key=True and the last step is a mapping key)."""
    node = root
    for i, step in enumerate(path):
        if node is None:
            return None
        last = i == len(path) - 1
        if isinstance(node, MappingNode):
            for k, v in _entries(node):
                if _key_matches(k, step):
                    node = k if (last and key) else v
                    break
            else:
                return None
        elif isinstance(node, SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                return None
            node = node.value[step]
        else:
            return None
    return node


def locate(root: Node | None, path: Path, *, key: bool = False) -> tuple[int, int] | None:
    """(line, column) of the node at `path`, else of its nearest existing ancestor."""
    if root is None:
        return None
    for n in range(len(path), -1, -1):
        node = find(root, path[:n], key=key and n == len(path))
        if node is not None:
            return mark(node)
    return None


def duplicate_keys(root: Node | None) -> list[tuple[Path, Node, Node]]:
    """Every (path of the mapping, first key node, repeated key node) in the document."""
    out: list[tuple[Path, Node, Node]] = []
    seen_nodes: set[int] = set()

    def walk(node: Node, path: Path) -> None:
        if id(node) in seen_nodes:  # an alias: already visited
            return
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first: dict = {}
            for k, v in node.value:
                ident = (k.tag, k.value) if isinstance(k, ScalarNode) else None
                if ident is not None:
                    if ident in first:
                        out.append((path, first[ident], k))
                    else:
                        first[ident] = k
                walk(v, (*path, k.value if isinstance(k, ScalarNode) else "?"))
        elif isinstance(node, SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (*path, i))

    if root is not None:
        walk(root, ())
    return out


def first_alias(text: str) -> tuple[int, int] | None:
    """Position of the first alias (`*name`) in the text, for alias-bomb errors."""
    try:
        for tok in yaml.scan(text, Loader=yamlio.loader()):
            if isinstance(tok, yaml.AliasToken):
                return yamlio.position(tok.start_mark)
    except yaml.YAMLError:
        pass
    return None


def plain_scalar(root: Node | None, path: Path, *, key: bool = False) -> str | None:
    """The source text of the scalar at `path` (of its key when key=True) if written plain (unquoted), else None."""
    node = find(root, path, key=key)
    if isinstance(node, ScalarNode) and not node.style:  # plain: None (pure PyYAML) or "" (C composer)
        return node.value
    return None


def source_text(root: Node | None, path: Path) -> str | None:
    node = find(root, path)
    return node.value if isinstance(node, ScalarNode) else None
