"""Reading one YAML file fast and safely: size limit, binary check, yaml-rs parse, alias limits.

Positions are not kept on the fast path. A `Source` holds the text so that, when an error must be
located, `spinops.halconfig.yamlpos` can compose it again with positions (once, lazily).
"""

from __future__ import annotations

import re
from pathlib import Path

from spinops import yamlio
from spinops.errors import InputError, Problem
from spinops.halconfig import mergekeys, yaml11

#: The guards (size, encoding, nesting, alias limits) are the one guarded loader's: spinops.yamlio.
MAX_BYTES = yamlio.MAX_BYTES
MAX_ALIAS_EVENTS = yamlio.MAX_ALIAS_EVENTS
_YAMLRS_POS = re.compile(r"at line (\d+), column (\d+)")


class Source:
    """One parsed YAML file."""

    __slots__ = ("path", "text", "data", "divergent", "_root", "_composed")

    def __init__(self, path: Path, text: str, data: object) -> None:
        self.path, self.text, self.data = path, text, data
        self.divergent: dict = {}  # path -> yaml11.Divergence: numbers Kleat reads differently (see yaml11.reconcile)
        self._root, self._composed = None, False

    def __repr__(self) -> str:
        return f"Source({str(self.path)!r})"

    @property
    def name(self) -> str:
        return str(self.path)

    def root(self):
        """PyYAML node tree with positions (composed on first use)."""
        if not self._composed:
            from spinops.halconfig import yamlpos  # noqa: PLC0415 start-up: PyYAML, via yamlpos

            self._root = yamlpos.compose(self.text)
            self._composed = True
        return self._root

    def locate(self, path: tuple, *, key: bool = False) -> tuple[int, int] | None:
        from spinops.halconfig import yamlpos  # noqa: PLC0415 start-up: PyYAML, via yamlpos

        return yamlpos.locate(self.root(), path, key=key)

    def problem(
        self, message: str, path: tuple = (), *, key: bool = False, hint: str | None = None, code: str | None = None
    ) -> Problem:
        pos = self.locate(path, key=key) or (None, None)
        # the data path too, for tools reading --format json (e.g. ["providers", "kubernetes", "accounts", 0])
        extra = {"path": [s if isinstance(s, (str, int)) else str(s) for s in path]} if path else {}
        return Problem(message, file=self.name, line=pos[0], column=pos[1], hint=hint, code=code, extra=extra)


def read_text(path: Path, root: Path | None = None) -> str:
    """The file's text, or InputError-worthy Problems (missing, unreadable, too large, binary, outside `root`)."""
    return yamlio.read_text(path, root=root)


def parse(text: str, name: str, *, problems: list[Problem]) -> object:
    """yaml-rs parse (YAML 1.2 core). Appends problems; returns the data (None when unusable).

    A duplicate key is reported with both positions and parsing continues (last one wins),
    so the other errors of the file are reported in the same run.
    """
    import yaml_rs  # noqa: PLC0415 start-up: yaml-rs

    too_deep = yamlio.nesting_problem(text, name)
    if too_deep is not None:
        problems.append(too_deep)
        return None
    limits = yamlio.alias_limits()
    try:
        return yaml_rs.loads(
            text, parse_datetime=False, alias_limits=limits, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error
        )
    except yaml_rs.YAMLDecodeError as e:
        msg = str(e)
    if msg.startswith("duplicate mapping key"):
        problems.extend(_duplicates(text, name, msg))
        try:
            return yaml_rs.loads(
                text,
                parse_datetime=False,
                alias_limits=limits,
                duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.LastWins,
            )
        except yaml_rs.YAMLDecodeError as e:
            msg = str(e)
    if "alias" in msg and "limit" in msg:
        from spinops.halconfig import yamlpos  # noqa: PLC0415 start-up: PyYAML, via yamlpos

        pos = yamlpos.first_alias(text) or (None, None)
        problems.append(
            Problem(
                f"YAML aliases expand too much (alias bomb?): {msg}",
                file=name,
                line=pos[0],
                column=pos[1],
                code="alias-limit",
                hint=f"at most {MAX_ALIAS_EVENTS:,} nodes may come from aliases",
            )
        )
        return None
    m = _YAMLRS_POS.search(msg)
    reason = msg.strip().splitlines()[-1].strip() if msg.strip() else "cannot parse"
    if m:
        problems.append(
            Problem(
                f"YAML syntax error: {reason}",
                file=name,
                line=int(m.group(1)),
                column=int(m.group(2)),
                code="yaml-syntax",
            )
        )
    else:
        problems.append(Problem(f"YAML syntax error: {reason}", file=name, code="yaml-syntax"))
    return None


