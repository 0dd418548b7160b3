"""Load a halconfig: one file or a directory of fragments, plus an environment overlay; validate strictly.

    load_halconfig(path, env=None) -> Hal      raises InputError with every problem found

Fast path: read bytes (size limit, binary check), parse with yaml-rs, merge, validate+normalise in
one walk. Nothing positional is computed unless a problem must be located; then the file concerned
is composed once with PyYAML (see yamlpos). Rules: docs/halconfig-loading.md.
"""

from __future__ import annotations

import dataclasses
import gc
import re
from pathlib import Path

from spinops.credentials import is_credential_path
from spinops.errors import InputError, Problem
from spinops.halconfig import merge
from spinops.halconfig.merge import contains
from spinops.halconfig.schema import load_schema
from spinops.halconfig.source import Source, kind_of, load_file
from spinops.halconfig.validate import YAML11_TRUE, validate
from spinops.halconfig.yaml11 import describe, resolve

#: Files in halconfig/ that are not fragments (names only, never halconfig sections).
RESERVED = frozenset({"secrets.yml"})
FRAGMENT_SUFFIX = ".yml"
_ENV_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class Hal:
    """A loaded, validated halconfig (see docs/contracts.md)."""

    def __init__(self, data: dict, sources: list[Source], overlays: list[Source]) -> None:
        self.data = data
        self.files = [s.path for s in sources] + [s.path for s in overlays]
        self._layers = [*reversed(overlays), *sources]  # lookup order: last overlay first, then fragments in order

    def source_for(self, path: tuple) -> Source | None:
        path = tuple(path)
        for layer in self._layers:
            if contains(layer.data, path):
                return layer
        for alt in _alias_spellings(path):  # canonical JSON names written with their proto spelling
            for layer in self._layers:
                if contains(layer.data, alt):
                    return layer
        # nearest existing ancestor
        for n in range(len(path) - 1, -1, -1):
            for layer in self._layers:
                if contains(layer.data, path[:n]):
                    return layer
        return self._layers[-1] if self._layers else None

    def locate(self, path: tuple, *, key: bool = False) -> tuple[str, int, int] | None:
        """(file, line, column), 1-based, of the value at `path` (of its key when key=True)."""
        path = tuple(path)
        src = self.source_for(path)
        if src is None:
            return None
        for p in (path, *_alias_spellings(path)):
            if contains(src.data, p):
                path = p
                break
        pos = src.locate(path, key=key)
        if pos is None:
            return None
        return src.name, pos[0], pos[1]

    def place(self, problems: list[Problem]) -> list[Problem]:
        """Problems about halconfig values found after loading (the renderers name the path in
        `extra["path"]`), given the file:line:col of that value."""
        out = []
        for p in problems:
            path = p.extra.get("path") if p.file is None else None
            where = self.locate(tuple(path)) if path else None
            out.append(dataclasses.replace(p, file=where[0], line=where[1], column=where[2]) if where else p)
        return out


def _alias_spellings(path: tuple) -> list[tuple]:
    aliases = _aliases(id(load_schema()))
    if not any(step in aliases for step in path):
        return []
    return [tuple(aliases.get(step, step) if isinstance(step, str) else step for step in path)]


_ALIAS_CACHE: dict[int, dict[str, str]] = {}


def _aliases(key: int) -> dict[str, str]:
    """JSON name -> input alias, over the whole schema (datadog api_key <- apiKey, ...)."""
    if key not in _ALIAS_CACHE:
        out = {}
        for d in load_schema().get("$defs", {}).values():
            for name, sub in d.get("properties", {}).items():
                if "x-kleat-alias-of" in sub:
                    out[sub["x-kleat-alias-of"]] = name
        _ALIAS_CACHE[key] = out
    return _ALIAS_CACHE[key]


def fragment_paths(path: Path) -> list[Path]:
    """The files that make up the halconfig at `path` (a file, or a directory's *.yml fragments)."""
    path = Path(path)
    if path.is_dir():
        try:
            entries = sorted(path.iterdir(), key=lambda p: p.name)
        except OSError as e:
            raise InputError(
                Problem(f"cannot read directory: {e.strerror or e}", file=str(path), code="unreadable")
            ) from None
        problems = []
        out = []
        for p in entries:
            if p.name.startswith(".") or p.name in RESERVED:
                continue
            if p.suffix == ".yaml" and p.is_file():
                problems.append(Problem("halconfig fragments must be named *.yml; this file would be ignored",
                                        file=str(p), code="unreadable", hint=f"rename it to {p.stem}.yml"))
            elif p.suffix == FRAGMENT_SUFFIX:
                out.append(p)
        if problems:
            raise InputError(problems)
        if not out:
            raise InputError(
                Problem(
                    "no halconfig fragments (*.yml) in this directory",
                    file=str(path),
                    code="unreadable",
                    hint="expected halconfig.yml or other *.yml files (secrets.yml is not a fragment)",
                )
            )
        return out
    if not path.exists() and not path.is_symlink():
        raise InputError(Problem("no such file or directory", file=str(path), code="unreadable"))
    return [path]


