"""A release's facts from Spinnaker's public sources, and the maintainers' tool that writes them to the catalog.

    python -m spinops.spinnaker.gather VERSION --site SPINNAKER_IO_GIT --repos DIR [--out DIR] [--no-defaults]

SPINNAKER_IO_GIT is a clone of spinnaker/spinnaker.io; DIR holds clones of the service repositories and
of the monorepo spinnaker/spinnaker as DIR/<name> (or DIR/spinnaker+<name>/repo, the layout of the
search tool's mirrors). `spinops catalog add` reads the same files over HTTPS (spinops.spinnaker.upstream);
both go through `release_data` here. Nothing is guessed:

- The release exists when spinnaker.io has its changelog, `content/en/changelogs/<version>-changelog.md`,
  whose front matter says `version: <version>`.
- 1.x releases: the services and their versions are the changelog headings `## [Echo](#echo) 2.43.1` of the
  release and of the changelogs before it in its minor line (a patch changelog names only the services that
  changed). Each service's defaults are `<svc>-web/config/<svc>.yml` in spinnaker/<svc> at tag `v<version>`;
  the images are `<REGISTRY>/<svc>:spinnaker-<version>` (spinnaker/kustomization-base README.md:199-201).
- Calendar releases (2025.0.0 on, built from the monorepo spinnaker/spinnaker; their changelogs name no
  services): the services are those of the release's Bill of Materials, the `new <Service>()` entries of
  `.github/actions/spinnaker-release/src/bom/services/all.ts`, each at version <version> (the BoM takes a
  service's version from its tag `<svc>-<version>`, `src/git/git.ts` findServiceTag); the registry is the
  BoM's `dockerRegistry`, the default of the `as-docker-registry` input of `.github/actions/spinnaker-release/
  action.yml` (us-docker.pkg.dev/spinnaker-community/docker until 2026.0.x, ghcr.io/spinnaker from 2026.1.0),
  both read at tag `spinnaker-release-<version>` (the release workflow's own tag, spinnaker-release.yml
  write-build-tag), or at `clouddriver-<version>` where that tag is missing (2025.3.3, 2026.0.0). Each
  service's defaults are `<svc>/<svc>-web/config/<svc>.yml` at its tag `<svc>-<version>`; the image tag is
  the version itself (spinnaker.io content/en/docs/setup/install/deploy.md).

A service whose tag is not in the source gets no defaults and its entry says so (`strict`: an error
instead, what `catalog add` wants). `--no-defaults` records the services and versions only (the package
keeps defaults for the reference installation's line, 1.36, and the newest three lines, to stay small).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from spinops import atomic
from spinops.errors import InputError, Problem, format_problems
from spinops.spinnaker.catalog import REGISTRY, flatten, image_tag_of, is_calendar, is_version
from spinops.spinnaker.services import SERVICES
from spinops.spinnaker.upstream import GitSource, SourceError

SITE = "spinnaker/spinnaker.io"
MONOREPO = "spinnaker/spinnaker"
CHANGELOGS = "content/en/changelogs"
BOM_SERVICES = ".github/actions/spinnaker-release/src/bom/services/all.ts"
RELEASE_ACTION = ".github/actions/spinnaker-release/action.yml"
NOT_SPRING = frozenset({"deck"})  # Deck is a static web app: no Spring properties

_HEADING = re.compile(r"^## \[(\w+)\]\(#\w+\) (\d+\.\d+\.\d+)\s*$", re.MULTILINE)
_BOM_ENTRY = re.compile(r"\bnew (\w+)\(")


def changelog_path(version: str) -> str:
    return f"{CHANGELOGS}/{version}-changelog.md"


def _bad(where: str, message: str, *, line: int | None = None, code: str = "malformed-source") -> InputError:
    return InputError(Problem(message, file=where, line=line, code=code))


def parse_changelog(text: str, version: str, where: str) -> dict[str, tuple[str, int]]:
    """The services a changelog's headings name: service -> (version, line). Its front matter must say `version`."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in (s.strip() for s in lines[1:]):
        raise _bad(where, "not a release changelog: no front matter (a `---` block with `version:`) at the top",
                   line=1)
    end = next(i for i, s in enumerate(lines[1:], start=1) if s.strip() == "---")
    try:
        front = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise _bad(where, f"front matter is not YAML: {getattr(e, 'problem', e)}",
                   line=mark.line + 2 if mark else 2) from None
    said = front.get("version") if isinstance(front, dict) else None
    if str(said) != version:
        line = next((i + 1 for i, s in enumerate(lines[:end]) if s.startswith("version:")), 1)
        raise _bad(where, f"the changelog's front matter says version {said!r}, expected {version!r}", line=line)
    out: dict[str, tuple[str, int]] = {}
    for m in _HEADING.finditer(text):
        name = m.group(1).lower()
        if name in SERVICES:
            out[name] = (m.group(2), text.count("\n", 0, m.start()) + 1)
    return out


