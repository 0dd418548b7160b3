"""Repository rules (`spinops check --env ENV`): what must hold for a team's own configuration, reported
with the file:line to fix. Run on copies of the frozen reference installation, changed the way a team
changes its repository (tests/fixtures/reference; never the live halconfig/ and kustomize/)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from spinops_testlib import REFERENCE, ROOT, run_spinops

REPO_RULES = {"deploy-credentials", "distinct-namespaces", "image-pins", "kubectl-skew", "workload-identity-ids"}


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
REGISTRY = "us-docker.pkg.dev/spinnaker-community/docker"


def pin_images(repo: Path, env: str, tag: str, services=SERVICES) -> None:
    """An overlay that pins service images (the reference follows the halconfig's version instead)."""
    k = repo / f"kustomize/overlays/{env}/kustomization.yml"
    k.write_text(k.read_text() + "images:\n" + "".join(f"- name: {REGISTRY}/{s}\n  newTag: {tag}\n" for s in services))


def run_keel(repo: Path) -> None:
    """Managed delivery on, with the database keel's own keel.yml needs (the runtime contract asks for it)."""
    edit(repo / "halconfig/halconfig.yml", "managedDelivery:\n  enabled: false", "managedDelivery:\n  enabled: true")
    (repo / "halconfig/profiles/keel-local.yml").write_text(
        "sql:\n  connectionPools:\n    default:\n      jdbcUrl: jdbc:mysql://db:3306/keel\n"
        "  migration:\n    jdbcUrl: jdbc:mysql://db:3306/keel\n"
    )


# ------------------------------------------------------------------ image-pins (issue 10: pins on purpose, reported)


def test_a_release_bump_of_the_halconfig_alone_reports_each_pin_at_its_line(repo):
    pin_images(repo, "production", "spinnaker-1.36.1")
    edit(repo / "halconfig/halconfig.yml", "\nversion: 1.36.1\n", "\nversion: 1.36.3\n")
    code, findings = check(repo, "production")
    assert code == 0  # pins on purpose are reported, not refused
    running = {"clouddriver", "deck", "echo", "fiat", "front50", "gate", "igor", "orca", "rosco"}
    pinned = {f["message"].split("'s image")[0].rsplit(" ", 1)[-1]: f for f in findings}
    assert set(pinned) == set(SERVICES) and {f["rule"] for f in findings} == {"image-pins"}
    for svc, f in pinned.items():
        assert line_of(repo, f).strip() == f"- name: {REGISTRY}/{svc}", f
        if svc in running:
            assert f["severity"] == "warning" and "release 1.36.3 would run" in f["message"], f
        else:  # kayenta and keel do not run for the reference halconfig
            assert f["severity"] == "warning" and "does not run" in f["message"], f


def test_pins_equal_to_the_release_are_not_reported(repo):
    edit(repo / "halconfig/halconfig.yml", "\nversion: 1.36.1\n", "\nversion: 1.36.3\n")
    pin_images(repo, "production", "spinnaker-1.36.3", services=("orca", "gate"))
    assert check(repo, "production") == (0, [])


def test_a_hotfix_pin_is_a_warning_and_builds(repo):
    pin_images(repo, "staging", "hotfix-7", services=("orca",))
    code, findings = check(repo, "staging")
    [f] = findings
    assert code == 0 and (f["rule"], f["severity"]) == ("image-pins", "warning")
    assert f"({REGISTRY}/orca:hotfix-7); release 1.36.1 would run {REGISTRY}/orca:spinnaker-1.36.1" in f["message"]
    assert line_of(repo, f).strip() == f"- name: {REGISTRY}/orca"


def test_a_keel_pin_is_info_when_keel_runs(repo):
    run_keel(repo)
    pin_images(repo, "staging", "0.1.0-20210331200022-slim", services=("keel",))
    code, findings = check(repo, "staging")
    [f] = findings
    assert (f["rule"], f["severity"]) == ("image-pins", "info") and "ships no keel image" in f["message"]


def test_an_image_set_by_an_overlay_patch_is_an_error_at_the_patch_line(repo):
    """The build's images: layer sits above the overlay, so a patch's tag is silently replaced (measured: the
    manifests run orca:spinnaker-1.36.1, not the patched hotfix tag)."""
    patch = repo / "kustomize/overlays/staging/resources.yml"
    patch.write_text(
        patch.read_text()
        + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orca\nspec:\n  template:\n    spec:\n"
        f"      containers:\n      - name: orca\n        image: {REGISTRY}/orca:hotfix-7\n"
    )
    code, findings = check(repo, "staging")
    built = (repo / "build/staging/manifests.yaml").read_text()
    assert f"{REGISTRY}/orca:spinnaker-1.36.1" in built and "hotfix-7" not in built
    [f] = findings
    assert code == 1 and (f["rule"], f["severity"]) == ("image-pins", "error")
    assert f["source"]["file"] == "kustomize/overlays/staging/resources.yml"
    assert line_of(repo, f).strip() == f"image: {REGISTRY}/orca:hotfix-7"


def test_build_no_longer_reports_pins_check_does(repo):
    pin_images(repo, "staging", "hotfix-7", services=("orca",))
    b = run_spinops("build", "--env", "staging", "--repo", str(repo), "--format", "json")
    assert b.returncode == 0, b.stderr
    assert "image-pinned" not in b.stdout + b.stderr


# ------------------------------------------------------------------ catalog-image-tags, traced to the overlay


@pytest.mark.parametrize(
    ("tag", "says"),
    [
        ("spinnaker-2.26.0", "Armory"),
        ("spinnaker-local:1.28.1", "`local:` prefix"),
        ("spinnaker-1.99.0", "unknown Spinnaker release '1.99.0'"),
    ],
)
def test_a_pin_to_a_tag_the_catalog_does_not_know_is_an_error_at_the_pin(repo, tag, says):
    pin_images(repo, "staging", tag, services=("gate",))
    b = run_spinops("build", "--env", "staging", "--repo", str(repo))
    assert b.returncode == 0, b.stderr
    r = run_spinops("check", "--env", "staging", "--repo", str(repo), "--format", "json")
    assert r.returncode == 1
    [f] = [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "catalog-image-tags"]
    assert f["severity"] == "error" and says in f["message"] and f["resource"]["name"] == "gate"
    assert f["source"]["file"] == "kustomize/overlays/staging/kustomization.yml"
    assert line_of(repo, f).strip() == f"newTag: {tag}"


def test_keel_tagged_with_a_release_that_ships_no_keel_is_an_error(repo):
    run_keel(repo)
    pin_images(repo, "staging", "spinnaker-1.36.1", services=("keel",))
    b = run_spinops("build", "--env", "staging", "--repo", str(repo))
    assert b.returncode == 0, b.stderr
    r = run_spinops("check", "--env", "staging", "--repo", str(repo), "--format", "json")
    [f] = [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "catalog-image-tags"]
    assert "Spinnaker 1.36.1 ships no keel image" in f["message"]
    assert line_of(repo, f).strip() == "newTag: spinnaker-1.36.1"


# ------------------------------------------------------------------ kubectl-skew (issue 13 item 4)


@pytest.mark.parametrize(("declared", "refused"), [("1.33", True), ("1.35", True), ("1.36", False), ("1.37", False)])
def test_a_kubernetes_minor_outside_kubectls_skew_is_refused_at_its_line(repo, declared, refused):
    settings = repo / "kustomize/overlays/production/spinops.yml"
    edit(settings, 'kubernetesVersion: "1.36"', f'kubernetesVersion: "{declared}"')
    code, findings = check(repo, "production")
    if not refused:
        assert (code, findings) == (0, [])
        return
    [f] = findings
    assert (code, f["rule"], f["severity"]) == (1, "kubectl-skew", "error")
    assert line_of(repo, f) == f'kubernetesVersion: "{declared}"'
    assert f"declares Kubernetes {declared}" in f["message"] and "1.36, 1.37, 1.38" in f["message"]


def test_the_reference_clusters_are_declared_within_kubectls_skew_and_the_validator_has_their_schemas():
    from spinops.check.validate_k8s import resolve_version
    from spinops.tools import PINNED_KUBECTL

    kubectl = tuple(int(x) for x in PINNED_KUBECTL.split(".")[:2])
    for env in ("staging", "production"):
        text = (REFERENCE / f"kustomize/overlays/{env}/spinops.yml").read_text()
        [declared] = [line.split('"')[1] for line in text.splitlines() if line.startswith("kubernetesVersion:")]
        minor = tuple(int(x) for x in declared.split("."))
        assert minor[0] == kubectl[0] and abs(minor[1] - kubectl[1]) <= 1, (env, declared)
        assert resolve_version(declared) == f"{declared}.0"  # kubernetes-validate bundles exactly that minor


# ------------------------------------------------------------------ workload-identity-ids (issue 13 item 3)

BY_NAME = (
    "gcloud iam workload-identity-pools providers create-oidc gh --location=global \\\n"
    "  --workload-identity-pool=github --issuer-uri=https://token.actions.githubusercontent.com \\\n"
    "  --attribute-mapping=google.subject=assertion.sub,attribute.repository=assertion.repository \\\n"
    "  --attribute-condition=\"assertion.repository == 'acme/spinnaker-config'\"\n"
    "gcloud iam service-accounts add-iam-policy-binding deploy@p.iam.gserviceaccount.com \\\n"
    "  --role=roles/iam.workloadIdentityUser \\\n"
    "  --member=\"principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/github/"
    "attribute.repository/acme/spinnaker-config\"\n"
)


def test_a_setup_script_that_binds_by_name_is_reported_at_each_line(repo):
    (repo / "docs").mkdir()
    (repo / "docs/setup.md").write_text("# Set-up\n\n```sh\n" + BY_NAME + "```\n")
    code, findings = check(repo, "staging")
    assert code == 0 and {f["rule"] for f in findings} == {"workload-identity-ids"}
    assert all(f["severity"] == "warning" and f["source"]["file"] == "docs/setup.md" for f in findings)
    lines = (repo / "docs/setup.md").read_text().splitlines()
    found = sorted((f["source"]["line"], f["message"]) for f in findings)
    assert [(lines[n - 1].lstrip().split("=")[0], m.split(" (")[0].split(",")[0]) for n, m in found] == [
        ("--attribute-condition", "the attribute condition compares the repository NAME"),
        ("--attribute-condition", "the attribute condition does not require assertion.repository_id and "
                                  "assertion.repository_owner_id"),
        ("--member", "an IAM member trusts the repository NAME"),
    ]


def test_a_provider_without_attribute_condition_is_reported(repo):
    (repo / "setup-wif.sh").write_text(
        "#!/bin/sh\ngcloud iam workload-identity-pools providers create-oidc gh --location=global \\\n"
        "  --issuer-uri=https://token.actions.githubusercontent.com\n"
    )
    _, findings = check(repo, "staging")
    [f] = findings
    assert f["source"] == {"file": "setup-wif.sh", "line": 2, "column": None}
    assert "no --attribute-condition" in f["message"]


def test_terraform_conditions_and_subject_members_are_read_too(repo):
    (repo / "wif.tf").write_text(
        'resource "google_iam_workload_identity_pool_provider" "gh" {\n'
        '  attribute_condition = "assertion.repository_owner == \'acme\'"\n}\n'
        'locals { m = "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/github/'
        'subject/repo:acme/spinnaker-config:environment:production" }\n'
    )
    _, findings = check(repo, "staging")
    messages = sorted((f["source"]["line"], f["message"]) for f in findings)
    assert [n for n, _ in messages] == [2, 2, 4]
    both = "does not require assertion.repository_id and assertion.repository_owner_id"
    assert both in messages[0][1] + messages[1][1]
    assert "repository in its OIDC subject" in messages[2][1]


def test_a_setup_file_that_links_outside_the_repository_is_not_read(repo, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("```sh\n" + BY_NAME + "```\n")
    (repo / "docs").mkdir()
    (repo / "docs/setup.md").symlink_to(outside)
    code, findings = check(repo, "staging")
    assert code == 0 and [f for f in findings if f["rule"] == "workload-identity-ids"] == []
    (repo / "docs/setup.md").unlink()
    (repo / "docs/setup.md").write_text(outside.read_text())  # the same text inside the repository is reported
    assert [f for f in check(repo, "staging")[1] if f["rule"] == "workload-identity-ids"]


def test_the_docs_setup_script_binds_to_numeric_ids():
    """The project's own docs (docs/pipeline.md, Workload Identity Federation) pass the rule."""
    from spinops.check.repository.workload_identity import name_bindings

    text = (ROOT / "docs/pipeline.md").read_text()
    assert "gcloud iam workload-identity-pools providers create-oidc" in text
    assert name_bindings(text, "docs/pipeline.md") == []
    assert "restrict **deployment branches** to `main`" in text


def test_repository_rules_can_be_disabled_and_are_listed_in_the_rule_table(repo):
    edit(repo / "kustomize/overlays/staging/spinops.yml", 'kubernetesVersion: "1.36"', 'kubernetesVersion: "1.33"')
    assert run_spinops("build", "--env", "staging", "--repo", str(repo)).returncode == 0
    r = run_spinops("check", "--env", "staging", "--repo", str(repo), "--format", "json", "--disable", "kubectl-skew")
    assert r.returncode == 0, r.stdout
    r = run_spinops("check", "--env", "staging", "--repo", str(repo), "--format", "json")
    assert r.returncode == 1 and set(json.loads(r.stdout)["rules"]) >= REPO_RULES
