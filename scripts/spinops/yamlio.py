"""The one guarded way to read YAML: every file a user controls comes through here.

Guards, each a located `InputError` (exit 2) instead of a crash, a hang or a silent surprise:

- size: at most MAX_BYTES, checked before and while reading (`check /dev/zero` ends at once);
- files: a regular file (not a directory, FIFO or device), and, given a `root`, one that does not
  resolve outside it (a symlink to /proc/self/environ or ~/.ssh is refused, never read);
- encoding: UTF-8, a leading BOM dropped, a NUL byte refused as binary, each at its line:col;
- nesting: PyYAML's C composer and yaml-rs recurse once per level and crash the process
  (SIGSEGV) at ~20,000-40,000 levels; libyaml also takes quadratic time on deep flow nesting.
  The text is refused before any parser sees it (`nesting_problem`);
- aliases: composing keeps aliases shared, so building data counts every node it expands and stops
  at `max_nodes` (a 400-byte "billion laughs" file ends in milliseconds); yaml-rs gets its own
  alias limits;
- duplicate keys: reported with their position (SnakeYAML readers such as Halyard keep the last).

`load`/`read` return a `Located` (data + the line:column of every node). PyYAML is imported only
when a parse runs, so importing this module costs nothing on the render path. The halconfig's
fast reader (`spinops.halconfig.source`) uses the same guards around yaml-rs.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinops.errors import InputError, Problem

#: Largest YAML file read (checked before reading). Kleat's 5,000-account halconfig is 2.4 MB.
MAX_BYTES = 8 * 1024 * 1024
#: Nodes a hand-written document may have once aliases are expanded (patches, profiles, rules...).
MAX_NODES = 200_000
#: yaml-rs alias expansion limits (replayed events, nesting of aliases inside aliases).
MAX_ALIAS_EVENTS = 250_000
MAX_ALIAS_DEPTH = 32
#: Nesting limits, checked on the text: indentation of MAX_INDENT columns, MAX_INLINE_INDICATORS
#: chained `- `/`? ` on one line, or MAX_FLOW_DEPTH open `[`/`{` are refused. Together they keep
#: every parser (and the Python walks over its result) far from its recursion limit.
MAX_INDENT = 256
MAX_INLINE_INDICATORS = 64
MAX_FLOW_DEPTH = 128
_DEEP_INDENT = "\n" + " " * MAX_INDENT
_DEEP_INLINE = re.compile(r"(?:[-?][ \t]+){" + str(MAX_INLINE_INDICATORS) + "}")
_FLOW = re.compile(r"[\[\]{}]")
_TOKEN_START = frozenset(" \t\r\n[{,:-?")
#: YAML 1.1 collection types no config format here has: refused instead of read as something else.
_UNSUPPORTED_TAGS = frozenset({"tag:yaml.org,2002:set", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs"})


# --------------------------------------------------------------------------------------------
# bytes and text


def check_inside(path: Path, root: Path | None, display: str, root_name: str | None = None) -> None:
    """Refuse a path that resolves (symlinks followed) outside `root` (None: no restriction); the
    message names the root as `root_name` when given (`the repository`), else its path."""
    if root is None:
        return
    try:
        real = Path(os.path.realpath(path))
        base = Path(os.path.realpath(root))
    except (OSError, RuntimeError, ValueError):  # a symlink loop
        raise InputError(Problem("cannot resolve the path (symlink loop?)", file=display, code="unreadable")) from None
    if real != base and base not in real.parents:
        raise InputError(
            Problem(
                f"resolves outside {root_name or root} (a symlink?); inputs must lie inside it",
                file=display,
                code="outside-root",
                hint="copy the file into the repository instead of linking to it",
            )
        )


def read_bytes(
    path: Path, display: str | None = None, *, root: Path | None = None, max_bytes: int = MAX_BYTES
) -> bytes:
    """A regular file's bytes, at most `max_bytes`; every failure a located InputError."""
    name = display or str(path)
    check_inside(Path(path), root, name)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(Problem("no such file or directory", file=name, code="unreadable")) from None
    except OSError as e:
        raise InputError(Problem(f"cannot read: {e.strerror or e}", file=name, code="unreadable")) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            Problem(
                "a directory, not a file" if stat.S_ISDIR(st.st_mode) else "not a regular file",
                file=name,
                code="unreadable",
            )
        )
    if st.st_size > max_bytes:
        raise InputError(too_large(name, st.st_size, max_bytes))
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as e:
        raise InputError(Problem(f"cannot read: {e.strerror or e}", file=name, code="unreadable")) from None
    if len(data) > max_bytes:
        raise InputError(too_large(name, len(data), max_bytes))
    return data