def parse_bom_services(text: str, where: str) -> list[str]:
    """The Spinnaker services a BoM lists (`new Echo()` -> echo); others (monitoring daemons) are not ours."""
    found = sorted({m.group(1).lower() for m in _BOM_ENTRY.finditer(text)} & set(SERVICES))
    if not found:
        raise _bad(where, "lists no Spinnaker service (no `new <Service>(` entry)")
    return found


def parse_registry(text: str, where: str) -> str:
    """The default of the release action's `as-docker-registry` input (the BoM's artifactSources.dockerRegistry)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise _bad(where, f"not YAML: {getattr(e, 'problem', e)}") from None
    entry = ((data or {}).get("inputs") or {}).get("as-docker-registry") if isinstance(data, dict) else None
    registry = entry.get("default") if isinstance(entry, dict) else None
    if not isinstance(registry, str) or not registry:
        raise _bad(where, "has no default for the `as-docker-registry` input")
    return registry.rstrip("/")


def parse_defaults(text: str, path: str, where: str) -> dict:
    """A service's config file as facts: {file, properties, profiles} (documents activated by a profile apart)."""
    base: dict = {}
    profiles: dict[str, dict] = {}
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise _bad(where, f"not YAML: {getattr(e, 'problem', e)}", line=mark.line + 1 if mark else None) from None
    for doc in docs:
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


def _changelog(source, version: str) -> str:
    """The release's changelog; UnknownRelease-like error when spinnaker.io has none."""
    text = source.read(SITE, "HEAD", changelog_path(version))
    if text is None:
        raise InputError(Problem(
            f"Spinnaker {version} is not a published release: spinnaker.io has no changelog for it "
            f"({source.where(SITE, 'HEAD', changelog_path(version))})",
            code="unknown-release",
            hint="published releases are listed on https://spinnaker.io/docs/releases/versions/",
        ))
    return text


def _semver_services(source, version: str) -> dict[str, dict]:
    """1.x: service -> {version, changelog, repo, tag}, accumulated over the changelogs x.y.0 .. x.y.z."""
    major, minor, patch = (int(p) for p in version.split("."))
    found: dict[str, tuple[str, str]] = {}
    for p in range(patch + 1):
        v = f"{major}.{minor}.{p}"
        text = _changelog(source, v) if v == version else source.read(SITE, "HEAD", changelog_path(v))
        if text is None:
            continue  # a patch number that was never released
        for name, (ver, _) in parse_changelog(text, v, source.where(SITE, "HEAD", changelog_path(v))).items():
            found[name] = (ver, changelog_path(v))
    if not found:
        raise _bad(source.where(SITE, "HEAD", changelog_path(version)),
                   f"no changelog of {major}.{minor}.0 .. {version} names a service (`## [Echo](#echo) x.y.z`)")
    return {svc: {"version": ver, "changelog": log, "repo": f"spinnaker/{svc}", "tag": f"v{ver}"}
            for svc, (ver, log) in sorted(found.items())}


