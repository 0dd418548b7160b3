"""`spinops env`: environments as data (overlay spinops.yml), the workflows' matrix, and adding one."""

from __future__ import annotations

import json
import shutil

import pytest

from spinops_testlib import REFERENCE, ROOT, run_spinops


@pytest.fixture
def repo(tmp_path):
    shutil.copytree(REFERENCE, tmp_path / "repo")
    return tmp_path / "repo"


def envs(repo, *extra):
    r = run_spinops("env", "list", "--format", "json", "--repo", str(repo), *extra)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_list_is_the_matrix_in_promotion_order(repo):
    assert envs(repo) == [
        {
            "env": "staging",
            "after": None,
            "approval": False,
            "cluster_var": "GKE_CLUSTER_STAGING",
            "location_var": "GKE_LOCATION_STAGING",
            "kubernetesVersion": "1.36",
        },
        {
            "env": "production",
            "after": "staging",
            "approval": True,
            "cluster_var": "GKE_CLUSTER_PRODUCTION",
            "location_var": "GKE_LOCATION_PRODUCTION",
            "kubernetesVersion": "1.36",
        },
    ]


def test_github_format_appends_the_matrix_to_github_output(repo, tmp_path):
    out = tmp_path / "out"
    r = run_spinops("env", "list", "--format", "github", "--repo", str(repo), env={"GITHUB_OUTPUT": str(out)})
    assert r.returncode == 0
    [line] = out.read_text().splitlines()
    assert line.startswith("matrix=") and [e["env"] for e in json.loads(line.removeprefix("matrix="))] == [
        "staging",
        "production",
    ]


def test_add_copies_an_environment_that_builds_and_lists(repo):
    r = run_spinops("env", "add", "dev", "--from", "staging", "--repo", str(repo))
    assert r.returncode == 0, r.stderr
    assert "Settings > Environments > New environment `dev`" in r.stdout
    assert "GKE_CLUSTER_DEV" in r.stdout and "SPINNAKER_GITHUB_TOKEN" in r.stdout
    assert (repo / "halconfig/env/dev.yml").read_text() == (repo / "halconfig/env/staging.yml").read_text()
    assert "namespace: spinnaker-dev\n" in (repo / "kustomize/overlays/dev/kustomization.yml").read_text()
    dev = next(e for e in envs(repo) if e["env"] == "dev")
    assert (dev["cluster_var"], dev["location_var"]) == ("GKE_CLUSTER_DEV", "GKE_LOCATION_DEV")
    b = run_spinops("build", "--env", "dev", "--repo", str(repo))
    assert b.returncode == 0 and "namespace spinnaker-dev" in b.stdout, b.stderr
    # the repository rules say what is still missing: the reference's deploy.yml has a job per literal environment
    c = run_spinops("check", "--env", "dev", "--repo", str(repo), "--format", "json")
    assert [f["rule"] for f in json.loads(c.stdout)["findings"] if f["severity"] == "error"] == ["deploy-credentials"]


def test_add_refuses_an_existing_or_unknown_environment_and_writes_nothing(repo):
    before = sorted(p.name for p in (repo / "kustomize/overlays").iterdir())
    r = run_spinops("env", "add", "production", "--from", "staging", "--repo", str(repo))
    assert r.returncode == 2 and "kustomize/overlays/production already exists" in r.stderr
    r = run_spinops("env", "add", "qa", "--from", "nope", "--repo", str(repo))
    assert r.returncode == 2 and "no environment 'nope'" in r.stderr
    r = run_spinops("env", "add", "Bad_Name", "--from", "staging", "--repo", str(repo))
    assert r.returncode == 2 and "lower-case" in r.stderr
    assert sorted(p.name for p in (repo / "kustomize/overlays").iterdir()) == before
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("after: nowhere\n", "there is no environment 'nowhere'"),
        ("approval: maybe\n", "`approval` is true or false"),
        ("gke: {cluster: 'not a name'}\n", "the name of a GitHub variable"),
        ("colour: blue\n", "unknown field 'colour'"),
    ],
)
def test_bad_settings_are_located(repo, settings, message):
    (repo / "kustomize/overlays/staging/spinops.yml").write_text(settings)
    r = run_spinops("env", "list", "--repo", str(repo))
    assert r.returncode == 2 and message in r.stderr and "kustomize/overlays/staging/spinops.yml" in r.stderr, r.stderr


def test_a_promotion_cycle_is_an_error(repo):
    (repo / "kustomize/overlays/staging/spinops.yml").write_text("after: production\n")
    r = run_spinops("env", "list", "--repo", str(repo))
    assert r.returncode == 2 and "form a cycle" in r.stderr


# --- `--env all` and $SPINOPS_ENV, the same for build, check and diff -----------------------------------------


