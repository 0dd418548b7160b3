"""The release catalog: which Spinnaker releases spinops knows, and what each one is made of.

One data file per release, written by `python -m spinops.spinnaker.gather` (or, for a team, by
`spinops catalog add VERSION`) from Spinnaker's own sources and never by hand:
- the package's files, `spinops/spinnaker/releases/<version>.yml` (the tool's; see docs/catalog.md), and
- a team's own additions, `halconfig/releases/<version>.yml` of its checkout (`Catalog.for_repo`), which
  are read beside them; a release in both is the package's.

Each file records the services of the release and their versions, the image registry and tag, and,
where recorded, each service's default Spring properties as facts (property -> value as written,
`${...}` references included) from `<svc>-web/config/<svc>.yml` at the service's tag. How each fact is
derived (1.x changelogs and service repositories; calendar releases from the monorepo) is in gather.py.

Versions: `1.<minor>.<patch>` until 1.38.0, then calendar versions `<year>.<n>.<patch>` (2025.0.0, the
first release from the spinnaker/spinnaker monorepo, is 1.38.0's successor; spinnaker.io
content/en/changelogs/2025.0.0-changelog.md). Both compare as integer tuples, so 2025.0.0 > 1.38.0. A minor
line is `<major>.<minor>` (1.36, 2026.2); spinnaker.io's versions page supports the newest three
(layouts/shortcodes/latest-stable.html).

API (what build, check and upgrade use): `Catalog.for_repo(root)` / `Catalog.package()`, then
`.versions` (oldest first), `.newest`, `.supported()`, `.check(version)`, `.release(version)`; `Release`;
`UnknownRelease`; `version_key`, `line_of`, `release_of_tag`. The module functions `known_versions`,
`check_version` and `release` are the package's catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from spinops.layout import RELEASES as TEAM_RELEASES
from spinops.spinnaker.contract.properties import flatten  # noqa: F401  (gather writes defaults with it)

#: The image names of kustomize/base (the community registry of every 1.x release and of 2025.0-2026.0); a
#: release from another registry (ghcr.io/spinnaker since 2026.1.0) sets newName in the layer's `images:`.
REGISTRY = "us-docker.pkg.dev/spinnaker-community/docker"
NEWEST_LINES = 3  # spinnaker.io layouts/shortcodes/latest-stable.html: `first 3` of the newest minor lines

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_TAG = re.compile(r"^(?:spinnaker-)?(\d+\.\d+\.\d+)$")


def version_key(version: str) -> tuple[int, ...]:
    """1.38.0 -> (1, 38, 0); calendar 2025.0.0 -> (2025, 0, 0), which sorts after every 1.x release."""
    return tuple(int(p) for p in version.split("."))


def is_version(text: object) -> bool:
    return isinstance(text, str) and _VERSION.match(text) is not None


def is_calendar(version: str) -> bool:
    """A calendar version `<year>.<n>.<patch>` (spinnaker/spinnaker RELEASE.md, "Spinnaker Release Versions")."""
    return len(version.split(".", 1)[0]) == 4


def line_of(version: str) -> str:
    """The minor line: 1.36.3 -> 1.36, 2026.2.3 -> 2026.2."""
    return version.rsplit(".", 1)[0]


def image_tag_of(version: str) -> str:
    """The image tag of a release: `spinnaker-<version>` for 1.x (spinnaker/kustomization-base README.md:199-201);
    the version itself for calendar releases (spinnaker.io content/en/docs/setup/install/deploy.md: "All spinnaker
    versions since the monorepo use the same image tags, e.g. 2025.3.2")."""
    return version if is_calendar(version) else f"spinnaker-{version}"


def release_of_tag(tag: str | None) -> str | None:
    """The release an image tag names (`spinnaker-1.36.1` -> 1.36.1, `2026.2.3` -> 2026.2.3), else None."""
    m = _TAG.match(tag or "")
    if m is None or image_tag_of(m.group(1)) != tag:
        return None
    return m.group(1)


@dataclass(frozen=True)
class Release:
    version: str
    image_tag: str
    services: dict[str, str]  # service -> its version in the release
    defaults: dict[str, dict] = field(default_factory=dict)  # service -> {file, properties, profiles}
    registry: str = REGISTRY

    def image(self, service: str) -> str | None:
        """`<registry>/<svc>:<tag>` for a service of the release, None for one outside it (keel)."""
        return f"{self.registry}/{service}:{self.image_tag}" if service in self.services else None

    def images_entry(self, service: str) -> dict[str, str]:
        """The kustomize `images:` fields (besides `name: <REGISTRY>/<svc>`, kustomize/base's name) that run it."""
        moved = {"newName": f"{self.registry}/{service}"} if self.registry != REGISTRY else {}
        return {**moved, "newTag": self.image_tag}


class UnknownRelease(ValueError):
    """A halconfig `version:` the catalog cannot serve; the message says what to do."""


def _describe(versions: tuple[str, ...]) -> str:
    lines: dict[str, list[str]] = {}
    for v in versions:
        lines.setdefault(line_of(v), []).append(v.rsplit(".", 1)[1])
    return "; ".join(f"{line}.{{{','.join(patches)}}}" if len(patches) > 1 else f"{line}.{patches[0]}"
                     for line, patches in lines.items())


def _load(text: str) -> Release:
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    services = data["services"]
    return Release(
        version=str(data["version"]),
        image_tag=str(data["image"]["tag"]),
        services={svc: str(s["version"]) for svc, s in services.items()},
        defaults={svc: s["defaults"] for svc, s in services.items() if isinstance(s.get("defaults"), dict)},
        registry=data["image"].get("registry") or REGISTRY,
    )


@dataclass(frozen=True)
class Catalog:
    """The releases of the package, plus a team's own directory when given."""

    files: dict[str, Traversable]  # version -> its file (a Path, or an importlib resource of the package)
    team: frozenset[str] = frozenset()  # the versions read from the team's directory

    @staticmethod
    def package() -> Catalog:
        return _package()

    @staticmethod
    def for_repo(root: Path | str | None) -> Catalog:
        """The package's releases and those of `<root>/halconfig/releases/` (the package's win)."""
        if root is None:
            return _package()
        return _with_team(Path(root).resolve() / TEAM_RELEASES)

    @property
    def versions(self) -> tuple[str, ...]:
        """Every release, oldest first."""
        return tuple(sorted(self.files, key=version_key))

    @property
    def newest(self) -> str | None:
        return self.versions[-1] if self.files else None

    def supported(self, lines: int = NEWEST_LINES) -> tuple[str, ...]:
        """The releases of the newest `lines` minor lines, oldest first."""
        newest = sorted({line_of(v) for v in self.files}, key=version_key)[-lines:]
        return tuple(v for v in self.versions if line_of(v) in newest)

    def is_team(self, version: str) -> bool:
        """Whether `version` comes from the team's directory (not the package)."""
        return version in self.team

    def describe(self) -> str:
        """The known releases by line: `1.36.{0,1,2,3}; 2026.2.{0,1}`."""
        return _describe(self.versions)

    def check(self, version: object) -> str:
        """The version itself when the catalog has it; else UnknownRelease saying what to write instead."""
        newest = self.newest or "x.y.z"
        if not isinstance(version, str) or not version:
            raise UnknownRelease(f"no Spinnaker release chosen: set `version:` to one of the known releases "
                                 f"({self.describe()})")
        if version.startswith("local:"):
            # Halyard's marker for services built on the machine (halyard-core Versions.isLocal / fromLocal)
            raise UnknownRelease(
                f"{version!r} is Halyard's `local:` prefix for locally built services; spinops deploys published "
                f"releases: write a release version (e.g. {newest}) and pin your own images in the overlay's "
                "`images:`"
            )
        m = _VERSION.match(version)
        if m and m.group(1) == "2":
            raise UnknownRelease(
                f"{version!r} looks like a vendor (Armory CD 2.x) version, not open-source Spinnaker; write the "
                f"open-source release it is based on (e.g. {newest}) and pin the vendor's images in the overlay's "
                "`images:` if you run them"
            )
        if version not in self.files:
            hint = (f"; a newer published release can be added with `spinops catalog add {version}`"
                    if m and self.newest and version_key(version) > version_key(self.newest) else "")
            raise UnknownRelease(f"unknown Spinnaker release {version!r}; the catalog knows {self.describe()}{hint}")
        return version

    def release(self, version: object) -> Release:
        """The release `version` (checked first: raises UnknownRelease)."""
        version = self.check(version)
        file = self.files[version]
        # a team's file can change between two calls (catalog add): the cache keys on its mtime too
        key = (str(file), file.stat().st_mtime_ns if isinstance(file, Path) else 0)
        if key not in _READ:
            try:
                _READ[key] = _load(file.read_text(encoding="utf-8"))
            except (yaml.YAMLError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as e:
                if version not in self.team:
                    raise  # the package's own files are tested
                raise UnknownRelease(
                    f"{file} is not a release file as `spinops catalog add` writes it ({type(e).__name__}: {e}); "
                    f"write it again with `spinops catalog add {version}`"
                ) from None
        return _READ[key]


_READ: dict[tuple[str, int], Release] = {}  # (file, mtime) -> its release: each file is parsed once


def _release_files(directory: Traversable) -> dict[str, Traversable]:
    if not directory.is_dir():
        return {}
    return {p.name[: -len(".yml")]: p for p in directory.iterdir()
            if p.name.endswith(".yml") and is_version(p.name[: -len(".yml")])}


@cache
def _package() -> Catalog:
    return Catalog(_release_files(resources.files("spinops.spinnaker").joinpath("releases")))


def _with_team(directory: Path) -> Catalog:
    package = _package().files
    team = {v: p for v, p in _release_files(directory).items() if v not in package}
    return Catalog({**team, **package}, frozenset(team))


# The package's catalog, as functions (what callers without a checkout use).
def known_versions() -> tuple[str, ...]:
    """Every release of the package, oldest first."""
    return _package().versions


def check_version(version: object) -> str:
    return _package().check(version)


def release(version: str) -> Release:
    return _package().release(version)
