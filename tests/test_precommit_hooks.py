"""The published pre-commit hooks (.pre-commit-hooks.yaml), driven through pre-commit's own runner.

Each test makes a temporary git repository holding a copy of the reference installation and a
`.pre-commit-config.yaml` whose `repo: local` hooks are exactly the published definitions, with
`language: system` (the spinops of this test environment) instead of `language: python`: pre-commit
would otherwise pip-install this repository into a hook environment, which needs the network. Then
`pre-commit run` on staged changes, as `git commit` would run it (pre-commit.com: "Usage", `run`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from spinops import schemas

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "fixtures" / "reference"  # frozen copy of the reference installation
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def local_config(hooks: list[dict]) -> str:
    local = [{**h, "language": "system"} for h in hooks]
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}, sort_keys=False)


@pytest.fixture
def repo(tmp_path):
    r = tmp_path / "repo"
    r.mkdir()
    for d in ("halconfig", "kustomize"):
        shutil.copytree(REFERENCE / d, r / d)
    (r / ".gitignore").write_text("/build/\n")
    (r / ".pre-commit-config.yaml").write_text(local_config(HOOKS))
    git(r, "init", "-q", "-b", "main")
    git(r, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    git(r, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "reference")
    return r


def pre_commit(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),  # no user cache, nothing shared between tests
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # spinops of this venv
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [str(PRE_COMMIT), "run", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=600
    )


def stage(repo: Path, rel: str, text: str) -> None:
    (repo / rel).write_text(text, encoding="utf-8")
    git(repo, "add", rel)


def test_the_published_hooks_are_the_ones_this_test_drives():
    assert [h["id"] for h in HOOKS] == ["spinops-halconfig", "spinops-build-check", "spinops-schema"]
    assert all(h["language"] == "python" for h in HOOKS)  # consumers get spinops + its pinned kubectl installed
    assert all(h["entry"].startswith("spinops ") for h in HOOKS)


def test_this_repositorys_config_uses_the_published_hooks_unchanged():
    """.pre-commit-config.yaml runs the same hooks (language: system: the developer's `spinops` on PATH) plus ruff."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    local = {h["id"]: h for r in config["repos"] if r["repo"] == "local" for h in r["hooks"]}
    for hook in HOOKS:
        if hook["id"] in local:
            assert {**hook, "language": "system"} == {k: v for k, v in local[hook["id"]].items() if k != "args"}
    assert {"spinops-halconfig", "spinops-build-check"} <= set(local)
    ruff = local["ruff"]
    lock = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    pin = next(d for d in ruff["additional_dependencies"] if d.startswith("ruff=="))
    assert f"\n{pin} \\\n" in lock  # the hook and `nox -s lint` (which installs the lock) run the same ruff


def test_halconfig_hook_passes_a_valid_change_and_rejects_a_typo_with_its_position(repo):
    hal = (repo / "halconfig" / "halconfig.yml").read_text()
    stage(repo, "halconfig/halconfig.yml", hal + "\n# a comment\n")
    ok = pre_commit(repo, "spinops-halconfig")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "spinops: validate the halconfig" in ok.stdout and "Passed" in ok.stdout

    stage(repo, "halconfig/halconfig.yml", hal + "timezoen: UTC\n")
    bad = pre_commit(repo, "spinops-halconfig")
    assert bad.returncode == 1
    line = hal.count("\n") + 1
    assert f"halconfig/halconfig.yml:{line}:1: error:" in bad.stdout, bad.stdout
    assert "timezone" in bad.stdout  # the "did you mean"


def test_halconfig_hook_skips_when_no_halconfig_file_is_staged(repo):
    stage(repo, "README.md", "hello\n")
    out = pre_commit(repo, "spinops-halconfig")
    assert out.returncode == 0
    assert "(no files to check)Skipped" in out.stdout


def test_build_check_hook_builds_only_the_environment_a_staged_overlay_file_affects(repo):
    path = repo / "kustomize" / "overlays" / "staging" / "kustomization.yml"
    stage(repo, "kustomize/overlays/staging/kustomization.yml", path.read_text() + "\n# touched\n")
    out = pre_commit(repo, "spinops-build-check")
    assert out.returncode == 0, out.stdout + out.stderr
    assert (repo / "build" / "staging" / "manifests.yaml").is_file()
    assert not (repo / "build" / "production").exists()


def test_build_check_hook_fails_on_a_check_finding_in_the_affected_environment(repo):
    """A production overlay patch with a string `replicas`: kustomize builds it, `spinops check` rejects it
    (traced back to the staged file) and the commit is refused; staging is not built."""
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: fiat\nspec:\n  replicas: two\n"
    stage(repo, "kustomize/overlays/production/fiat-resources.yml", patch)
    out = pre_commit(repo, "spinops-build-check")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "spinnaker/Deployment/fiat" in out.stdout
    assert "from kustomize/overlays/production/fiat-resources.yml:6:3" in out.stdout
    assert not (repo / "build" / "staging").exists()


def test_schema_hook_writes_every_schema_then_passes(repo):
    stage(repo, "README.md", "hello\n")
    first = pre_commit(repo, "spinops-schema")
    # --exit-code: it created the files (pre-commit sees no diff of untracked ones)
    assert first.returncode == 1, (first.stdout)
    assert "spinops schema: wrote .schemas/halconfig.schema.json" in first.stdout
    written = sorted(p.name for p in (repo / ".schemas").iterdir())
    assert written == sorted(s.file_name for s in schemas.SCHEMAS.values())
    git(repo, "add", ".schemas")
    second = pre_commit(repo, "spinops-schema")
    assert second.returncode == 0, second.stdout

    (repo / ".schemas" / "halconfig.schema.json").write_text("{}\n")  # stale (e.g. after upgrading spinops)
    git(repo, "add", ".schemas")
    third = pre_commit(repo, "spinops-schema")
    assert third.returncode == 1
    assert git(repo, "diff", "--name-only") == ".schemas/halconfig.schema.json\n"
