"""Maintainers' tool: write one release file of the catalog (spinops/spinnaker/releases/<version>.yml).

    python -m spinops.spinnaker.gather 1.36.1 --site SPINNAKER_IO_GIT --repos DIR [--out DIR] [--no-defaults]

SPINNAKER_IO_GIT is a clone of spinnaker/spinnaker.io; DIR holds clones of the service repositories
as DIR/<service> (or DIR/spinnaker+<service>/repo, the layout of the search tool's mirrors). Nothing
is guessed: the service versions are the ones the release's changelog and the changelogs before it
in the same minor line name (a patch changelog lists only the services that changed), and the default
properties are read from `<svc>-web/config/<svc>.yml` at the service's `v<version>` tag. A service
whose tag is not in the clone gets no defaults, and the file says so. `--no-defaults` records the
services and versions only (the catalog keeps defaults for the pinned minor line, to stay small).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import yaml

from spinops.spinnaker.catalog import REGISTRY, flatten

_HEADING = re.compile(r"^## \[(\w+)\]\(#\w+\) (\d+\.\d+\.\d+)\s*$", re.MULTILINE)
CHANGELOGS = "content/en/changelogs"


def _git(repo: Path, *args: str) -> str | None:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    return proc.stdout if proc.returncode == 0 else None


def _changelog(site: Path, version: str) -> str | None:
    return _git(site, "show", f"HEAD:{CHANGELOGS}/{version}-changelog.md")


def service_versions(site: Path, version: str) -> dict[str, tuple[str, str]]:
    """service -> (version, changelog that names it), accumulated over x.y.0 .. x.y.z."""
    major, minor, patch = (int(p) for p in version.split("."))
    out: dict[str, tuple[str, str]] = {}
    for p in range(patch + 1):
        v = f"{major}.{minor}.{p}"
        text = _changelog(site, v)
        if text is None:
            if v == version:
                raise SystemExit(f"no changelog for {version} in {site}/{CHANGELOGS}")
            continue
        for name, ver in _HEADING.findall(text):
            out[name.lower()] = (ver, f"{CHANGELOGS}/{v}-changelog.md")
    return out


def _clone(repos: Path, svc: str) -> Path:
    for candidate in (repos / svc, repos / f"spinnaker+{svc}" / "repo"):
        if candidate.exists():
            return candidate
    return repos / svc


def defaults(repos: Path, svc: str, version: str) -> dict | None:
    path = f"{svc}-web/config/{svc}.yml"
    text = _git(_clone(repos, svc), "show", f"v{version}:{path}")
    if text is None:
        return None
    base: dict = {}
    profiles: dict[str, dict] = {}
    for doc in yaml.safe_load_all(text):
        if not isinstance(doc, dict):
            continue
        flat = flatten(doc)
        on = flat.pop("spring.config.activate.on-profile", None) or flat.pop("spring.profiles", None)
        if on is None:
            base.update(flat)
        else:
            for profile in str(on).split(","):
                profiles.setdefault(profile.strip(), {}).update(flat)
    out = {"file": path, "properties": base}
    if profiles:
        out["profiles"] = profiles
    return out


def release(site: Path, repos: Path, version: str, *, with_defaults: bool = True) -> dict:
    services = {}
    for svc, (ver, changelog) in sorted(service_versions(site, version).items()):
        entry: dict = {"version": ver, "changelog": changelog}
        if svc != "deck" and with_defaults:  # Deck is not a Spring service: no properties
            found = defaults(repos, svc, ver)
            entry["defaults"] = found if found is not None else f"not recorded: tag v{ver} was not available"
        services[svc] = entry
    return {"version": version, "image": {"registry": REGISTRY, "tag": f"spinnaker-{version}"}, "services": services}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m spinops.spinnaker.gather", description=__doc__.split("\n\n")[0])
    ap.add_argument("version")
    ap.add_argument("--site", type=Path, required=True)
    ap.add_argument("--repos", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "releases")
    ap.add_argument("--no-defaults", action="store_true")
    args = ap.parse_args(argv)
    data = release(args.site, args.repos, args.version, with_defaults=not args.no_defaults)
    header = (
        f"# Spinnaker {args.version}: facts gathered by `python -m spinops.spinnaker.gather` from "
        "spinnaker/spinnaker.io's\n"
        "# changelogs and each service's <svc>-web/config/<svc>.yml at its v<version> tag (spinops' own format).\n"
    )
    (args.out / f"{args.version}.yml").write_text(
        header + yaml.safe_dump(data, sort_keys=True, width=200), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
