"""The release catalog (spinops.spinnaker.catalog): known releases, their services, images and defaults."""

from __future__ import annotations

import pytest
import yaml
from recorded_upstream import recorded_files

from spinops.spinnaker.catalog import (
    REGISTRY,
    Catalog,
    UnknownRelease,
    check_version,
    image_tag_of,
    known_versions,
    line_of,
    release,
    release_of_tag,
    version_key,
)
from spinops.spinnaker.gather import NOT_SPRING, release_data
from spinops.spinnaker.upstream import HttpSource

# spinnaker/spinnaker.io content/en/changelogs/1.36.1-changelog.md: every service's heading
RELEASE_1_36_1 = {"clouddriver": "5.90.1", "deck": "3.19.1", "echo": "2.43.1", "fiat": "1.51.1", "front50": "2.37.1",
                  "gate": "6.64.1", "igor": "4.18.1", "kayenta": "2.42.1", "orca": "8.57.1", "rosco": "1.22.1"}
PACKAGE = Catalog.package()
# every changelog spinnaker.io has, as recorded (recorded/upstream.txt)
CHANGELOGS = sorted(
    (path.rsplit("/", 1)[1][: -len("-changelog.md")] for repo, _, path in recorded_files() if repo.endswith(".io")),
    key=version_key,
)
NEWEST_THREE = [v for v in CHANGELOGS if line_of(v) in ("2026.0", "2026.1", "2026.2")]
# service tags the newest snapshots of spinnaker/<svc> (2025-04/05) do not hold: the 1.36.2 and 1.36.3 services were
# built after the move to the monorepo, and their repositories' tags v2.43.3, v2.37.2, v8.57.2, v5.90.5 (nor the
# autobump commits the changelogs list) are not in them, so their defaults are not recorded
UNRECORDED_1_36 = {"1.36.2": {"echo", "front50", "orca"}, "1.36.3": {"clouddriver", "echo", "front50", "orca"}}


def test_known_releases_are_every_published_patch_release_of_1_30_to_2026_2():
    versions = known_versions()
    assert {line_of(v) for v in versions} == {f"1.{m}" for m in range(30, 39)} | {
        f"2025.{n}" for n in range(5)} | {"2026.0", "2026.1", "2026.2"}
    assert [v for v in CHANGELOGS if v != "1.29.0"] == list(versions)  # every recorded changelog, none else
    assert versions == tuple(sorted(versions, key=lambda v: tuple(map(int, v.split(".")))))


def test_calendar_versions_sort_after_1_x():
    assert version_key("2025.0.0") > version_key("1.38.0") > version_key("1.9.0")
    assert known_versions().index("2025.0.0") == known_versions().index("1.38.0") + 1
    assert PACKAGE.newest == "2026.2.3"


def test_supported_releases_are_the_newest_three_minor_lines():
    # spinnaker.io layouts/shortcodes/latest-stable.html: the newest three major_minor groups
    assert list(PACKAGE.supported()) == NEWEST_THREE
    assert len(NEWEST_THREE) == 12 and NEWEST_THREE[0] == "2026.0.0" and NEWEST_THREE[-1] == "2026.2.3"


@pytest.mark.parametrize("version", NEWEST_THREE)
def test_newest_three_lines_record_every_spring_services_defaults(version):
    r = release(version)
    assert set(r.services) == set(RELEASE_1_36_1) and set(r.services.values()) == {version}
    assert set(r.defaults) == set(r.services) - NOT_SPRING
    for svc, d in r.defaults.items():
        assert d["file"] == f"{svc}/{svc}-web/config/{svc}.yml" and d["properties"], svc


@pytest.mark.parametrize("version", ["1.36.0", "1.36.1", "1.36.2", "1.36.3"])
def test_the_reference_line_records_defaults_for_every_tag_upstream_has(version):
    r = release(version)
    missing = UNRECORDED_1_36.get(version, set())
    assert set(r.defaults) == set(r.services) - NOT_SPRING - missing


def test_release_1_36_1_is_what_its_changelog_says():
    r = release("1.36.1")
    assert r.services == RELEASE_1_36_1 and "keel" not in r.services
    assert r.image("echo") == f"{REGISTRY}/echo:spinnaker-1.36.1"
    assert r.images_entry("echo") == {"newTag": "spinnaker-1.36.1"}
    assert r.image("keel") is None  # no release image: an installation that runs keel pins it


def test_calendar_images_are_the_version_itself_and_move_to_ghcr_in_2026_1():
    # spinnaker.io docs/setup/install/deploy.md (tags); spinnaker/spinnaker .github/actions/spinnaker-release/
    # action.yml as-docker-registry at spinnaker-release-2026.0.4 and -2026.1.0
    assert release("2026.0.4").image("echo") == f"{REGISTRY}/echo:2026.0.4"
    assert release("2026.0.4").images_entry("echo") == {"newTag": "2026.0.4"}
    assert release("2026.1.0").image("echo") == "ghcr.io/spinnaker/echo:2026.1.0"
    assert release("2026.1.0").images_entry("echo") == {"newName": "ghcr.io/spinnaker/echo", "newTag": "2026.1.0"}
    assert "keel" not in release("2026.2.3").services  # the BoM lists no keel (src/bom/services/all.ts)