def overlay_path(path: Path, env: str) -> Path:
    if not _ENV_NAME.fullmatch(env):
        raise InputError(
            Problem(f"invalid environment name {env!r}: use letters, digits, '.', '_' and '-'", code="usage")
        )
    base = Path(path) if Path(path).is_dir() else Path(path).parent
    return base / "env" / f"{env}.yml"


def _mapping(src: Source) -> dict:
    """The data of a file load_file accepted: it refuses any file that does not hold one mapping."""
    if not isinstance(src.data, dict):
        raise TypeError(f"{src.path}: not a mapping")
    return src.data


def load_halconfig(path: Path | str, env: str | None = None, *, schema: dict | None = None) -> Hal:
    # Parsing and normalising build many small containers and no reference cycles: the cyclic GC
    # would only re-scan them over and over (~30% of the load time of a large halconfig).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(Path(path), env, schema)
    finally:
        if was_enabled:
            gc.enable()


def _load(path: Path, env: str | None, schema: dict | None) -> Hal:
    problems: list[Problem] = []
    sources: list[Source] = []
    root = path if path.is_dir() else None  # a halconfig directory: no fragment or overlay may resolve outside it
    for p in fragment_paths(path):
        src = load_file(p, problems, root=root)
        if src is not None:
            sources.append(src)
    overlays: list[Source] = []
    if env is not None:
        op = overlay_path(path, env)
        misnamed = op.with_suffix(".yaml")
        if not (op.exists() or op.is_symlink()) and (misnamed.exists() or misnamed.is_symlink()):
            problems.append(
                Problem(
                    f"environment overlays must be named *.yml; {misnamed.name} would be ignored",
                    file=str(misnamed),
                    code="unreadable",
                    hint=f"rename it to {op.name}",
                )
            )
        if op.exists() or op.is_symlink():
            src = load_file(op, problems, what="a mapping of halconfig sections (an environment overlay)", root=root)
            if src is not None:
                overlays.append(src)
    if problems and not sources and not overlays:
        raise InputError(problems)

    data: dict = _mapping(sources[0]) if sources else {}
    for src in sources[1:]:
        conflicts: list[merge.Conflict] = []
        data = merge.merge_fragments(data, _mapping(src), conflicts)
        for cpath, _kept, _refused in conflicts:
            first = merge.owner(sources, cpath)
            fpos = first.locate(cpath) if first else None
            where = (
                f"{first.name}:{fpos[0]}:{fpos[1]}"
                if first and fpos
                else (first.name if first else "an earlier fragment")
            )
            problems.append(
                src.problem(
                    f"`{'.'.join(map(str, cpath))}` is set differently in two fragments: here and at {where}",
                    cpath,
                    hint="set it in one fragment only (lists too: "
                    "a list is a single value; use an env overlay to override)",
                    code="fragment-conflict",
                )
            )
    for src in overlays:
        data = merge.apply_overlay(data, _mapping(src))

    hal = Hal({}, sources, overlays)
    divergent = {path: d for src in (*sources, *overlays) for path, d in src.divergent.items()}

    hal.data, walk = validate(data, schema, divergent=divergent)
    problems.extend(_located(hal, walk))
    if problems:
        raise InputError(_sorted(problems))
    return hal


def _located(hal: Hal, walk) -> list[Problem]:
    if not walk.issues and not walk.ambiguous:
        return []
    return _issue_problems(hal, walk) + _ambiguity_problems(hal, walk)


