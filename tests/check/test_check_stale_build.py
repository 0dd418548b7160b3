"""`spinops check --env ENV` refuses a build/ENV/manifests.yaml that is not the build of the working tree:
a failed build leaves the last good one in place (builds are atomic), and checking it would pass silently."""

from __future__ import annotations

import shutil

from spinops_testlib import REFERENCE, run_spinops


def test_a_failed_build_is_not_followed_by_a_check_of_the_stale_manifests(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(REFERENCE, repo)
    assert run_spinops("build", "--env", "staging", "--repo", str(repo)).returncode == 0
    assert run_spinops("check", "--env", "staging", "--repo", str(repo)).returncode == 0
    hal = repo / "halconfig/halconfig.yml"
    good = hal.read_text()
    hal.write_text(good.replace("  slack:\n    enabled: true", "  slack:\n    enabled: true\n    botNme: typo", 1))
    assert run_spinops("build", "--env", "staging", "--repo", str(repo)).returncode == 2
    r = run_spinops("check", "--env", "staging", "--repo", str(repo))
    assert r.returncode == 2, r.stdout
    assert "build/staging/manifests.yaml was built from other halconfig/ and kustomize/ files" in r.stderr
    assert "run `spinops build --env staging`" in r.stderr and "Traceback" not in r.stderr
    hal.write_text(good)  # back to the inputs of the last good build: it is current again
    assert run_spinops("check", "--env", "staging", "--repo", str(repo)).returncode == 0
    # an explicit manifest file is checked as given
    assert run_spinops("check", str(repo / "build/staging/manifests.yaml"), "--repo", str(repo)).returncode == 0
