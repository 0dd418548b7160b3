"""The PR comment of an upgrade PR starts with the upgrade report's summary line (spinops.pr, the `report`
step of pr.yml), on a real git repository: main is the frozen reference, the PR is `spinops upgrade`'s edit."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from spinops.pr import Event, report
from spinops_testlib import REFERENCE, run_spinops

pytestmark = pytest.mark.slow
GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]


def git(repo: Path, *args: str) -> None:
    subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    dest = tmp_path / "repo"
    for d in ("halconfig", "kustomize"):
        shutil.copytree(REFERENCE / d, dest / d)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "the reference installation")
    return dest


def test_an_upgrade_prs_comment_starts_with_the_report_summary(repo, tmp_path):
    proc = run_spinops("upgrade", "1.36.3", "--env", "staging", "--format", "json", cwd=repo)
    summary = json.loads(proc.stdout)["environments"][0]["summary"]
    git(repo, "checkout", "-q", "-b", "upgrade")
    git(repo, "commit", "-qam", "staging: Spinnaker 1.36.3")
    outcome = report(repo, "staging", "main", tmp_path / "out", Event(pr=7, head_sha="a" * 40))
    lines = outcome.comment.splitlines()
    assert lines[:4] == ["<!-- spinops-diff:staging -->", "### spinops diff: `staging`", "",
                         f"> spinops upgrade: {summary}"]
    assert summary.startswith("1.36.1 → 1.36.3: ")
    unchanged = report(repo, "production", "main", tmp_path / "out", Event(pr=7, head_sha="a" * 40))
    assert "spinops upgrade:" not in unchanged.comment  # production does not move in this PR


def test_an_ordinary_pr_has_no_upgrade_line(repo, tmp_path):
    git(repo, "checkout", "-q", "-b", "cpu")
    sizing = repo / "kustomize/overlays/production/fiat-resources.yml"
    sizing.write_text(sizing.read_text().replace('cpu: "2"', 'cpu: "3"'))
    git(repo, "commit", "-qam", "fiat: more CPU")
    outcome = report(repo, "production", "main", tmp_path / "out", Event(pr=8, head_sha="b" * 40))
    assert outcome.kind == "diff" and "spinops upgrade:" not in outcome.comment
