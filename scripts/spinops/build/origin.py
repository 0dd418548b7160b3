"""Where each value of a config file was written: the origin a ConfigFile carries through the build's stages.

    Rendered   a Kleat-rendered file: render copies the halconfig's values without re-creating them
               (spinops.render._data.deep_copy shares every scalar), so a rendered string is the halconfig's
               own string object, and the path it has there gives file:line:col (Hal.locate)
    Written    a hand-written YAML profile: the positions its parse kept (spinops.yamlio.Located)
    DeckText   Deck's hand-written settings-local.js: a place in its text
    Patched    a file after a patch: the paths the patch changed (data differing before and after it) are
               located in the patch file (a merge patch's fragment mirrors its target, a json-patch operation
               holds its value, a jq program is searched for the value); every other path where it was before
    NOWHERE    what spinops generates (spinnaker.yml) and empty profile targets

spinops.wire names file:line:col from these for its problems (pipeline.wiring passes them), instead of
searching every profile, patch and the halconfig for the text of a value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from spinops.credentials import string_paths
from spinops.halconfig.load import Hal
from spinops.patch import Patch
from spinops.yamlio import Located

#: (file, line, column), 1-based; line and column None when only the file is known
Loc = tuple[str, int | None, int | None]


class Where(Protocol):
    def locate(self, path: tuple, needle: str | None = None) -> Loc | None:
        """Where the value at `path` (in the file's data) was written; `needle`, the text of the value looked
        for (a placeholder, a key), narrows the column where the origin has text."""
        ...


class _Nowhere:
    def locate(self, path: tuple, needle: str | None = None) -> Loc | None:
        return None


NOWHERE: Where = _Nowhere()


class HalconfigValues:
    """The halconfig's string values by object identity (built on first use: a build without problems never
    needs it), with their paths for Hal.locate."""

    def __init__(self, hal: Hal) -> None:
        self.hal = hal
        self._by_id: dict[int, tuple | None] | None = None
        self._by_value: dict[str, tuple] = {}

    def locate(self, value: object) -> Loc | None:
        """Where the halconfig holds `value` (a string render copied from it). A string render made anew, say
        from a number, has no identity there: the first equal value stands in for it."""
        if not isinstance(value, str):
            return None
        if self._by_id is None:
            self._by_id = {}
            for at, s in string_paths(self.hal.data):
                # an object held twice (CPython shares one-character strings) says nothing about the place
                self._by_id[id(s)] = None if id(s) in self._by_id else at
                self._by_value.setdefault(s, at)
        path = self._by_id.get(id(value)) or self._by_value.get(value)
        return self.hal.locate(path) if path is not None else None


class Rendered:
    """A rendered file: its values are the halconfig's (see HalconfigValues)."""

    def __init__(self, values: HalconfigValues, data: Any) -> None:
        self.values = values
        self.data = data  # as rendered: later stages make new data, never change this

    def locate(self, path: tuple, needle: str | None = None) -> Loc | None:
        return self.values.locate(value_at(self.data, path))


class Written:
    """A hand-written YAML file: the position of every node (a mapping entry's is its key's)."""

    def __init__(self, doc: Located) -> None:
        self.doc = doc

    def locate(self, path: tuple, needle: str | None = None) -> Loc | None:
        pos = self.doc.position(path)
        if pos is None:
            return self.doc.file, None, None
        return self.doc.file, *_on_line(self.doc.text, pos, needle)


class DeckText:
    """Deck's settings-local.js as written: one text, so the value looked for is found in it."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text

    def locate(self, path: tuple, needle: str | None = None) -> Loc | None:
        at = self.text.find(needle) if needle else -1
        if at < 0:
            return self.file, None, None
        return self.file, self.text.count("\n", 0, at) + 1, at - (self.text.rfind("\n", 0, at) + 1) + 1


class Patched:
    """A file after one patch: what it changed is located in the patch file, the rest where it was before."""

    def __init__(self, before: Where, patch: Patch, changed: frozenset[tuple]) -> None:
        self.before = before
        self.patch = patch
        self.changed = changed

    def locate(self, path: tuple, needle: str | None = None) -> Loc | None:
        if not any(path[:i] in self.changed for i in range(len(path) + 1)):
            return self.before.locate(path, needle)
        doc = self.patch.doc
        if doc is None:
            return self.patch.file, None, None
        if self.patch.kind == "merge":
            at = ("patch", *path)
        elif self.patch.kind == "json-patch":
            at = _json_patch_value(self.patch.payload, path)
        else:  # jq: the program, and in it the first place the value is written
            pos = doc.position(("patch",))
            return doc.file, *(_in_program(doc.text, pos, needle) if pos else (None, None))
        pos = doc.position(at)
        return doc.file, *(_on_line(doc.text, pos, needle) if pos else (None, None))


def changed_paths(before: Any, after: Any, path: tuple = ()) -> Iterator[tuple]:
    """The paths of `after` whose data a patch made: new or different values (inside mappings and lists
    that are both before and after, the changed parts only)."""
    if type(before) is not type(after) or not isinstance(after, dict | list):
        if before != after or type(before) is not type(after):  # 1 == True, but not in YAML
            yield path
    elif isinstance(after, dict):
        for k, v in after.items():
            if k not in before:
                yield (*path, k)
            elif before[k] is not v:
                yield from changed_paths(before[k], v, (*path, k))
    else:
        for i, v in enumerate(after):
            if i >= len(before):
                yield (*path, i)
            elif before[i] is not v:
                yield from changed_paths(before[i], v, (*path, i))


def value_at(data: Any, path: tuple) -> Any:
    """The value at `path`, or None where the path leads nowhere."""
    for p in path:
        if isinstance(data, dict) and p in data or isinstance(data, list) and isinstance(p, int) and -1 < p < len(data):
            data = data[p]
        else:
            return None
    return data


def _on_line(text: str, pos: tuple[int, int], needle: str | None) -> tuple[int, int]:
    """(line, column) of `needle` on the line of `pos` from its column on (a placeholder inside a longer value),
    else `pos`."""
    line, col = pos
    if needle:
        lines = text.splitlines()
        at = lines[line - 1].find(needle, col - 1) if line <= len(lines) else -1
        if at >= 0:
            return line, at + 1
    return pos


def _in_program(text: str, pos: tuple[int, int], needle: str | None) -> tuple[int, int]:
    """(line, column) of `needle` in a jq program from its `patch:` key on (block or flow), else the key."""
    if not needle:
        return pos
    lines = text.splitlines()
    for n in range(pos[0] - 1, len(lines)):
        at = lines[n].find(needle, pos[1] - 1 if n == pos[0] - 1 else 0)
        if at >= 0:
            return n + 1, at + 1
    return pos


def _json_patch_value(ops: Any, path: tuple) -> tuple:
    """Where in a json-patch the value at `path` of its target is written: the `value` of the last add/replace
    operation whose pointer leads to it (or above it), else the operations."""
    found: tuple = ("patch",)
    for i, op in enumerate(ops if isinstance(ops, list) else []):
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace") or not isinstance(op.get("path"), str):
            continue
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in op["path"].split("/")[1:]]
        if len(tokens) <= len(path) and all(t in (str(p), "-") for t, p in zip(tokens, path, strict=False)):
            found = ("patch", i, "value", *path[len(tokens):])
    return found
