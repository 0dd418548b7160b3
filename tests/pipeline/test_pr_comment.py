"""The comment stage (pr-comment.yml, `python -m spinops.pr comment`) reads an artifact written by the
PR's own code: for a fork PR, by anyone. It must post only well-formed spinops comments, to the PR
whose head the `pr` run tested, and only ever edit its own comments (fake `gh`, tests/pipeline/fake_gh_api.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def comment(gh: Path, directory: Path, run_head=HEAD, login=None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": f"{gh / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "FAKE_GH_STATE": str(gh / "state.json"),
        "FAKE_GH_LOG": str(gh / "gh.jsonl"),
        "GH_REPO": REPO,
        "GH_TOKEN": "t",
        "RUN_HEAD_SHA": run_head,
    }
    if login:
        env["FAKE_GH_LOGIN"] = login
    return subprocess.run(
        [sys.executable, "-m", "spinops.pr", "comment", "--in", str(directory)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


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