def _duplicates(text: str, name: str, msg: str) -> list[Problem]:
    from spinops.halconfig import yamlpos  # noqa: PLC0415 start-up: PyYAML, via yamlpos

    found = yamlpos.duplicate_keys(yamlpos.compose(text))
    if not found:  # keys that differ as YAML but are equal as data: `1` and `true`, `0` and `false`, `1` and `1.0`
        return [Problem(f"{msg} (keys such as `1` and `true`, or `0` and `false`, are the same key once read)",
                        file=name, code="duplicate-key", hint="quote such keys: '1', 'true'")]
    out = []
    for _path, first, dup in found:
        line, col = yamlpos.mark(dup)
        fl, fc = yamlpos.mark(first)
        out.append(
            Problem(
                f"duplicate key `{dup.value}` (first set at line {fl}, column {fc})",
                file=name,
                line=line,
                column=col,
                code="duplicate-key",
                hint="a key may appear once per mapping",
            )
        )
    return out


def is_blank(text: str) -> bool:
    """True when the text holds nothing but comments, whitespace and document markers."""
    for line in text.splitlines():
        s = line.strip()
        if s and not s.startswith("#") and s not in ("---", "..."):
            return False
    return True


def load_file(
    path: Path, problems: list[Problem], *, what: str = "a mapping of halconfig sections", root: Path | None = None
) -> Source | None:
    """Read + parse one file that must hold one YAML mapping. Problems are appended."""
    try:
        text = read_text(path, root)
    except InputError as e:
        problems.extend(e.problems)
        return None
    name = str(path)

    separator = yaml11.line_separator_problem(text, name)
    if separator is not None:
        problems.append(separator)
        return None
    before = len(problems)
    data = parse(text, name, problems=problems)
    if len(problems) > before and data is None:
        return None
    src = Source(path, text, data)
    if data is None:
        if is_blank(text):
            problems.append(Problem(f"empty file: expected {what}", file=name, line=1, column=1, code="empty-file",
                                    hint="write `{}` for an intentionally empty file"))
        else:
            problems.append(src.problem(f"expected {what}, got null", code="not-a-mapping"))
        return None
    if not isinstance(data, dict):
        from spinops.halconfig import yamlpos  # noqa: PLC0415 start-up: PyYAML, via yamlpos

        if isinstance(data, list) and yamlpos.count_documents(text) > 1:
            problems.append(Problem(f"several YAML documents (`---`): expected one document with {what}", file=name,
                                    line=1, column=1, code="not-a-mapping"))
        else:
            problems.append(src.problem(f"expected {what}, got {kind_of(data)}", code="not-a-mapping"))
        return None
    if yaml11.may_diverge(text):  # plain scalars yaml-rs may read differently from Kleat (`_1`, `0777`)
        problems.extend(yaml11.reconcile(src))
    if "<<" in text:  # YAML merge keys, as Kleat's yaml.v2 reads them

        problems.extend(mergekeys.resolve(src))
    return src


def kind_of(v: object) -> str:
    """A value's YAML type in words, never the value itself (messages may concern credentials)."""
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    return type(v).__name__