def _issue_problems(hal: Hal, walk) -> list[Problem]:
    """The schema walk's issues, located; a credential field's value is never shown."""
    from spinops.halconfig import yamlpos  # noqa: PLC0415 start-up: PyYAML, via yamlpos

    out = []
    for issue in walk.issues:
        src = hal.source_for(issue.path)
        hint = issue.hint
        if issue.code in ("wrong-type", "wrong-type-scalar") and is_credential_path(issue.path):
            # never echo what was written in a credential field (a mistyped secret is still a secret)
            field = next((s for s in reversed(issue.path) if isinstance(s, str)), "value")
            got = kind_of(issue.extra.get("value"))
            out.append(
                _problem(
                    src,
                    issue.path,
                    f"`{field}`: expected a string, got {got} (value not shown: a credential field)",
                    "write a ${NAME} placeholder and declare NAME in halconfig/secrets.yml",
                    issue.code,
                    key=issue.key,
                )
            )
            continue
        if issue.code == "wrong-type-scalar" and src is not None:
            text = yamlpos.source_text(src.root(), issue.path)
            shown = text if text is not None else str(issue.extra.get("value"))
            v = issue.extra.get("value")
            if isinstance(v, bool):
                hint = f"quote it if you mean the string: '{shown}'"
            else:
                hint = f"an unquoted {shown} is a number in YAML; quote it: '{shown}'"
        out.append(_problem(src, issue.path, issue.message, hint, issue.code, key=issue.key))
    return out


def _ambiguity_problems(hal: Hal, walk) -> list[Problem]:
    """Values YAML 1.1 (Kleat) and YAML 1.2 (spinops) read differently, where they were written."""
    from spinops.halconfig import yamlpos  # noqa: PLC0415 start-up: PyYAML, via yamlpos

    out = []
    for path, kind, _value in walk.ambiguous:
        src = hal.source_for(path)
        if src is None:
            continue
        field = next((s for s in reversed(path) if isinstance(s, str)), "value")
        if kind == "number":
            d = src.divergent.get(path)  # None: the value that won came from a layer where it is unambiguous
            if d is not None:
                out.append(_number_problem(src, path, field, d))
            continue
        if kind == "inf-key":
            node = yamlpos.find(src.root(), path, key=True)

            if isinstance(node, yamlpos.ScalarNode) and not node.style and type(resolve(node.value)) is str:
                out.append(
                    _problem(
                        src,
                        path,
                        f"ambiguous unquoted key `{node.value}`: YAML 1.1 (Kleat) reads it as "
                        f"{describe(node.value)}, YAML 1.2 (spinops) as infinity",
                        f"quote it: '{node.value}'",
                        "yaml-1.1",
                        key=True,
                    )
                )
            continue
        raw = yamlpos.plain_scalar(src.root(), path, key=kind == "bool-key")
        if raw is None:
            continue  # quoted: unambiguous
        if kind == "bool-key":
            out.append(
                _problem(
                    src,
                    path,
                    f"ambiguous unquoted key `{raw}`: YAML 1.1 (Kleat, Halyard, Spring) reads it as "
                    f"the boolean key `{'true' if raw in YAML11_TRUE else 'false'}`, spinops reads YAML 1.2 and gets "
                    f"the key '{raw}'",
                    f"quote it: '{raw}'",
                    "yaml-1.1",
                    key=True,
                )
            )
        elif kind == "bool-word":
            out.append(
                _problem(
                    src,
                    path,
                    f"`{field}`: ambiguous unquoted `{raw}`: YAML 1.1 (Kleat, Halyard, Spring) reads it "
                    f"as a boolean, spinops reads YAML 1.2 and gets the string '{raw}'",
                    f"quote it if you mean the string: '{raw}'",
                    "yaml-1.1",
                )
            )
    return out


def _number_problem(src: Source, path: tuple, field: str, d) -> Problem:
    """A number that YAML 1.1 (Kleat) reads differently: `0120` is octal 80 there, 120 here."""
    both_int = type(d.kleat) is int and type(d.ours) is int
    octal = both_int and d.raw.lstrip("+-").startswith("0")
    kleat = f"as octal {d.kleat}" if octal else f"as {describe(d.kleat)}"
    hint = f"write {d.ours} (the YAML 1.2 reading)" + (
        f" or {d.kleat} (the YAML 1.1 reading)" if type(d.kleat) is not str else ""
    )
    return _problem(
        src,
        path,
        f"`{field}`: ambiguous {'integer' if both_int else 'number'} `{d.raw}`: YAML 1.1 (Kleat) reads "
        f"it {kleat}, YAML 1.2 (spinops) as {describe(d.ours)}",
        hint,
        "yaml-1.1",
    )


def _problem(
    src: Source | None, path: tuple, message: str, hint: str | None, code: str, *, key: bool = False
) -> Problem:
    if src is None:
        return Problem(message, hint=hint, code=code)
    return src.problem(message, path, key=key, hint=hint, code=code)


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0, p.column or 0))