def _calendar(source, version: str) -> tuple[dict, dict[str, dict], str]:
    """Calendar releases: (where the BoM facts were read, service -> {version, repo, tag}, registry)."""
    parse_changelog(_changelog(source, version), version, source.where(SITE, "HEAD", changelog_path(version)))
    refs = (f"spinnaker-release-{version}", f"clouddriver-{version}")
    for ref in refs:
        text = source.read(MONOREPO, ref, BOM_SERVICES)
        if text is not None:
            break
    else:
        raise _bad(source.where(MONOREPO, refs[0], BOM_SERVICES),
                   f"{MONOREPO} has neither tag {refs[0]} nor {refs[1]} (or no {BOM_SERVICES} at them)",
                   code="missing-tag")
    services = parse_bom_services(text, source.where(MONOREPO, ref, BOM_SERVICES))
    action = source.read(MONOREPO, ref, RELEASE_ACTION)
    if action is None:
        raise _bad(source.where(MONOREPO, ref, RELEASE_ACTION), f"no {RELEASE_ACTION} at {MONOREPO} {ref}",
                   code="missing-tag")
    registry = parse_registry(action, source.where(MONOREPO, ref, RELEASE_ACTION))
    bom = {"repo": MONOREPO, "ref": ref, "services": BOM_SERVICES, "registry": RELEASE_ACTION}
    return bom, {svc: {"version": version, "repo": MONOREPO, "tag": f"{svc}-{version}"} for svc in services}, registry


def config_path(svc: str, version: str) -> str:
    return f"{svc}/{svc}-web/config/{svc}.yml" if is_calendar(version) else f"{svc}-web/config/{svc}.yml"


def release_data(source, version: str, *, with_defaults: bool = True, strict: bool = False) -> dict:
    """The catalog file's data for `version`. InputError for an unpublished release or a malformed source file;
    SourceError when the source cannot be read. strict: a service's config file missing at its tag is an error."""
    if not is_version(version):
        raise InputError(Problem(f"{version!r} is not a Spinnaker release version (1.<minor>.<patch> or "
                                 "<year>.<n>.<patch>)", code="bad-version"))
    data: dict = {"version": version, "changelog": changelog_path(version)}
    if is_calendar(version):
        data["bom"], services, registry = _calendar(source, version)
    else:
        services, registry = _semver_services(source, version), REGISTRY
    data["image"] = {"registry": registry, "tag": image_tag_of(version)}
    if with_defaults:
        for svc, entry in services.items():
            if svc in NOT_SPRING:
                continue
            path = config_path(svc, entry["version"] if not is_calendar(version) else version)
            where = source.where(entry["repo"], entry["tag"], path)
            text = source.read(entry["repo"], entry["tag"], path)
            if text is None and strict:
                raise _bad(where, f"{entry['repo']} has no tag {entry['tag']} (or no {path} at it)",
                           code="missing-tag")
            entry["defaults"] = (parse_defaults(text, path, where) if text is not None
                                 else f"not recorded: tag {entry['tag']} of {entry['repo']} was not available")
    data["services"] = services
    return data


def render(data: dict) -> str:
    """The release file's text (deterministic: sorted keys)."""
    header = (
        f"# Spinnaker {data['version']}: facts gathered from spinnaker/spinnaker.io's changelogs and the services'\n"
        "# sources at their release tags (spinops.spinnaker.gather; spinops' own format, not copies of the files).\n"
    )
    return header + yaml.safe_dump(data, sort_keys=True, width=200)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m spinops.spinnaker.gather", description=__doc__.split("\n\n")[0])
    ap.add_argument("versions", nargs="+", metavar="VERSION")
    ap.add_argument("--site", type=Path, required=True)
    ap.add_argument("--repos", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "releases")
    ap.add_argument("--no-defaults", action="store_true")
    args = ap.parse_args(argv)
    source = GitSource(args.site, args.repos)
    try:
        written = {v: render(release_data(source, v, with_defaults=not args.no_defaults))
                   for v in args.versions}
    except InputError as e:
        print(format_problems(e.problems), file=sys.stderr)
        return 2
    except SourceError as e:
        print(f"gather: error: {e}", file=sys.stderr)
        return 2
    for version, text in written.items():
        atomic.write_file(args.out / f"{version}.yml", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
