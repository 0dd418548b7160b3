"""Repository rules (`spinops check --env ENV`): what must hold for a team's own configuration, reported
with the file:line to fix. Run on copies of the frozen reference installation, changed the way a team
changes its repository (tests/fixtures/reference; never the live halconfig/ and kustomize/)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from spinops_testlib import REFERENCE, run_spinops

REPO_RULES = {"deploy-credentials", "release-matches-halconfig", "distinct-namespaces"}


@pytest.fixture
def repo(tmp_path) -> Path:
    shutil.copytree(REFERENCE, tmp_path / "repo")
    return tmp_path / "repo"


def check(repo: Path, env: str) -> tuple[int, list[dict]]:
    b = run_spinops("build", "--env", env, "--repo", str(repo))
    assert b.returncode == 0, b.stderr
    r = run_spinops("check", "--env", env, "--repo", str(repo), "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, [f for f in json.loads(r.stdout)["findings"] if f["rule"] in REPO_RULES]


def line_of(repo: Path, f: dict) -> str:
    return (repo / f["source"]["file"]).read_text().splitlines()[f["source"]["line"] - 1]


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count))


@pytest.mark.parametrize("env", ["staging", "production"])
def test_the_reference_installation_passes_every_repository_rule(repo, env):
    code, findings = check(repo, env)
    assert (code, findings) == (0, [])


def test_a_workflow_credential_the_deploy_job_does_not_pass_is_located_in_secrets_yml(repo):
    edit(repo / ".github/workflows/deploy.yml", "          SLACK_TOKEN: ${{ secrets.SLACK_TOKEN }}\n", "", count=2)
    code, findings = check(repo, "staging")
    assert code == 1
    [f] = findings
    assert (f["rule"], f["severity"], f["source"]["file"]) == ("deploy-credentials", "error", "halconfig/secrets.yml")
    assert "SLACK_TOKEN" in line_of(repo, f)
    assert "SLACK_TOKEN (Secret spinnaker-slack) is not passed" in f["message"]
    assert "GitHub environment secret SLACK_TOKEN to environment 'staging'" in f["hint"]


def test_a_github_prefixed_key_names_the_spinnaker_prefixed_github_secret(repo):
    edit(
        repo / ".github/workflows/deploy.yml",
        "          GITHUB_TOKEN: ${{ secrets.SPINNAKER_GITHUB_TOKEN }}\n",
        "",
        count=2,
    )
    _, findings = check(repo, "production")
    [f] = findings
    assert "SPINNAKER_GITHUB_TOKEN" in f["hint"] and "GITHUB_TOKEN" in line_of(repo, f)


def test_a_new_environment_without_a_deploy_job_is_reported(repo):
    shutil.copytree(repo / "kustomize/overlays/staging", repo / "kustomize/overlays/dev")
    edit(repo / "kustomize/overlays/dev/kustomization.yml", "namespace: spinnaker-staging", "namespace: spinnaker-dev")
    _, findings = check(repo, "dev")
    assert [(f["rule"], f["source"]["file"]) for f in findings] == [
        ("deploy-credentials", ".github/workflows/deploy.yml")
    ]
    assert "environment 'dev'" in findings[0]["message"]


def test_an_environment_sharing_a_namespace_is_reported_at_its_namespace_line(repo):
    shutil.copytree(repo / "kustomize/overlays/staging", repo / "kustomize/overlays/dev")
    _, findings = check(repo, "staging")
    [f] = findings
    assert f["rule"] == "distinct-namespaces"
    assert f["source"]["file"] == "kustomize/overlays/staging/kustomization.yml"
    assert line_of(repo, f).strip() == "namespace: spinnaker-staging"
    assert "'dev'" in f["message"]


SERVICES = ("clouddriver", "deck", "echo", "fiat", "front50", "gate", "igor", "kayenta", "keel", "orca", "rosco")


def pin_images(repo: Path, env: str, tag: str) -> None:
    """An overlay that pins every service image (the reference follows the halconfig's version instead)."""
    k = repo / f"kustomize/overlays/{env}/kustomization.yml"
    k.write_text(
        k.read_text()
        + "images:\n"
        + "".join(f"- name: us-docker.pkg.dev/spinnaker-community/docker/{s}\n  newTag: {tag}\n" for s in SERVICES)
    )


def test_a_release_bump_of_the_halconfig_alone_is_reported_at_each_image_tag(repo):
    pin_images(repo, "production", "spinnaker-1.36.1")
    edit(repo / "halconfig/halconfig.yml", "\nversion: 1.36.1\n", "\nversion: 1.36.3\n")
    _, findings = check(repo, "production")
    assert {f["rule"] for f in findings} == {"release-matches-halconfig"}
    assert len(findings) == 11  # one per Spinnaker service image of the overlay
    assert all(line_of(repo, f).strip() == "newTag: spinnaker-1.36.1" for f in findings)
    assert all("version: 1.36.3" in f["message"] for f in findings)


def test_a_complete_release_bump_passes(repo):
    edit(repo / "halconfig/halconfig.yml", "\nversion: 1.36.1\n", "\nversion: 1.36.3\n")
    pin_images(repo, "production", "spinnaker-1.36.3")
    assert check(repo, "production") == (0, [])


def test_repository_rules_can_be_disabled_and_are_listed_in_the_rule_table(repo):
    pin_images(repo, "staging", "spinnaker-1.36.1")
    edit(repo / "halconfig/halconfig.yml", "\nversion: 1.36.1\n", "\nversion: 1.36.3\n")
    assert run_spinops("build", "--env", "staging", "--repo", str(repo)).returncode == 0
    r = run_spinops(
        "check", "--env", "staging", "--repo", str(repo), "--format", "json", "--disable", "release-matches-halconfig"
    )
    assert r.returncode == 0, r.stdout
    r = run_spinops("check", "--env", "staging", "--repo", str(repo), "--format", "json")
    assert set(json.loads(r.stdout)["rules"]) >= REPO_RULES
