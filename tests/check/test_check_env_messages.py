"""`spinops check --env ENV` without a build says what to do, and an unknown environment lists the real ones."""

from __future__ import annotations

import shutil

from spinops_testlib import REFERENCE, run_spinops


def _repo(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(REFERENCE / "kustomize", repo / "kustomize")
    return repo


def test_env_without_a_build_says_to_build_first(tmp_path):
    r = run_spinops("check", "--env", "staging", "--repo", str(_repo(tmp_path)))
    assert r.returncode == 2
    assert "no build for 'staging'" in r.stderr
    assert "run `spinops build --env staging` first" in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_env_lists_the_environments(tmp_path):
    r = run_spinops("check", "--env", "prod", "--repo", str(_repo(tmp_path)))
    assert r.returncode == 2
    assert "unknown environment 'prod'" in r.stderr
    assert "environments: production, staging" in r.stderr