@pytest.mark.parametrize(("tag", "version"), [
    ("spinnaker-1.36.1", "1.36.1"), ("2026.2.3", "2026.2.3"), ("spinnaker-2026.2.3", None), ("1.36.1", None),
    ("2026.2.3-slim", None), (None, None), ("latest", None),
])
def test_release_of_tag(tag, version):
    assert release_of_tag(tag) == version
    if version:
        assert image_tag_of(version) == tag


def test_a_patch_release_inherits_the_services_its_changelog_does_not_name():
    # 1.36.3's changelog names only Clouddriver 5.90.5; the others come from 1.36.2
    r = release("1.36.3")
    assert r.services["clouddriver"] == "5.90.5" and r.services["echo"] == "2.43.3" and r.services["gate"] == "6.64.2"


def test_defaults_are_the_services_own_config_files():
    echo = release("1.36.1").defaults["echo"]
    assert echo["file"] == "echo-web/config/echo.yml"
    assert echo["properties"]["igor.enabled"] == "${services.igor.enabled:false}"  # echo.yml:19 at v2.43.1
    assert echo["profiles"]["scheduler"] == {"scheduler.enabled": True}  # the `scheduler` document
    assert release("1.35.5").defaults == {} and release("2025.4.4").defaults == {}  # other lines: versions only
    # spinnaker/spinnaker echo/echo-web/config/echo.yml at echo-2026.2.3
    assert release("2026.2.3").defaults["echo"]["properties"]["server.port"] == 8089


@pytest.mark.parametrize("version", known_versions())
def test_each_release_file_is_what_the_recorded_sources_say(version, upstream):
    """The file's services, versions, tags and image, against the recorded changelogs (and, for calendar releases,
    the recorded BoM and registry), read through the real HTTPS client."""
    text = PACKAGE.files[version].read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for entry in data["services"].values():
        entry.pop("defaults", None)
    assert release_data(HttpSource(upstream.url), version, with_defaults=False) == data


@pytest.mark.parametrize(
    ("version", "says"),
    [
        ("1.99.0", "unknown Spinnaker release '1.99.0'; the catalog knows 1.30.{0,1,2,3,4,5,6}"),
        ("2026.9.0", "2026.2.{0,1,2,3}; a newer published release can be added with `spinops catalog add 2026.9.0`"),
        ("local:1.36.1", "Halyard's `local:` prefix"),
        ("2.27.3", "vendor (Armory CD 2.x)"),
        (None, "no Spinnaker release chosen"),
        ("", "no Spinnaker release chosen"),
    ],
)
def test_unknown_versions_say_what_to_do(version, says):
    with pytest.raises(UnknownRelease) as e:
        check_version(version)
    assert says in str(e.value)


def test_an_older_unknown_version_is_not_told_to_add_it():
    with pytest.raises(UnknownRelease) as e:
        check_version("1.29.0")
    assert "catalog add" not in str(e.value)


def test_known_version_passes():
    assert check_version("1.36.1") == "1.36.1" and check_version("2026.2.3") == "2026.2.3"


def test_a_teams_release_is_read_beside_the_packages(tmp_path):
    team = tmp_path / "halconfig" / "releases"
    team.mkdir(parents=True)
    (team / "1.29.0.yml").write_text(
        "version: 1.29.0\nimage: {registry: " + REGISTRY + ", tag: spinnaker-1.29.0}\n"
        "services: {echo: {version: 2.36.0}}\n", encoding="utf-8")
    (team / "1.36.1.yml").write_text("not: read\n", encoding="utf-8")  # the package's own wins
    (team / "notes.yml").write_text("not: a release\n", encoding="utf-8")
    catalog = Catalog.for_repo(tmp_path)
    assert catalog.versions[0] == "1.29.0" and catalog.is_team("1.29.0") and not catalog.is_team("1.36.1")
    assert catalog.release("1.29.0").image("echo") == f"{REGISTRY}/echo:spinnaker-1.29.0"
    assert catalog.release("1.36.1").services == RELEASE_1_36_1
    assert "1.29.0" not in Catalog.package().files


def test_a_broken_team_release_file_is_an_error_saying_what_to_do(tmp_path):
    team = tmp_path / "halconfig" / "releases"
    team.mkdir(parents=True)
    (team / "1.29.0.yml").write_text("version: 1.29.0\nservices: [\n", encoding="utf-8")
    with pytest.raises(UnknownRelease) as e:
        Catalog.for_repo(tmp_path).release("1.29.0")
    assert str(e.value).startswith(f"{team / '1.29.0.yml'} is not a release file as `spinops catalog add` writes it")
    assert str(e.value).endswith("write it again with `spinops catalog add 1.29.0`")
    (team / "1.29.0.yml").write_text("version: 1.29.0\n", encoding="utf-8")  # no services: KeyError
    with pytest.raises(UnknownRelease, match="KeyError"):
        Catalog.for_repo(tmp_path).release("1.29.0")
