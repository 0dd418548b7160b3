"""`spinops catalog add|list` through the real CLI, against recorded responses served over real HTTP (never the
network): spinnaker.io's 1.29.0 changelog and each service's config file at its tag (recorded/upstream.txt)."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from recorded_upstream import serve

from spinops.spinnaker.catalog import REGISTRY, Catalog
from spinops_testlib import REFERENCE, run_spinops

ECHO_1_29_0 = "spinnaker/echo/v2.36.0/echo-web/config/echo.yml"
CHANGELOG_1_29_0 = "spinnaker/spinnaker.io/HEAD/content/en/changelogs/1.29.0-changelog.md"


@pytest.fixture
def repo(tmp_path):
    shutil.copytree(REFERENCE, tmp_path / "repo")
    return tmp_path / "repo"


def add(repo, upstream_url, version="1.29.0"):
    return run_spinops("catalog", "add", version, "--repo", str(repo), "--source-url", upstream_url)


def test_add_writes_the_release_to_the_teams_directory(repo, upstream):
    r = add(repo, upstream.url)
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith(
        "added: halconfig/releases/1.29.0.yml: Spinnaker 1.29.0 (clouddriver 5.78.0, deck 3.12.0")
    data = yaml.safe_load((repo / "halconfig" / "releases" / "1.29.0.yml").read_text(encoding="utf-8"))
    assert data["image"] == {"registry": REGISTRY, "tag": "spinnaker-1.29.0"}
    echo = data["services"]["echo"]
    assert echo["version"] == "2.36.0" and echo["tag"] == "v2.36.0" and echo["repo"] == "spinnaker/echo"
    assert echo["defaults"] == {
        "file": "echo-web/config/echo.yml",
        "properties": {"server.port": 8089, "igor.enabled": "${services.igor.enabled:false}",
                       "redis.connection": "${services.redis.baseUrl:redis://localhost:6379}",
                       "redis.enabled": "${services.redis.enabled:false}"},
        "profiles": {"scheduler": {"scheduler.enabled": True}, "worker": {"scheduler.enabled": False}},
    }
    assert data["services"]["igor"]["defaults"]["properties"] == {"netflix.appinfo.name": "igor"}
    assert "defaults" not in data["services"]["deck"]
    rel = Catalog.for_repo(repo).release("1.29.0")
    assert rel.image("echo") == f"{REGISTRY}/echo:spinnaker-1.29.0" and rel.defaults["rosco"]["properties"] == {
        "server.port": 8087}


def test_adding_again_is_byte_identical(repo, upstream):
    assert add(repo, upstream.url).returncode == 0
    first = (repo / "halconfig" / "releases" / "1.29.0.yml").read_bytes()
    r = add(repo, upstream.url)
    assert r.returncode == 0 and r.stderr.startswith("unchanged: ")
    assert (repo / "halconfig" / "releases" / "1.29.0.yml").read_bytes() == first


def test_build_follows_a_teams_release(repo, upstream):
    assert add(repo, upstream.url).returncode == 0
    hal = repo / "halconfig" / "halconfig.yml"
    hal.write_text(hal.read_text(encoding="utf-8").replace("version: 1.36.1", "version: 1.29.0"), encoding="utf-8")
    r = run_spinops("build", "--env", "staging", "--repo", str(repo))
    assert r.returncode == 0, r.stderr
    layer = yaml.safe_load((repo / "build" / "staging" / "kustomization.yml").read_text(encoding="utf-8"))
    assert {"name": f"{REGISTRY}/echo", "newTag": "spinnaker-1.29.0"} in layer["images"]


def _nothing_written(repo):
    return not (repo / "halconfig" / "releases").exists()


def test_a_missing_tag_is_an_error_and_nothing_is_written(repo, upstream):
    (upstream.root / ECHO_1_29_0).unlink()  # the response is a 404
    r = add(repo, upstream.url)
    assert r.returncode == 2
    assert f"{upstream.url}/{ECHO_1_29_0}: error: spinnaker/echo has no tag v2.36.0 (or no echo-web/config/echo.yml " \
           "at it)" in r.stderr
    assert "Traceback" not in r.stderr and _nothing_written(repo)


def test_a_malformed_changelog_is_an_error_at_its_line_and_nothing_is_written(repo, upstream):
    changelog = upstream.root / CHANGELOG_1_29_0
    changelog.write_text(changelog.read_text(encoding="utf-8").replace("version: 1.29.0", "version: 1.29.9"),
                         encoding="utf-8")
    r = add(repo, upstream.url)
    assert r.returncode == 2
    assert f"{upstream.url}/{CHANGELOG_1_29_0}:3: error: the changelog's front matter says version '1.29.9', " \
           "expected '1.29.0'" in r.stderr
    assert _nothing_written(repo)


def test_a_failed_add_keeps_the_teams_earlier_file(repo, upstream):
    assert add(repo, upstream.url).returncode == 0
    before = (repo / "halconfig" / "releases" / "1.29.0.yml").read_bytes()
    (upstream.root / ECHO_1_29_0).write_text("server: [\n", encoding="utf-8")  # malformed config file
    r = add(repo, upstream.url)
    assert r.returncode == 2 and f"{upstream.url}/{ECHO_1_29_0}:2: error: not YAML" in r.stderr
    assert (repo / "halconfig" / "releases" / "1.29.0.yml").read_bytes() == before
    assert [p.name for p in (repo / "halconfig" / "releases").iterdir()] == ["1.29.0.yml"]  # no temporary left


def test_an_unpublished_version_is_an_error(repo, upstream):
    # spinnaker/spinnaker has tags echo-2025.3.4 ..., but spinnaker.io has no 2025.3.4 changelog: not released
    r = add(repo, upstream.url, "2025.3.4")
    assert r.returncode == 2
    assert "error: Spinnaker 2025.3.4 is not a published release: spinnaker.io has no changelog for it" in r.stderr
    assert "https://spinnaker.io/docs/releases/versions/" in r.stderr and _nothing_written(repo)


@pytest.mark.parametrize(("version", "says"), [
    ("latest", "'latest' is not a Spinnaker release version"),
    ("2026.2", "'2026.2' is not a Spinnaker release version"),
])
def test_a_bad_version_is_a_usage_error(repo, upstream, version, says):
    r = add(repo, upstream.url, version)
    assert r.returncode == 2 and says in r.stderr and _nothing_written(repo)


def test_a_release_spinops_knows_is_not_added(repo, upstream):
    r = add(repo, upstream.url, "2026.2.3")
    assert r.returncode == 0 and "already in spinops' catalog" in r.stderr and _nothing_written(repo)


def test_github_unreachable_or_failing_is_an_error_not_an_unknown_release(repo, upstream, tmp_path):
    r = add(repo, upstream.url + "/broken")  # every response a 500
    assert r.returncode == 2 and "HTTP 500" in r.stderr and "not a published release" not in r.stderr
    with serve(tmp_path) as url:
        pass  # the server is stopped: its port refuses connections
    r = add(repo, url)
    assert r.returncode == 2 and "could not be fetched" in r.stderr and "GitHub runner" in r.stderr
    assert _nothing_written(repo)


def test_not_a_checkout(tmp_path, upstream):
    r = add(tmp_path, upstream.url)
    assert r.returncode == 2 and "is not a spinops checkout" in r.stderr


def test_list_is_newest_first_with_the_teams_releases(repo, upstream):
    assert add(repo, upstream.url).returncode == 0
    r = run_spinops("catalog", "list", "--format", "json", "--repo", str(repo))
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["releases"]
    assert rows[0]["version"] == "2026.2.3" and rows[0]["supported"] and rows[0]["origin"] == "spinops"
    assert rows[0]["image"] == "ghcr.io/spinnaker/<service>:2026.2.3"
    assert rows[-1] == {"version": "1.29.0", "line": "1.29", "origin": "team", "supported": False,
                        "image": f"{REGISTRY}/<service>:spinnaker-1.29.0",
                        "defaults": ["clouddriver", "echo", "fiat", "front50", "gate", "igor", "kayenta", "orca",
                                     "rosco"]}
    assert [row["version"] for row in rows if row["supported"]][-1] == "2026.0.0"
    text = run_spinops("catalog", "list", "--repo", str(repo)).stdout.splitlines()
    assert text[0].split() == ["VERSION", "FROM", "SUPPORTED", "IMAGE"]
    assert text[1].split() == ["2026.2.3", "spinops", "yes", "ghcr.io/spinnaker/<service>:2026.2.3"]
    assert text[-1].split() == ["1.29.0", "team", f"{REGISTRY}/<service>:spinnaker-1.29.0"]
