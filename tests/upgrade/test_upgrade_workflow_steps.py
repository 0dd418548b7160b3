"""The upgrade workflow's steps as upgrade.yml runs them (`nox -s upgrade` for the matrix, `nox -s upgrade_pr` per
environment), on real git repositories: a bare `origin` holding the frozen reference, a checkout of it, and a
recording stand-in for `gh` on PATH (TEST DOUBLE: it never talks to GitHub; `pr list` answers from a file)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from spinops_testlib import REFERENCE, ROOT

pytestmark = pytest.mark.slow
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
FAKE_GH = """#!{python}
import json, os, sys
argv = sys.argv[1:]
rec = {{"argv": argv}}
if "--body-file" in argv:
    rec["body"] = open(argv[argv.index("--body-file") + 1], encoding="utf-8").read()
with open(os.environ["FAKE_GH_LOG"], "a", encoding="utf-8") as fh:
    fh.write(json.dumps(rec) + "\\n")
if argv[:2] == ["pr", "list"]:
    sys.stdout.write(open(os.environ["FAKE_GH_OPEN_PR"]).read())
"""


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, check=True)
    return proc.stdout


@pytest.fixture
def world(tmp_path: Path):
    seed = tmp_path / "seed"
    for d in ("halconfig", "kustomize"):
        shutil.copytree(REFERENCE / d, seed / d)
    shutil.copy(ROOT / "noxfile.py", seed / "noxfile.py")
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "the reference installation")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(seed), str(origin)], check=True)
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(origin), str(checkout)], check=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable))
    gh.chmod(0o755)
    (tmp_path / "open-pr").write_text("")
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]])
    env = {**os.environ, **GIT_ENV, "PATH": path,
           "FAKE_GH_LOG": str(tmp_path / "gh.log"), "FAKE_GH_OPEN_PR": str(tmp_path / "open-pr")}
    env.pop("GITHUB_OUTPUT", None)
    return checkout, origin, env, tmp_path


def nox(cwd: Path, env: dict, session: str, *args: str) -> subprocess.CompletedProcess:
    """A workflow step (`nox -s SESSION -- ARGS`), with the interpreter that has spinops installed."""
    cmd = [sys.executable, "-m", "nox", "--no-venv", "-f", str(cwd / "noxfile.py"), "-s", session, "--", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def gh_calls(tmp_path: Path) -> list[dict]:
    log = tmp_path / "gh.log"
    return [json.loads(ln) for ln in log.read_text().splitlines()] if log.exists() else []


def test_the_plan_step_writes_the_matrix_of_the_workflow(world):
    checkout, _, env, tmp_path = world
    out = tmp_path / "github_output"
    proc = nox(checkout, {**env, "GITHUB_OUTPUT": str(out)}, "upgrade", "--next", "patch", "--format", "github")
    assert proc.returncode == 0, proc.stderr
    fields = dict(ln.split("=", 1) for ln in out.read_text().splitlines())
    matrix = json.loads(fields["matrix"])
    assert [(m["env"], m["from"], m["kind"]) for m in matrix] == [("staging", "1.36.1", "patch")]
    workflow = yaml.safe_load((ROOT / ".github/workflows/upgrade.yml").read_text())
    assert workflow["jobs"]["pr"]["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"


def test_open_pushes_the_branch_and_opens_then_updates_one_pr(world):
    checkout, origin, env, tmp_path = world
    proc = nox(checkout, env, "upgrade_pr", "--env", "staging", "--version", "1.36.2", "--base", "main")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "opened a PR (spinops/upgrade-staging): 1.36.1 → 1.36.2" in proc.stdout
    pushed = git(origin, "show", "spinops/upgrade-staging:halconfig/env/staging.yml")
    assert "\nversion: 1.36.2\n" in pushed
    assert git(origin, "rev-parse", "spinops/upgrade-staging^") == git(origin, "rev-parse", "main")
    calls = gh_calls(tmp_path)
    assert [c["argv"][:2] for c in calls] == [["auth", "setup-git"], ["pr", "list"], ["pr", "create"]]
    body = calls[-1]["body"]
    assert body.startswith("<!-- spinops-upgrade:staging -->") and "**1.36.1 → 1.36.2: " in body
    assert len(body) <= 65_536

    # a week later 1.36.3 is the newest patch: the same branch is rebuilt from main and the open PR updated
    (tmp_path / "open-pr").write_text("12\n")
    git(checkout, "checkout", "-q", "main")
    proc = nox(checkout, env, "upgrade_pr", "--env", "staging", "--version", "1.36.3", "--base", "main")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "updated PR #12" in proc.stdout
    assert "\nversion: 1.36.3\n" in git(origin, "show", "spinops/upgrade-staging:halconfig/env/staging.yml")
    assert git(origin, "rev-parse", "spinops/upgrade-staging^") == git(origin, "rev-parse", "main")
    edit = gh_calls(tmp_path)[-1]
    assert edit["argv"][:3] == ["pr", "edit", "12"]
    assert edit["argv"][edit["argv"].index("--title") + 1] == "spinops upgrade: staging 1.36.1 → 1.36.3"


def test_open_refuses_a_skipped_line_without_pushing(world):
    checkout, origin, env, tmp_path = world
    proc = nox(checkout, env, "upgrade_pr", "--env", "staging", "--version", "1.38.0", "--base", "main")
    log = proc.stdout + proc.stderr  # nox passes the step's output through
    assert proc.returncode != 0 and "skips the minor line 1.37" in log and "Traceback" not in log
    assert gh_calls(tmp_path) == []
    assert "spinops/upgrade-staging" not in git(origin, "branch", "--list")
