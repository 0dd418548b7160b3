"""The release facts parser (spinops.spinnaker.gather) and its git source: recorded changelog text, real git repos."""

from __future__ import annotations

import subprocess

import pytest
import yaml
from recorded_upstream import recorded_files

from spinops.errors import InputError
from spinops.spinnaker import gather
from spinops.spinnaker.catalog import Catalog
from spinops.spinnaker.gather import parse_bom_services, parse_changelog, parse_defaults, parse_registry
from spinops.spinnaker.upstream import GitSource, HttpSource, SourceError

RECORDED = recorded_files()
CHANGELOG_1_36_2 = RECORDED[("spinnaker/spinnaker.io", "HEAD", "content/en/changelogs/1.36.2-changelog.md")]
BOM_2026_2_3 = RECORDED[("spinnaker/spinnaker", "spinnaker-release-2026.2.3", gather.BOM_SERVICES)]


def problem(e: pytest.ExceptionInfo) -> str:
    p = e.value.problems[0]
    return f"{p.file}:{p.line}: {p.message}"


def test_a_changelog_names_its_services_with_their_lines():
    found = parse_changelog(CHANGELOG_1_36_2, "1.36.2", "1.36.2-changelog.md")
    assert found["echo"] == ("2.43.3", 7) and found["clouddriver"] == ("5.90.2", 5) and len(found) == 10


def test_a_changelog_heading_of_something_else_is_not_a_service():
    text = "---\nversion: 1.36.9\n---\n## [Halyard](#halyard) 1.2.3\n## [Echo](#echo) 2.43.9\n"
    assert parse_changelog(text, "1.36.9", "x") == {"echo": ("2.43.9", 5)}


def test_a_calendar_changelog_names_no_service():
    text = RECORDED[("spinnaker/spinnaker.io", "HEAD", "content/en/changelogs/2026.2.3-changelog.md")]
    assert parse_changelog(text, "2026.2.3", "x") == {}


@pytest.mark.parametrize(("text", "says"), [
    ("## [Echo](#echo) 2.43.3\n", "x:1: not a release changelog: no front matter"),
    ("---\nversion: 1.36.2\n", "x:1: not a release changelog: no front matter"),
    ("---\ntitle: a\nversion: 1.36.9\n---\n",
     "x:3: the changelog's front matter says version '1.36.9', expected '1.36.2'"),
    ("---\nversion: [1.36.2\n---\n", "x:2: front matter is not YAML"),
])
def test_a_malformed_changelog_is_an_error_at_its_line(text, says):
    with pytest.raises(InputError) as e:
        parse_changelog(text, "1.36.2", "x")
    assert problem(e).startswith(says)


def test_the_bom_lists_spinnaker_services_not_the_monitoring_daemons():
    assert parse_bom_services(BOM_2026_2_3, "x") == ["clouddriver", "deck", "echo", "fiat", "front50", "gate", "igor",
                                                     "kayenta", "orca", "rosco"]
    with pytest.raises(InputError, match="lists no Spinnaker service"):
        parse_bom_services("export const services = [];\n", "x")


def test_the_registry_is_the_release_actions_default():
    action = "inputs:\n  as-docker-registry:\n    default: ghcr.io/spinnaker/\n"
    assert parse_registry(action, "x") == "ghcr.io/spinnaker"
    with pytest.raises(InputError, match="no default for the `as-docker-registry` input"):
        parse_registry("inputs:\n  as-docker-registry:\n    required: true\n", "x")


def test_config_file_documents_activated_by_a_profile_are_kept_apart():
    text = ("server:\n  port: 8089\nigor:\n  enabled: ${services.igor.enabled:false}\n---\nspring:\n  profiles: a, b\n"
            "x: 1\n---\nspring.config.activate.on-profile: b\ny: [2, 3]\n")
    assert parse_defaults(text, "echo-web/config/echo.yml", "x") == {
        "file": "echo-web/config/echo.yml",
        "properties": {"server.port": 8089, "igor.enabled": "${services.igor.enabled:false}"},
        "profiles": {"a": {"x": 1}, "b": {"x": 1, "y[0]": 2, "y[1]": 3}},
    }
    with pytest.raises(InputError) as e:
        parse_defaults("a: 1\nb: [\n", "f", "where")
    assert problem(e).startswith("where:3: not YAML")


