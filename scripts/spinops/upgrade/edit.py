"""Where an upgrade writes the new release, and the one-line text edits that write it (pure).

The halconfig's top-level `version:` chooses the release; an environment's overlay
`halconfig/env/<env>.yml` may override it (the build deep-merges the overlay on top, so its `version:`
wins). Staging first, production in a second PR:
- while some environment stays behind, each environment that moves gets (or changes) `version:` in its
  own overlay;
- when the move brings every environment to the same release, the base `version:` moves instead and
  the overlays' `version:` lines go: one release, written in one place again.
Every edit changes or inserts or deletes one line, so comments and layout stay as they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from spinops.errors import InputError, Problem

#: A top-level `version:` line: the key at column 1, a plain or quoted scalar, an optional comment.
_LINE = re.compile(r"^version:(?P<sp>[ \t]+)(?P<q>['\"]?)(?P<v>[^'\"#\s]+)(?P=q)(?P<rest>[ \t]*(#.*)?)$")


@dataclass(frozen=True)
class EnvRelease:
    env: str
    version: str
    file: str  # the file whose `version:` wins for the environment (repository-relative)
    overlay: str  # the environment's overlay file (halconfig/env/<env>.yml), existing or not


def _line_index(text: str, file: str) -> int | None:
    lines = text.split("\n")
    found = [i for i, ln in enumerate(lines) if ln.startswith("version:")]
    if not found:
        return None
    if len(found) > 1 or not _LINE.match(lines[found[0]].rstrip("\r")):
        raise InputError(Problem(
            "cannot edit `version:` here: spinops upgrade changes one top-level `version: x.y.z` line",
            file=file, line=found[0] + 1, column=1, code="upgrade-edit",
            hint="write it as one line, `version: x.y.z`, then run spinops upgrade again",
        ))
    return found[0]


def set_version(text: str, version: str, file: str) -> str:
    """`text` with its top-level `version:` set to `version`: the line changed in place (quotes and comment
    kept), or a new line inserted before the first top-level key (after the file's leading comments)."""
    lines = text.split("\n")
    i = _line_index(text, file)
    if i is not None:
        cr = "\r" if lines[i].endswith("\r") else ""
        m = _LINE.match(lines[i].rstrip("\r"))
        assert m is not None  # _line_index checked it
        lines[i] = f"version:{m['sp']}{m['q']}{version}{m['q']}{m['rest']}{cr}"
        return _verified("\n".join(lines), version, file)
    first = next((n for n, ln in enumerate(lines) if ln and not ln.startswith(("#", " ", "\t", "---", "%"))),
                 None)
    if first is None:  # comments only (or empty): append
        body = text if not text or text.endswith("\n") else text + "\n"
        return _verified(body + f"version: {version}\n", version, file)
    lines.insert(first, f"version: {version}")
    return _verified("\n".join(lines), version, file)


def drop_version(text: str, file: str) -> str:
    """`text` without its top-level `version:` line (the base then chooses the release)."""
    i = _line_index(text, file)
    if i is None:
        return text
    lines = text.split("\n")
    del lines[i]
    out = "\n".join(lines)
    _verified(out, None, file)
    return out


def _verified(text: str, version: str | None, file: str) -> str:
    """The edited text, after checking it still parses and says what it should (never write a broken file)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:  # pragma: no cover - an edit of one scalar line cannot break the syntax
        raise InputError(Problem(f"the edited file would not parse: {e}", file=file, code="upgrade-edit")) from None
    got = data.get("version") if isinstance(data, dict) else None
    if (str(got) if got is not None else None) != version:
        raise InputError(Problem(
            f"the edit would leave version {got!r}, not {version!r}", file=file, code="upgrade-edit",
            hint="write `version:` as one top-level line",
        ))
    return text


def plan_edits(
    releases: list[EnvRelease], moving: list[str], target: str, base_file: str | None, read
) -> dict[str, str]:
    """repository-relative path -> new text, for moving the environments `moving` to `target`.

    releases: every environment's release and where it is written; base_file: the halconfig fragment that
    holds the base `version:` (None when no fragment has one); read(path) -> text ("" for a missing file)."""
    after = {r.env: (target if r.env in moving else r.version) for r in releases}
    edits: dict[str, str] = {}
    if base_file is not None and set(after.values()) == {target}:
        edits[base_file] = set_version(read(base_file), target, base_file)
        for r in releases:
            if r.file == r.overlay:
                edits[r.overlay] = drop_version(read(r.overlay), r.overlay)
        return edits
    for r in releases:
        if r.env in moving:
            edits[r.overlay] = set_version(read(r.overlay) or _new_overlay(r.env), target, r.overlay)
    return edits


def _new_overlay(env: str) -> str:
    return f"# Deep-merged over halconfig/*.yml for `spinops build --env {env}`.\n"