def read_text(path: Path, display: str | None = None, *, root: Path | None = None, max_bytes: int = MAX_BYTES) -> str:
    """read_bytes() decoded as UTF-8 text (see `decode`)."""
    name = display or str(path)
    return decode(read_bytes(path, name, root=root, max_bytes=max_bytes), name)


def read_stream(stream, name: str, *, max_bytes: int = MAX_BYTES) -> str:
    """A binary stream (stdin) read up to `max_bytes` and decoded."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(too_large(name, len(data), max_bytes))
    return decode(data, name)


def too_large(name: str, size: int, limit: int = MAX_BYTES) -> Problem:
    """`size` is the size known so far (a stream is read only up to limit + 1 bytes)."""
    return Problem(
        f"file too large: {size:,} bytes, the limit is {limit:,} bytes ({limit / 1024 / 1024:g} MiB)",
        file=name,
        code="too-large",
        hint="split it into smaller files (halconfig: fragments, halconfig/*.yml) if it really is this big",
    )


def decode(data: bytes, name: str) -> str:
    """UTF-8 text without a leading BOM; a NUL byte or invalid UTF-8 is a `binary-file` problem at its position."""
    nul = data.find(b"\0")
    if nul >= 0:
        line, col = _byte_pos(data, nul)
        raise InputError(
            Problem(
                "binary file: contains a NUL byte; expected YAML text",
                file=name,
                line=line,
                column=col,
                code="binary-file",
            )
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, col = _byte_pos(data, e.start)
        raise InputError(
            Problem(
                "binary file: not valid UTF-8 text; expected YAML text",
                file=name,
                line=line,
                column=col,
                code="binary-file",
            )
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _byte_pos(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


# --------------------------------------------------------------------------------------------
# nesting


def nesting_line(text: str) -> int | None:
    """The 1-based line where `text` nests too deeply for a parser, or None (a few ms for MBs).

    Conservative on purpose: brackets inside strings count too, so a false alarm needs
    MAX_FLOW_DEPTH unclosed `[`/`{` that each start a token, which no real config has.
    """
    i = text.find(_DEEP_INDENT)
    if i >= 0 or text.startswith(_DEEP_INDENT[1:]):
        return text.count("\n", 0, i) + 2 if i >= 0 else 1
    m = _DEEP_INLINE.search(text)
    if m:
        return text.count("\n", 0, m.start()) + 1
    if text.count("[") + text.count("{") < MAX_FLOW_DEPTH:
        return None
    depth = 0
    for m in _FLOW.finditer(text):
        pos = m.start()
        if m.group() in "]}":
            depth = max(0, depth - 1)
        elif pos == 0 or text[pos - 1] in _TOKEN_START:
            depth += 1
            if depth >= MAX_FLOW_DEPTH:
                return text.count("\n", 0, pos) + 1
    return None


def nesting_problem(text: str, name: str, first_line: int = 1) -> Problem | None:
    line = nesting_line(text)
    if line is None:
        return None
    return Problem(
        f"YAML nested too deeply (indented {MAX_INDENT} columns or more, {MAX_INLINE_INDICATORS} or more `- `/`? ` "
        f"on one line, or {MAX_FLOW_DEPTH} open `[`/`{{`); refused before parsing",
        file=name,
        line=first_line - 1 + line,
        column=1,
        code="too-deep",
    )


def check_nesting(text: str, name: str, first_line: int = 1) -> None:
    p = nesting_problem(text, name, first_line)
    if p:
        raise InputError(p)


# --------------------------------------------------------------------------------------------
# PyYAML: nodes with positions


def loader():
    """PyYAML's C loader (what every caller composes with), or the pure-Python one where it is not built."""
    import yaml  # noqa: PLC0415 start-up: PyYAML

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def _guard_error():
    import yaml  # noqa: PLC0415 start-up: PyYAML

    class GuardError(yaml.MarkedYAMLError):
        """A guard refused the text; a MarkedYAMLError so that every caller's YAML error path locates it."""

    return GuardError


def _guard(text: str) -> None:
    line = nesting_line(text)
    if line is not None:
        import yaml  # noqa: PLC0415 start-up: PyYAML

        mark = yaml.Mark("<text>", 0, line - 1, 0, None, 0)  # no buffer: PyYAML prints no snippet
        raise _guard_error()(
            problem=f"nested too deeply (more than {MAX_FLOW_DEPTH} levels); refused before parsing", problem_mark=mark
        )