# ------------------------------------------------------------------------------------------------
# the git source: real repositories with the recorded files (and config files made of the catalog's own facts)


def _config_text(defaults: dict) -> str:
    """A config file holding exactly `defaults`' facts (dotted keys are valid YAML, and flatten keeps them)."""
    docs = [defaults["properties"]]
    profiles = defaults.get("profiles", {})
    docs += [{"spring.config.activate.on-profile": name, **props} for name, props in profiles.items()]
    return yaml.safe_dump_all(docs, sort_keys=True)


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _commit_and_tag(repo, files: dict[str, str], tags: list[str]):
    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        _git(repo, "init", "-q")
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text, encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "recorded")
    for tag in tags:
        _git(repo, "tag", tag)


def _repos(tmp_path, version: str):
    """A spinnaker.io clone with the recorded changelogs, and the monorepo (mirror layout) at `version`'s tags."""
    site, repos = tmp_path / "spinnaker.io", tmp_path / "mirrors"
    _commit_and_tag(site, {p: t for (r, _, p), t in RECORDED.items() if r == "spinnaker/spinnaker.io"}, [])
    files = {p: t for (r, ref, p), t in RECORDED.items() if r == "spinnaker/spinnaker" and ref.endswith(version)}
    rel = Catalog.package().release(version)
    files |= {d["file"]: _config_text(d) for d in rel.defaults.values()}
    _commit_and_tag(repos / "spinnaker+spinnaker" / "repo", files,
                    [f"spinnaker-release-{version}", *(f"{svc}-{version}" for svc in rel.services)])
    return site, repos


def test_gather_writes_a_calendar_release_from_git_clones(tmp_path):
    site, repos = _repos(tmp_path, "2026.2.3")
    out = tmp_path / "out"
    out.mkdir()
    assert gather.main(["2026.2.3", "--site", str(site), "--repos", str(repos), "--out", str(out)]) == 0
    package = Catalog.package().files["2026.2.3"].read_text(encoding="utf-8")
    assert (out / "2026.2.3.yml").read_text(encoding="utf-8") == package  # byte-identical: deterministic


def test_gather_records_that_a_services_tag_was_not_available(tmp_path):
    site, repos = _repos(tmp_path, "2026.2.3")
    _git(repos / "spinnaker+spinnaker" / "repo", "tag", "-d", "echo-2026.2.3")
    data = gather.release_data(GitSource(site, repos), "2026.2.3")
    assert data["services"]["echo"]["defaults"] == (
        "not recorded: tag echo-2026.2.3 of spinnaker/spinnaker was not available")
    with pytest.raises(InputError) as e:
        gather.release_data(GitSource(site, repos), "2026.2.3", strict=True)
    assert "spinnaker/spinnaker has no tag echo-2026.2.3 (or no echo/echo-web/config/echo.yml at it)" in problem(e)


def test_gather_reads_the_bom_at_a_services_tag_when_the_release_tag_is_missing(tmp_path):
    # spinnaker/spinnaker has no tag spinnaker-release-2026.0.0; the recorded BoM is the one at clouddriver-2026.0.0
    site, repos = _repos(tmp_path, "2026.0.0")
    _git(repos / "spinnaker+spinnaker" / "repo", "tag", "-d", "spinnaker-release-2026.0.0")
    data = gather.release_data(GitSource(site, repos), "2026.0.0")
    assert data["bom"]["ref"] == "clouddriver-2026.0.0"
    assert data["image"] == {"registry": "us-docker.pkg.dev/spinnaker-community/docker", "tag": "2026.0.0"}


def test_gather_cli_says_what_is_wrong_without_a_traceback(tmp_path, capsys):
    site, repos = _repos(tmp_path, "2026.2.3")
    assert gather.main(["2026.9.0", "--site", str(site), "--repos", str(repos), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Spinnaker 2026.9.0 is not a published release: spinnaker.io has no changelog for it" in err
    assert not list(tmp_path.glob("*.yml"))


def test_an_http_source_is_only_http():
    with pytest.raises(SourceError, match="not an http"):
        HttpSource("file:///etc")
