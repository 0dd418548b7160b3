"""`spinops catalog list|add`: the Spinnaker releases spinops knows, and adding a newer one from its public sources."""

from __future__ import annotations

from spinops.cliopts import add_report_options, write_report

HELP = "list the Spinnaker releases spinops knows, or add a published one to the team's catalog"
DESCRIPTION = (
    "`catalog list`: every release of the catalog, newest first: spinops' own and the team's "
    "(halconfig/releases/). `catalog add VERSION`: read a published release from its public sources over HTTPS "
    "(spinnaker.io's changelog; the services' versions, image registry and default properties at their release "
    "tags, from raw.githubusercontent.com) and write halconfig/releases/VERSION.yml, so that the halconfig's "
    "`version:` can choose it before spinops itself knows it. See docs/catalog.md."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {
    0: "listed; added (or already known)",
    1: "an internal error",
    2: "bad input or usage: not a published release, a source file missing or malformed, GitHub unreachable",
}


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True, help="list or add")
    ls = sub.add_parser("list", help="the known releases, newest first", description="The known releases, newest "
                        "first, with where each comes from (spinops or the team) and whether its minor line is one "
                        "of the newest three (the lines spinnaker.io supports).")
    ls.add_argument("--repo", default=".", help="repository root, for halconfig/releases/ (default: .)")
    add_report_options(ls, ("text", "json"))
    add = sub.add_parser("add", help="add a published release to halconfig/releases/",
                         description="Fetch a published release's facts over HTTPS and write "
                         "halconfig/releases/VERSION.yml atomically (nothing is written on any error).")
    add.add_argument("version", metavar="VERSION", help="the release, e.g. 2026.3.0")
    add.add_argument("--repo", default=".", help="repository root (default: .)")
    add.add_argument("--source-url", default=None, metavar="URL",
                     help="serve the sources from URL instead of https://raw.githubusercontent.com (same layout: "
                     "URL/<owner>/<repo>/<ref>/<path>; a mirror, or recorded responses in tests)")


def run(args) -> int:
    if args.action == "list":
        return _list(args)
    return _add(args)


def _list(args) -> int:
    import json

    from spinops.spinnaker.catalog import Catalog, line_of

    catalog = Catalog.for_repo(args.repo)
    supported = set(catalog.supported())
    rows = []
    for version in reversed(catalog.versions):
        rel = catalog.release(version)
        rows.append({"version": version, "line": line_of(version), "origin": "team" if catalog.is_team(version)
                     else "spinops", "supported": version in supported, "image": f"{rel.registry}/<service>:"
                     f"{rel.image_tag}", "defaults": sorted(rel.defaults)})
    if args.format == "json":
        write_report(json.dumps({"releases": rows}, indent=2, sort_keys=True) + "\n", args.output)
        return 0
    lines = [f"{'VERSION':<10}  {'FROM':<7}  {'SUPPORTED':<9}  IMAGE"]
    lines += [f"{r['version']:<10}  {r['origin']:<7}  {'yes' if r['supported'] else '':<9}  {r['image']}"
              for r in rows]
    write_report("\n".join(lines) + "\n", args.output)
    return 0


def _add(args) -> int:
    import sys

    from spinops.atomic import write_file
    from spinops.errors import InputError, Problem
    from spinops.layout import Repo
    from spinops.spinnaker.catalog import Catalog, is_version
    from spinops.spinnaker.gather import release_data, render
    from spinops.spinnaker.upstream import RAW_GITHUB, HttpSource, SourceError

    repo = Repo(args.repo)
    version = args.version
    if not is_version(version):
        raise InputError(Problem(f"{version!r} is not a Spinnaker release version (1.<minor>.<patch> or "
                                 "<year>.<n>.<patch>, e.g. 2026.2.3)", code="bad-version"))
    if not repo.halconfig.is_dir():
        raise InputError(Problem(f"{repo.halconfig} does not exist: --repo is not a spinops checkout",
                                 file=str(repo.halconfig), code="no-such-file"))
    catalog = Catalog.for_repo(repo.root)
    if version in catalog.files and not catalog.is_team(version):
        print(f"Spinnaker {version} is already in spinops' catalog: nothing to add", file=sys.stderr)
        return 0
    try:
        source = HttpSource(args.source_url or RAW_GITHUB)
        data = release_data(source, version, strict=True)
    except SourceError as e:
        raise InputError(Problem(str(e), code="source-unreachable",
                                 hint="run it where GitHub can be reached (e.g. a GitHub runner)")) from None
    dest = repo.releases / f"{version}.yml"
    text = render(data)
    old = dest.read_text(encoding="utf-8") if dest.is_file() else None
    if old != text:
        write_file(dest, text)
    services = ", ".join(f"{svc} {s['version']}" for svc, s in data["services"].items())
    verb = "unchanged" if old == text else "updated" if old is not None else "added"
    print(f"{verb}: {dest.relative_to(repo.root) if dest.is_relative_to(repo.root) else dest}: Spinnaker "
          f"{version} ({services}); images {data['image']['registry']}/<service>:{data['image']['tag']}",
          file=sys.stderr)
    return 0
