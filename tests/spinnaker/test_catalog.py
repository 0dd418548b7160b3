"""The release catalog (spinops.spinnaker.catalog): known releases, their services, images and defaults."""

from __future__ import annotations

import pytest

from spinops.spinnaker.catalog import REGISTRY, UnknownRelease, check_version, known_versions, release

# spinnaker/spinnaker.io content/en/changelogs/1.36.1-changelog.md: every service's heading
RELEASE_1_36_1 = {"clouddriver": "5.90.1", "deck": "3.19.1", "echo": "2.43.1", "fiat": "1.51.1", "front50": "2.37.1",
                  "gate": "6.64.1", "igor": "4.18.1", "kayenta": "2.42.1", "orca": "8.57.1", "rosco": "1.22.1"}


def test_known_releases_are_every_patch_release_of_the_1_30_to_1_38_lines():
    versions = known_versions()
    lines = {v.rsplit(".", 1)[0] for v in versions}
    assert lines == {f"1.{m}" for m in range(30, 39)}
    assert {"1.36.0", "1.36.1", "1.36.2", "1.36.3", "1.37.11", "1.38.0"} <= set(versions)
    assert versions == tuple(sorted(versions, key=lambda v: tuple(map(int, v.split(".")))))


def test_release_1_36_1_is_what_its_changelog_says():
    r = release("1.36.1")
    assert r.services == RELEASE_1_36_1 and "keel" not in r.services
    assert r.image("echo") == f"{REGISTRY}/echo:spinnaker-1.36.1"
    assert r.image("keel") is None  # no release image: an installation that runs keel pins it


def test_a_patch_release_inherits_the_services_its_changelog_does_not_name():
    # 1.36.3's changelog names only Clouddriver 5.90.5; the others come from 1.36.2
    r = release("1.36.3")
    assert r.services["clouddriver"] == "5.90.5" and r.services["echo"] == "2.43.3" and r.services["gate"] == "6.64.2"


def test_defaults_are_the_services_own_config_files():
    echo = release("1.36.1").defaults["echo"]
    assert echo["file"] == "echo-web/config/echo.yml"
    assert echo["properties"]["igor.enabled"] == "${services.igor.enabled:false}"  # echo.yml:19 at v2.43.1
    assert echo["profiles"]["scheduler"] == {"scheduler.enabled": True}  # the `scheduler` document
    assert release("1.35.5").defaults == {}  # other lines: versions only


@pytest.mark.parametrize(
    ("version", "says"),
    [
        ("1.99.0", "unknown Spinnaker release '1.99.0'; the catalog knows 1.30.{0,1,2,3,4,5,6}"),
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


def test_known_version_passes():
    assert check_version("1.36.1") == "1.36.1"
