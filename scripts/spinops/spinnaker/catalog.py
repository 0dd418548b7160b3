"""The release catalog: which Spinnaker releases spinops knows, and what each one is made of.

One data file per release, `spinops/spinnaker/releases/<version>.yml`, written by
`python -m spinops.spinnaker.gather` from Spinnaker's own sources and never by hand:
- the services of the release and their versions: spinnaker/spinnaker.io
  `content/en/changelogs/<x.y.z>-changelog.md` (a patch changelog names only the services that
  changed, so a release inherits the rest from the earlier changelogs of its minor line);
- the image: `us-docker.pkg.dev/spinnaker-community/docker/<svc>:spinnaker-<version>`, the tag
  the community registry gives every service of a release (spinnaker/kustomization-base
  README.md:199-201);
- where recorded, each service's default Spring properties as facts (property -> value as
  written, `${...}` references included): `<svc>-web/config/<svc>.yml` at the service's tag.

keel is in no release since Spinnaker 1.x's changelogs stopped listing it: it has no release
image tag, so an installation that runs keel pins its image in the overlay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

from spinops.spinnaker.contract.properties import flatten  # noqa: F401  (gather writes defaults with it)

REGISTRY = "us-docker.pkg.dev/spinnaker-community/docker"
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


@dataclass(frozen=True)
class Release:
    version: str
    image_tag: str
    services: dict[str, str]  # service -> its version in the release
    defaults: dict[str, dict] = field(default_factory=dict)  # service -> {file, properties, profiles}

    def image(self, service: str) -> str | None:
        """`<registry>/<svc>:spinnaker-<version>` for a service of the release, None for one outside it (keel)."""
        return f"{REGISTRY}/{service}:{self.image_tag}" if service in self.services else None


class UnknownRelease(ValueError):
    """A halconfig `version:` the catalog cannot serve; the message says what to do."""


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


@cache
def known_versions() -> tuple[str, ...]:
    """Every release in the catalog, oldest first."""
    names = [p.name[: -len(".yml")] for p in resources.files("spinops.spinnaker").joinpath("releases").iterdir()
             if p.name.endswith(".yml")]
    return tuple(sorted((n for n in names if _SEMVER.match(n)), key=_key))


def _describe_known() -> str:
    versions = known_versions()
    lines: dict[str, list[str]] = {}
    for v in versions:
        lines.setdefault(v.rsplit(".", 1)[0], []).append(v.rsplit(".", 1)[1])
    return "; ".join(f"{line}.{{{','.join(patches)}}}" if len(patches) > 1 else f"{line}.{patches[0]}"
                     for line, patches in lines.items())


def check_version(version: object) -> str:
    """The version itself when the catalog has it; else UnknownRelease saying what to write instead."""
    known = known_versions()
    newest = known[-1] if known else "x.y.z"
    if not isinstance(version, str) or not version:
        raise UnknownRelease(
            f"no Spinnaker release chosen: set `version:` to one of the known releases ({_describe_known()})"
        )
    if version.startswith("local:"):
        # Halyard's marker for services built on the machine (halyard-core Versions.isLocal / fromLocal)
        raise UnknownRelease(
            f"{version!r} is Halyard's `local:` prefix for locally built services; spinops deploys published "
            f"releases: write a release version (e.g. {newest}) and pin your own images in the overlay's `images:`"
        )
    m = _SEMVER.match(version)
    if m and m.group(1) == "2" and len(m.group(2)) < 4:
        raise UnknownRelease(
            f"{version!r} looks like a vendor (Armory CD 2.x) version, not open-source Spinnaker; write the "
            f"open-source release it is based on (e.g. {newest}) and pin the vendor's images in the overlay's "
            "`images:` if you run them"
        )
    if version not in known:
        raise UnknownRelease(f"unknown Spinnaker release {version!r}; the catalog knows {_describe_known()}")
    return version


@cache
def release(version: str) -> Release:
    """The release `version` (check_version first: raises UnknownRelease)."""
    check_version(version)
    text = resources.files("spinops.spinnaker").joinpath("releases", f"{version}.yml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    services = data["services"]
    return Release(
        version=data["version"],
        image_tag=data["image"]["tag"],
        services={svc: s["version"] for svc, s in services.items()},
        defaults={svc: s["defaults"] for svc, s in services.items() if isinstance(s.get("defaults"), dict)},
    )
