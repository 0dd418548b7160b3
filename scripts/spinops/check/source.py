"""The checked input: a multi-document manifest file (or stdin), its resources and their lines.

Documents are split at `---` lines and each is parsed with the fast loader (yaml-rs), so a
syntax error names the file and the line in the whole file. Positions of individual fields are
found lazily (PyYAML's C composer on one document) only for resources that have findings.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from spinops import yamlio
from spinops.errors import InputError, Problem
from spinops.yamlio import compose, position

#: Largest manifest stream `check` reads (kustomize output of a whole installation is a few MB).
MAX_MANIFEST_BYTES = 4 * yamlio.MAX_BYTES
_SEPARATOR = re.compile(r"^---(?:[ \t].*)?$")
_YAML_RS_POS = re.compile(r"line (\d+), column (\d+)")


@dataclass
class Chunk:
    """One YAML document of the input: its text and first line (1-based) in the file."""

    text: str
    first_line: int

    @cached_property
    def node(self):
        try:
            return compose(self.text)
        except yaml.YAMLError:
            return None

    def position(self, mark) -> tuple[int, int]:
        """A PyYAML mark inside this document as the 1-based (line, column) in the whole file."""
        line, column = position(mark)
        return self.first_line - 1 + line, column


@dataclass
class Resource:
    obj: dict
    index: int
    chunk: Chunk
    prefix: tuple = ()  # path of this resource inside its document (`items[i]` of a List)

    @cached_property
    def line(self) -> int:
        node = _walk(self.chunk.node, self.prefix)[0] if self.prefix else None
        if node is not None:
            return self.chunk.position(node.start_mark)[0]
        # the first non-blank, non-comment line of the document
        for i, text in enumerate(self.chunk.text.splitlines()):
            s = text.strip()
            if s and not s.startswith("#"):
                return self.chunk.first_line + i
        return self.chunk.first_line

    def line_of(self, path: tuple) -> tuple[int, bool]:
        """(line, exact) of `path` in this resource; the deepest existing parent when not exact."""
        line, _, exact = self.position_of(path)
        return line, exact

    def position_of(self, path: tuple) -> tuple[int, int | None, bool]:
        """(line, column or None, exact): where `path` is (the key of a mapping entry), 1-based."""
        node, depth = _walk(self.chunk.node, (*self.prefix, *path))
        if node is None:
            return self.line, None, False
        return *self.chunk.position(node.start_mark), depth == len(self.prefix) + len(path)

    def scalar_node(self, path: tuple):
        """The value node at `path` (for block scalars: where the embedded file starts)."""
        node = self.chunk.node
        for seg in (*self.prefix, *path):
            if isinstance(node, yaml.MappingNode) and not isinstance(seg, int):
                node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == seg), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(seg, int) and 0 <= seg < len(node.value):
                node = node.value[seg]
            else:
                return None
        return node


def _walk(node, path: tuple):
    """Follow `path` through composed YAML nodes: (node to point at, steps taken). For a mapping
    entry the node pointed at is its key, so a finding names the line `resources:` is on."""
    if node is None:
        return None, 0
    depth, mark = 0, node
    for seg in path:
        nxt = key = None
        if isinstance(node, yaml.MappingNode) and not isinstance(seg, int):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == seg:
                    nxt, key = v, k
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(seg, int) and 0 <= seg < len(node.value):
            nxt = key = node.value[seg]
        if nxt is None:
            break
        node, mark, depth = nxt, key, depth + 1
    return mark, depth


@dataclass
class Manifest:
    name: str  # what findings call the file: the path as given, or "<stdin>"
    path: Path | None
    resources: list[Resource] = field(default_factory=list)


def read_input(arg: str) -> tuple[str, Path | None, str]:
    """(display name, path or None for stdin, text)."""
    if arg == "-":  # bounded and decoded like a file: binary stdin is a located error, /dev/zero ends at the limit
        return "<stdin>", None, yamlio.read_stream(sys.stdin.buffer, "<stdin>", max_bytes=MAX_MANIFEST_BYTES)
    p = Path(arg)
    if not p.exists() and not p.is_symlink():
        raise InputError(Problem(f"no such file: {arg}", file=arg, code="no-such-file"))
    if p.is_dir():
        raise InputError(
            Problem(f"{arg} is a directory; give the manifests file (e.g. build/<env>/manifests.yaml)", file=arg)
        )
    if p.exists() and not p.is_file():  # a device or FIFO (/dev/zero): read as a stream, up to the limit
        with open(p, "rb") as fh:
            return arg, p, yamlio.read_stream(fh, arg, max_bytes=MAX_MANIFEST_BYTES)
    return arg, p, yamlio.read_text(p, arg, max_bytes=MAX_MANIFEST_BYTES)


def split_documents(text: str) -> list[Chunk]:
    chunks: list[Chunk] = []
    lines = text.splitlines(keepends=True)
    start = 1
    buf: list[str] = []
    for i, line in enumerate(lines, 1):
        if _SEPARATOR.match(line.rstrip("\r\n")):
            chunks.append(Chunk("".join(buf), start))
            start, buf = i + 1, []
        elif line.startswith("...") and line.rstrip() == "...":
            continue
        else:
            buf.append(line)
    chunks.append(Chunk("".join(buf), start))
    return [c for c in chunks if c.text.strip()]


def parse_manifest(text: str, name: str, path: Path | None = None) -> Manifest:
    """Parse every document; bad YAML or a non-mapping document is an InputError with file:line:col."""
    manifest = Manifest(name=name, path=path)
    problems: list[Problem] = []
    for chunk in split_documents(text):
        try:
            data = yamlio.loads_fast(chunk.text, name, chunk.first_line)
        except InputError as e:  # too deep, alias bomb
            problems.extend(e.problems)
            continue
        except Exception as e:  # yaml_rs.YAMLDecodeError
            problems.append(_yaml_problem(e, chunk, name))
            continue
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(
                Problem(
                    "a manifest document must be a mapping (a Kubernetes resource)",
                    file=name,
                    line=chunk.first_line,
                    code="not-a-resource",
                )
            )
            continue
        if str(data.get("kind", "")).endswith("List") and isinstance(data.get("items"), list):
            for i, item in enumerate(data["items"]):
                if isinstance(item, dict):
                    manifest.resources.append(Resource(item, len(manifest.resources), chunk, ("items", i)))
            continue
        if "kind" not in data or "apiVersion" not in data:
            problems.append(
                Problem(
                    "not a Kubernetes resource: `apiVersion` and `kind` are required",
                    file=name,
                    line=chunk.first_line,
                    code="not-a-resource",
                )
            )
            continue
        manifest.resources.append(Resource(data, len(manifest.resources), chunk))
    if problems:
        raise InputError(problems)
    return manifest


def _yaml_problem(err: Exception, chunk: Chunk, name: str) -> Problem:
    msg = str(err)
    m = _YAML_RS_POS.search(msg)
    line = chunk.first_line + int(m.group(1)) - 1 if m else chunk.first_line
    col = int(m.group(2)) if m else None
    detail = msg.strip().splitlines()[-1] if msg.strip() else "invalid YAML"
    # PyYAML names what it expected, which is the more useful message
    try:
        compose(chunk.text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        if mark is not None:
            line, col = chunk.position(mark)
        detail = " ".join(x for x in (e.context, e.problem) if x)
    except yaml.YAMLError:
        pass
    return Problem(f"invalid YAML: {detail}", file=name, line=line, column=col, code="invalid-yaml")