def test_build_and_check_take_every_environment_at_once(repo):
    b = run_spinops("build", "--env", "all", "--repo", str(repo))
    assert b.returncode == 0, b.stderr
    assert [ln.split(":")[0].rsplit("/", 2)[-2] for ln in b.stdout.splitlines() if "manifests.yaml:" in ln] == [
        "staging",
        "production",
    ]
    c = run_spinops("check", "--env", "all", "--repo", str(repo))
    assert c.returncode == 0 and c.stdout.count("resource(s) checked against Kubernetes") == 2, c.stdout
    r = run_spinops("check", "--env", "all", "--repo", str(repo), "--format", "json")
    assert r.returncode == 2 and "use --format text or github" in r.stdout  # json: errors as JSON on stdout
    r = run_spinops("build", "--env", "all", "--repo", str(repo), "--out", "x")
    assert r.returncode == 2 and "--env all cannot be combined with --out" in r.stderr


def test_spinops_env_is_the_default_of_check_too(repo):
    assert run_spinops("build", "--env", "staging", "--repo", str(repo)).returncode == 0
    r = run_spinops("check", "--repo", str(repo), env={"SPINOPS_ENV": "staging"})
    assert r.returncode == 0 and "build/staging/manifests.yaml" in r.stdout, r.stderr


def test_diff_takes_every_environment_at_once(repo):
    import subprocess

    def git(*args):
        subprocess.run(
            ["git", "-C", str(repo), *args],
            check=True,
            capture_output=True,
            env={
                "GIT_AUTHOR_NAME": "t",
                "GIT_AUTHOR_EMAIL": "t@e",
                "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@e",
                "PATH": "/usr/bin:/bin",
            },
        )

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "reference")
    fiat = repo / "kustomize/overlays/production/fiat-resources.yml"
    fiat.write_text(fiat.read_text().replace('cpu: "2"', 'cpu: "3"', 1))
    r = run_spinops("diff", "--base", "main", "--env", "all", "--repo", str(repo))
    assert r.returncode == 1, r.stderr
    assert "spinops diff (staging)" in r.stdout and "spinops diff (production)" in r.stdout
    assert r.stdout.index("spinops diff (staging)") < r.stdout.index("spinops diff (production)")


# --- deploy.yml's promotion stages (issue 12 item 5): adding an environment needs nothing in .github/ ----------


def stages(repo, n=3):
    out = repo / "github_output"
    out.write_text("")
    r = run_spinops("env", "list", "--format", "github", "--stages", str(n), "--repo", str(repo),
                    env={"GITHUB_OUTPUT": str(out)})
    return r, dict(line.split("=", 1) for line in out.read_text().splitlines())


def names(stage: str) -> list[str]:
    return [e["env"] for e in json.loads(stage)]


def test_stages_follow_after_and_empty_stages_are_empty_lists(repo):
    r, out = stages(repo)
    assert r.returncode == 0, r.stderr
    assert [names(out[f"stage{k}"]) for k in (1, 2, 3)] == [["staging"], ["production"], []]
    assert run_spinops("env", "add", "dev", "--from", "staging", "--repo", str(repo)).returncode == 0
    (repo / "kustomize/overlays/staging/spinops.yml").write_text("after: dev\n")
    r, out = stages(repo)
    assert [names(out[f"stage{k}"]) for k in (1, 2, 3)] == [["dev"], ["staging"], ["production"]], r.stderr


def test_a_chain_deeper_than_the_workflows_stages_is_located(repo):
    r, out = stages(repo, n=1)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    # --format github reports as a workflow annotation on the file (stdout), like every error in that format
    assert "file=kustomize/overlays/production/spinops.yml" in r.stdout and "promotion stage 2" in r.stdout
    assert "stage1" not in out


def test_adding_an_environment_needs_nothing_in_github(repo):
    """With this repository's workflows (deploy.yml stages from `spinops env list`), `env add` is all: the
    repository rules find nothing missing in the workflows for the new environment."""
    shutil.rmtree(repo / ".github")
    shutil.copytree(ROOT / ".github", repo / ".github")
    before = {p: p.read_bytes() for p in (repo / ".github").rglob("*") if p.is_file()}
    assert run_spinops("env", "add", "qa", "--from", "staging", "--repo", str(repo)).returncode == 0
    r, out = stages(repo)
    assert names(out["stage1"]) == ["qa", "staging"]
    assert run_spinops("build", "--env", "qa", "--repo", str(repo)).returncode == 0
    c = run_spinops("check", "--env", "qa", "--repo", str(repo), "--format", "json")
    assert [f["rule"] for f in json.loads(c.stdout)["findings"] if f["severity"] == "error"] == [], c.stdout
    assert {p: p.read_bytes() for p in (repo / ".github").rglob("*") if p.is_file()} == before
