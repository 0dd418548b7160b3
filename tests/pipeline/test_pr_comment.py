"""The comment stage (pr-comment.yml's one `run:` step: bash, jq and gh, no repository code) reads an artifact
written by the PR's own code: for a fork PR, by anyone. It must post only well-formed spinops comments, to the
PR whose head the `pr` run tested, and only ever edit its own comments. The step's script is read from the
workflow and run as GitHub runs it, with a fake `gh` (tests/pipeline/fake_gh_api.py) on PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_support import run_comment_stage

from spinops_testlib import ROOT

HERE = Path(__file__).resolve().parent
HEAD = "a" * 40
OTHER = "b" * 40
REPO = "acme/spinnaker-config"


@pytest.fixture
def gh(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "gh").write_text(f"#!/bin/sh\nexec {sys.executable} {HERE / 'fake_gh_api.py'} \"$@\"\n")
    (bindir / "gh").chmod(0o755)
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {"pulls": {"7": {"head": {"sha": HEAD}}, "8": {"head": {"sha": OTHER}}}, "comments": {}, "next_id": 1}
        )
    )
    return tmp_path


def artifact(root: Path, env="staging", pr=7, sha=HEAD, body=None, name=None) -> Path:
    d = root / "untrusted"
    d.mkdir(exist_ok=True)
    (d / f"{name or env}.json").write_text(json.dumps({"env": env, "pr": pr, "head_sha": sha, "outcome": "diff"}))
    (d / f"{name or env}.md").write_text(
        body if body is not None else f"<!-- spinops-diff:{env} -->\n### spinops diff: `{env}`\n\nbody\n"
    )
    return d


def comment(gh: Path, directory: Path, run_head=HEAD, login=None, pull_requests=None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": f"{gh / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "FAKE_GH_STATE": str(gh / "state.json"),
        "FAKE_GH_LOG": str(gh / "gh.jsonl"),
        "GH_REPO": REPO,
        "GH_TOKEN": "t",
    }
    if login:
        env["FAKE_GH_LOGIN"] = login
    return run_comment_stage(ROOT, directory, env, head_sha=run_head, pull_requests=pull_requests)


def comments(gh: Path, pr="7") -> list[dict]:
    return json.loads((gh / "state.json").read_text())["comments"].get(pr, [])


def test_posts_then_replaces_one_comment_per_environment(gh):
    d = artifact(gh)
    artifact(gh, env="production")
    assert comment(gh, d).returncode == 0
    assert sorted(c["body"].splitlines()[0] for c in comments(gh)) == [
        "<!-- spinops-diff:production -->",
        "<!-- spinops-diff:staging -->",
    ]
    (d / "staging.md").write_text("<!-- spinops-diff:staging -->\nsecond push\n")
    r = comment(gh, d)
    assert r.returncode == 0 and "replaced the staging comment" in r.stdout
    assert len(comments(gh)) == 2 and any(c["body"].endswith("second push\n") for c in comments(gh))


def test_a_pr_number_whose_head_is_not_the_tested_head_gets_nothing(gh):
    """A fork writes another PR's number into its artifact: that PR's head is not the run's head."""
    r = comment(gh, artifact(gh, pr=8))
    assert r.returncode == 0 and "a newer run will comment" in r.stdout
    assert comments(gh, "8") == [] and comments(gh) == []


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"sha": OTHER}, "head SHA is not the head the pr run tested"),
        ({"pr": "7"}, "bad pull request number"),
        ({"pr": -1}, "bad pull request number"),
        ({"env": "../../x", "name": "x"}, "bad environment name"),
        ({"env": "staging", "name": "production"}, "bad environment name"),
        ({"body": "no marker\n"}, "not a spinops comment"),
        ({"body": "<!-- spinops-diff:production -->\nwrong env\n"}, "not a spinops comment"),
        ({"body": "<!-- spinops-diff:staging -->\n" + "x" * 70_000}, "not a spinops comment"),
    ],
)
def test_a_malformed_artifact_is_refused_and_nothing_is_posted(gh, kwargs, why):
    r = comment(gh, artifact(gh, **kwargs))
    assert r.returncode == 2 and why in r.stderr, r.stderr
    assert comments(gh) == []
    assert "Traceback" not in r.stderr


def test_a_marker_in_someone_elses_comment_is_never_edited(gh):
    state = json.loads((gh / "state.json").read_text())
    state["comments"]["7"] = [
        {"id": 99, "body": "<!-- spinops-diff:staging -->\nplanted by the PR author\n", "user": {"login": "mallory"}}
    ]
    state["next_id"] = 100
    (gh / "state.json").write_text(json.dumps(state))
    assert comment(gh, artifact(gh)).returncode == 0
    bodies = {c["user"]["login"]: c["body"] for c in comments(gh)}
    assert bodies["mallory"].endswith("planted by the PR author\n")
    assert bodies["github-actions[bot]"].startswith("<!-- spinops-diff:staging -->\n### spinops diff")


def test_a_missing_run_head_is_refused(gh):
    r = comment(gh, artifact(gh), run_head="")
    assert r.returncode == 2 and "head SHA is missing" in r.stderr


def test_a_pr_number_that_is_not_one_of_the_runs_pull_requests_is_refused(gh):
    """Same-repository runs list their PRs (workflow_run.pull_requests); a number outside that list is refused."""
    r = comment(gh, artifact(gh), pull_requests=[{"number": 8, "head": {"sha": HEAD}}])
    assert r.returncode == 2 and "not a pull request of this workflow run" in r.stderr
    assert comments(gh) == []
    assert comment(gh, artifact(gh), pull_requests=[{"number": 7, "head": {"sha": HEAD}}]).returncode == 0
    assert len(comments(gh)) == 1


@pytest.mark.parametrize("bad", ["symlink", "directory", "oversized-meta", "different-prs", "float-pr"])
def test_planted_files_are_refused(gh, tmp_path, bad):
    d = artifact(gh)
    if bad == "symlink":
        (tmp_path / "elsewhere.md").write_text("<!-- spinops-diff:staging -->\nread through a link\n")
        (d / "staging.md").unlink()
        (d / "staging.md").symlink_to(tmp_path / "elsewhere.md")
    elif bad == "directory":
        (d / "x.json").mkdir()
    elif bad == "oversized-meta":
        (d / "staging.json").write_text(json.dumps({"env": "staging", "pr": 7, "head_sha": HEAD, "pad": "x" * 5000}))
    elif bad == "different-prs":
        artifact(gh, env="production", pr=8)
    else:
        (d / "staging.json").write_text(json.dumps({"env": "staging", "pr": 7.5, "head_sha": HEAD}))
    r = comment(gh, d)
    assert r.returncode == 2 and "refusing the report artifact" in r.stderr, r.stdout + r.stderr
    assert comments(gh) == [] and comments(gh, "8") == []


def test_a_body_is_posted_as_data_never_through_the_shell(gh):
    """Shell metacharacters and command substitutions in a body reach GitHub byte for byte and run nothing."""
    body = "<!-- spinops-diff:staging -->\n$(touch pwned) `touch pwned2` ${GH_TOKEN} '\"; exit 0\n"
    r = comment(gh, artifact(gh, body=body))
    assert r.returncode == 0, r.stderr
    assert [c["body"] for c in comments(gh)] == [body]
    assert not (gh / "pwned").exists() and not (ROOT / "pwned").exists() and not Path("pwned2").exists()


def test_no_artifact_posts_nothing(gh, tmp_path):
    r = comment(gh, tmp_path / "absent")
    assert r.returncode == 0 and "nothing to post" in r.stdout
    assert not (gh / "gh.jsonl").exists()
