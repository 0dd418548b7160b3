"""YAML with source positions, from PyYAML's composer: one implementation for every reader that needs them.

- `load_located`: plain data plus the 1-based (line, column) of every node, keyed by data path
  (hand-written build inputs through `spinops.patch.read_yaml`, Halyard files in `spinops.migrate`);
- `compose`, `position`, `syntax_problem`: the pieces `spinops.halconfig.yamlpos` uses to locate a
  problem in a halconfig that yaml-rs already read.

PyYAML is imported only when one of these functions runs, so importing this module (for `Located`)
costs nothing on the render path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spinops.errors import InputError, Problem


def loader():
    """PyYAML's C loader (what every caller composes with), or the pure-Python one where it is not built."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(text: str):
    """The root node of a single-document text (None when empty); raises yaml.YAMLError."""
    import yaml

    return yaml.compose(text, Loader=loader())


def position(mark) -> tuple[int, int]:
    """A PyYAML mark (0-based) as the 1-based (line, column) every message uses."""
    return mark.line + 1, mark.column + 1


def syntax_problem(e: Exception, file: str, *, column: bool = True, message: str | None = None) -> Problem:
    """A yaml.YAMLError as a `yaml-syntax` Problem located at its problem mark."""
    mark = getattr(e, "problem_mark", None)
    line, col = position(mark) if mark else (None, None)
    return Problem(message or f"malformed YAML: {e}", file=file, line=line, column=col if column else None, code="yaml-syntax")


@dataclass
class Located:
    """A parsed YAML document plus the 1-based (line, column) of every node, keyed by its data path."""

    file: str
    data: Any
    lines: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    text: str = field(default="", repr=False)  # the source text (messages quote and search it)

    def position(self, path: tuple = ()) -> tuple[int, int] | None:
        """Where `path` is written, else its nearest ancestor that is."""
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)

    def line(self, path: tuple = ()) -> int | None:
        pos = self.position(path)
        return pos[0] if pos else None

    def problem(self, path: tuple, message: str, hint: str | None = None, code: str | None = None, severity: str = "error") -> Problem:
        line, column = self.position(path) or (None, None)
        return Problem(message, file=self.file, line=line, column=column, hint=hint, code=code, severity=severity)


def load_located(text: str, display: str, *, max_nodes: int | None = None, duplicate_keys: bool = False) -> Located:
    """Parse one YAML document keeping node positions; syntax errors are `yaml-syntax` InputErrors.

    max_nodes: refuse (`yaml-too-large`) a document with more nodes once aliases are expanded.
    duplicate_keys: report every repeated mapping key (`duplicate-key`) instead of keeping the last,
    which is what Halyard's SnakeYAML does and so what migrate must read.
    """
    import yaml

    try:
        node = compose(text)
    except yaml.YAMLError as e:
        raise InputError(syntax_problem(e, display, message=f"malformed YAML: {getattr(e, 'problem', None) or e}")) from None
    doc = Located(display, None, text=text)
    if node is None:
        return doc
    problems: list[Problem] = []
    ctor = loader()("")
    budget = [max_nodes]

    def build(n, path: tuple, at=None):
        if budget[0] is not None:
            budget[0] -= 1
            if budget[0] < 0:  # aliases expand: a "billion laughs" file must not hang the caller
                raise InputError(Problem(f"more than {max_nodes:,} YAML nodes (alias expansion?)", file=display, code="yaml-too-large"))
        # a mapping entry is located at its key (where a reader looks), anything else at its node
        doc.lines[path] = position(at or n.start_mark)
        if isinstance(n, yaml.MappingNode):
            out: dict = {}
            for k, v in n.value:
                key = ctor.construct_object(k, deep=True)
                if not isinstance(key, (str, int, bool)):
                    key = str(key)
                if duplicate_keys and key in out:
                    line, col = position(k.start_mark)
                    problems.append(Problem(f"duplicate key {key!r}", file=display, line=line, column=col, code="duplicate-key"))
                out[key] = build(v, path + (key,), k.start_mark)
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(v, path + (i,)) for i, v in enumerate(n.value)]
        return ctor.construct_object(n, deep=True)

    try:
        doc.data = build(node, ())
    except yaml.YAMLError as e:  # e.g. an unknown tag
        raise InputError(syntax_problem(e, display, column=False)) from None
    if problems:
        raise InputError(problems)
    return doc