def compose(text: str, *, max_nodes: int | None = None):
    """The root node of a single-document text (None when empty); raises yaml.YAMLError (guards included).

    max_nodes: also refuse a document whose aliases expand beyond that many nodes (for callers that
    construct or walk the whole document; locating a path in a large halconfig does not).
    """
    import yaml  # noqa: PLC0415 start-up: PyYAML

    _guard(text)
    node = yaml.compose(text, Loader=loader())
    if max_nodes is not None:
        _check_expansion(node, max_nodes)
    return node


def compose_all(text: str, *, max_nodes: int = MAX_NODES) -> list:
    """Every document's root node; raises yaml.YAMLError, also for too deep text and alias bombs
    (documents whose aliases would expand beyond `max_nodes` nodes: walking them would hang)."""
    import yaml  # noqa: PLC0415 start-up: PyYAML

    _guard(text)
    docs = list(yaml.compose_all(text, Loader=loader()))
    for d in docs:
        _check_expansion(d, max_nodes)
    return docs


def _check_expansion(node, max_nodes: int) -> None:
    if node is not None and expanded_size(node, max_nodes) > max_nodes:
        raise _guard_error()(problem=f"more than {max_nodes:,} YAML nodes once aliases are expanded (alias bomb?)",
                             problem_mark=node.start_mark)


def expanded_size(node, limit: int = MAX_NODES) -> int:
    """Nodes of `node` with every alias expanded (shared nodes counted each time), computed once
    per distinct node and capped just above `limit`."""
    import yaml  # noqa: PLC0415 start-up: PyYAML

    sizes: dict[int, int] = {}

    def size(n) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        sizes[key] = limit + 1  # a cycle (impossible in YAML, but cheap to guard) counts as too large
        total = 1
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                total += size(k) + size(v)
                if total > limit:
                    break
        elif isinstance(n, yaml.SequenceNode):
            for v in n.value:
                total += size(v)
                if total > limit:
                    break
        sizes[key] = min(total, limit + 1)
        return sizes[key]

    return size(node) if node is not None else 0


def position(mark) -> tuple[int, int]:
    """A PyYAML mark (0-based) as the 1-based (line, column) every message uses."""
    return mark.line + 1, mark.column + 1


def syntax_problem(e: Exception, file: str, *, column: bool = True, message: str | None = None) -> Problem:
    """A yaml.YAMLError as a `yaml-syntax` Problem located at its problem mark."""
    mark = getattr(e, "problem_mark", None)
    line, col = position(mark) if mark else (None, None)
    return Problem(
        message or f"malformed YAML: {e}", file=file, line=line, column=col if column else None, code="yaml-syntax"
    )


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

    def problem(
        self, path: tuple, message: str, hint: str | None = None, code: str | None = None, severity: str = "error"
    ) -> Problem:
        line, column = self.position(path) or (None, None)
        return Problem(message, file=self.file, line=line, column=column, hint=hint, code=code, severity=severity)


def load(text: str, display: str, *, max_nodes: int = MAX_NODES, duplicate_keys: bool = True) -> Located:
    """Parse one YAML document keeping node positions; every guard and syntax error is a located InputError.

    duplicate_keys: report every repeated mapping key (`duplicate-key`); False keeps the last one,
    which is what Halyard's SnakeYAML does and so what migrate must read.
    """
    import yaml  # noqa: PLC0415 start-up: PyYAML

    doc = Located(display, None, text=text)
    node = _compose_guarded(text, display, max_nodes)
    if node is None:
        return doc
    problems: list[Problem] = []
    ctor = loader()("")
    budget = [max_nodes]

    def build(n, path: tuple, at=None):
        budget[0] -= 1
        if budget[0] < 0:  # aliases expand: a "billion laughs" file must not hang the caller
            raise InputError(Problem(f"more than {max_nodes:,} YAML nodes (alias expansion?)", file=display,
                                     line=position(n.start_mark)[0], code="yaml-too-large"))
        # a mapping entry is located at its key (where a reader looks), anything else at its node
        doc.lines[path] = position(at or n.start_mark)
        if isinstance(n, yaml.MappingNode):
            out: dict = {}
            if n.tag in _UNSUPPORTED_TAGS:  # would be read as a mapping of nulls (or fail much later)
                problems.append(_problem_at(
                    n, f"YAML {n.tag.rsplit(':', 1)[-1]!r} collections are not supported: write a list or a mapping",
                    display, "yaml-tag"))
            for k, v in n.value:
                key = ctor.construct_object(k, deep=True)
                if key is None:  # `~:` or `null:` would silently become the string "None"
                    problems.append(_problem_at(k, "a null mapping key: quote it if you mean the text", display,
                                                "yaml-key"))
                if not isinstance(key, (str, int, bool)):
                    key = str(key)
                if duplicate_keys and key in out:
                    problems.append(_problem_at(k, f"duplicate key {key!r}", display, "duplicate-key"))
                out[key] = build(v, path + (key,), k.start_mark)
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(v, path + (i,)) for i, v in enumerate(n.value)]
        return ctor.construct_object(n, deep=True)

    try:
        doc.data = build(node, ())
    except yaml.YAMLError as e:  # e.g. an unknown tag
        raise InputError(syntax_problem(e, display, column=False)) from None
    except (ValueError, OverflowError) as e:  # a scalar PyYAML cannot construct (e.g. a timestamp out of range)
        raise InputError(Problem(f"unreadable value: {type(e).__name__}", file=display, code="yaml-syntax")) from None
    if problems:
        raise InputError(problems)
    return doc


