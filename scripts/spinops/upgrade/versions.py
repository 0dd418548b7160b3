"""Which releases an environment may move to (pure: versions in, choices or refusals out).

A *line* is a Spinnaker minor release line (`1.36`, `2025.1`): the catalog's releases grouped by their
first two numbers, in version order (1.38 comes before 2025.0, Spinnaker's calendar versions). An
upgrade stays on its line (a patch) or moves to the next line the catalog knows (a minor); it never
goes back (a rollback is a revert PR) and never skips a line.
"""

from __future__ import annotations

from dataclasses import dataclass

from spinops.spinnaker.catalog import Catalog, known_versions


class Refused(ValueError):
    """An upgrade spinops will not make; the message says why and what to do instead."""


def key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def line(version: str) -> str:
    return version.rsplit(".", 1)[0]


def lines(known: tuple[str, ...] | None = None) -> list[str]:
    """The catalog's minor lines, oldest first."""
    out: list[str] = []
    for v in known if known is not None else known_versions():
        if line(v) not in out:
            out.append(line(v))
    return out


@dataclass(frozen=True)
class Newer:
    """The releases newer than `current`: its own line's patches, the next line, and the lines after it."""

    current: str
    patches: tuple[str, ...]  # same line, newer, oldest first
    next_line: tuple[str, ...]  # every release of the next line, oldest first
    later_lines: tuple[str, ...]  # the lines after the next one (they are reached through it)

    @property
    def newest_patch(self) -> str | None:
        return self.patches[-1] if self.patches else None

    @property
    def newest_minor(self) -> str | None:
        return self.next_line[-1] if self.next_line else None

    def as_dict(self) -> dict:
        return {
            "current": self.current,
            "patches": list(self.patches),
            "next_line": list(self.next_line),
            "later_lines": list(self.later_lines),
            "newest_patch": self.newest_patch,
            "newest_minor": self.newest_minor,
        }


def newer(current: str, known: tuple[str, ...] | None = None) -> Newer:
    known = known if known is not None else known_versions()
    all_lines = lines(known)
    after = [v for v in known if key(v) > key(current)]
    patches = tuple(v for v in after if line(v) == line(current))
    later = [ln for ln in all_lines if key(ln) > key(line(current))]
    next_line = tuple(v for v in after if later and line(v) == later[0])
    return Newer(current, patches, next_line, tuple(later[1:]))


def check_move(current: str, target: str, env: str, catalog: Catalog | None = None) -> str:
    """`patch` or `minor` for an allowed move of `env` from `current` to `target`; `none` when it is there.

    UnknownRelease (from the catalog) for a target it does not know; Refused for a downgrade or a skipped line."""
    catalog = catalog or Catalog.package()  # a repository's catalog also holds its team releases
    catalog.check(target)
    known = catalog.versions
    if target == current:
        return "none"
    if key(target) < key(current):
        raise Refused(
            f"{env} runs {current}; {target} is older: spinops upgrade does not downgrade. A rollback is a revert "
            "of the upgrade PR (the report of that PR says which data migrations make a revert unsafe)"
        )
    if line(target) == line(current):
        return "patch"
    options = newer(current, known)
    if options.next_line and line(target) == line(options.next_line[0]):
        return "minor"
    skipped = [ln for ln in lines(known) if key(line(current)) < key(ln) < key(line(target))]
    first = options.next_line[-1] if options.next_line else None
    raise Refused(
        f"{env} runs {current}; {target} skips the minor line{'s' if len(skipped) != 1 else ''} "
        f"{', '.join(skipped)}: upgrade one line at a time"
        + (f", first to {first} (the newest {line(first)} release)" if first else "")
    )