def _compose_guarded(text: str, display: str, max_nodes: int):
    """The document's node graph (None for an empty document), after the nesting, syntax and alias-bomb guards."""
    import yaml  # noqa: PLC0415 start-up: PyYAML

    check_nesting(text, display)
    try:
        node = yaml.compose(text, Loader=loader())
    except yaml.YAMLError as e:
        raise InputError(
            syntax_problem(e, display, message=f"malformed YAML: {getattr(e, 'problem', None) or e}")
        ) from None
    if node is not None and expanded_size(node, max_nodes) > max_nodes:  # counted on the shared nodes: instant
        raise InputError(
            Problem(
                f"more than {max_nodes:,} YAML nodes once aliases are expanded (alias bomb?)",
                file=display,
                line=position(node.start_mark)[0],
                code="yaml-too-large",
            )
        )
    return node


def _problem_at(node, message: str, display: str, code: str) -> Problem:
    """A problem located at a node's start (line, column)."""
    line, col = position(node.start_mark)
    return Problem(message, file=display, line=line, column=col, code=code)


def read(path: Path, display: str | None = None, *, root: Path | None = None, max_nodes: int = MAX_NODES,
         duplicate_keys: bool = True) -> Located:
    """load() of a file (read_text's guards first)."""
    name = display or str(path)
    return load(read_text(path, name, root=root), name, max_nodes=max_nodes, duplicate_keys=duplicate_keys)


def load_plain(text: str, display: str, *, max_nodes: int = MAX_NODES):
    """Plain data of one document (no positions kept), with every guard of `load`."""
    return load(text, display, max_nodes=max_nodes, duplicate_keys=False).data


# --------------------------------------------------------------------------------------------
# yaml-rs: plain data fast (kustomize output, manifests)


def before_threads() -> None:
    """Import yaml-rs in the calling (main) thread before worker threads parse YAML: yaml-rs 0.1.6 imported
    first inside a worker thread that then ends crashes the process (SIGSEGV) on a later parse in another
    thread; `spinops diff` and the PR pipeline build base and head in two threads
    (tests/test_yaml_rs_threads.py)."""
    import yaml_rs  # noqa: F401, PLC0415 start-up: yaml-rs, imported here on purpose (in the main thread)


def alias_limits():
    import yaml_rs  # noqa: PLC0415 start-up: yaml-rs

    return yaml_rs.AliasLimits(max_total_replayed_events=MAX_ALIAS_EVENTS, max_replay_stack_depth=MAX_ALIAS_DEPTH)


def loads_fast(text: str, name: str, first_line: int = 1):
    """yaml-rs (YAML 1.2 core) data of a text, guarded; a multi-document text gives a list.

    Raises yaml_rs.YAMLDecodeError for syntax errors (callers locate them) and InputError for the guards.
    """
    import yaml_rs  # noqa: PLC0415 start-up: yaml-rs

    check_nesting(text, name, first_line)
    try:
        return yaml_rs.loads(text, parse_datetime=False, alias_limits=alias_limits())
    except yaml_rs.YAMLDecodeError as e:
        msg = str(e)
        if "alias" in msg and "limit" in msg:
            raise InputError(
                Problem(
                    f"YAML aliases expand too much (alias bomb?): {msg.strip().splitlines()[-1]}",
                    file=name,
                    code="alias-limit",
                    hint=f"at most {MAX_ALIAS_EVENTS:,} nodes may come from aliases",
                )
            ) from None
        raise
