"""The PR pipeline end to end, as GitHub runs it: the workflows' nox sessions in workflow order, with
each event's environment, on real git repositories; comments through a stateful fake `gh`.

GitHub's side is reproduced from its docs: a `pull_request` run checks out refs/pull/N/merge, a merge
of the PR head into the base branch's current tip (github/docs events-that-trigger-workflows.md,
`pull_request`: GITHUB_SHA is the last merge commit); artifacts of the matrix jobs are downloaded
merged (`merge-multiple: true`) by the `workflow_run` comment stage (pr-comment.yml); the required
check `pr result` fails when plan or a diff job failed (its `if:` is read from pr.yml below).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from pipeline_support import run_comment_stage

from spinops_testlib import REFERENCE, ROOT

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
REPO = "acme/spinnaker-config"
RUN_URL = f"https://github.com/{REPO}/actions/runs/4242"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env={**os.environ, **GIT_ENV}
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


@dataclass
class Run:
    """One `pr` workflow run and its comment stage."""

    plan_exit: int
    decision: dict
    diff_exits: dict[str, int]
    logs: dict[str, str]
    required_check: str
    comment_exit: int
    comment_log: str


@dataclass
class GitHub:
    """A repository with main, one PR branch and the fake GitHub state behind `gh`."""

    root: Path
    number: int = 7
    runs: list[Run] = field(default_factory=list)

    @property
    def origin(self) -> Path:
        return self.root / "origin"

    @property
    def state(self) -> Path:
        return self.root / "gh-state.json"

    def comments(self) -> list[dict]:
        return json.loads(self.state.read_text())["comments"].get(str(self.number), []) if self.state.is_file() else []

    def commit(self, message: str, branch: str = "pr") -> str:
        git(self.origin, "checkout", "-q", branch)
        git(self.origin, "add", "-A")
        git(self.origin, "commit", "-qm", message)
        return git(self.origin, "rev-parse", "HEAD")

    def push_and_run(self) -> Run:
        """GitHub's merge commit of the PR head into main's tip, then the pr workflow and the comment stage."""
        head = git(self.origin, "rev-parse", "pr")
        state = json.loads(self.state.read_text()) if self.state.is_file() else {}
        state.setdefault("pulls", {})[str(self.number)] = {"number": self.number, "head": {"sha": head}}
        self.state.write_text(json.dumps(state))
        checkout = self.root / f"run{len(self.runs)}"
        subprocess.run(
            ["git", "clone", "-q", "--no-local", str(self.origin), str(checkout)],
            check=True,
            env={**os.environ, **GIT_ENV},
        )
        git(checkout, "checkout", "-q", "--detach", "origin/main")
        git(checkout, "merge", "-q", "--no-ff", "-m", f"Merge {head} into main", head)  # refs/pull/N/merge
        run = self._pipeline(checkout, head)
        self.runs.append(run)
        return run

    def _env(self, extra: dict | None = None) -> dict:
        pr_env = load_workflow("pr.yml")["env"]
        assert pr_env["SPINOPS_BASE"] == "${{ github.event.merge_group.base_sha || 'HEAD^1' }}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "SPINOPS_", "PR_", "RUNNER_"))}
        env.update({
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "GITHUB_ACTIONS": "true",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_RUN_ID": "4242",
            "SPINOPS_BASE": "HEAD^1",  # pr.yml for a pull_request event (no merge_group)
            "BASE_LABEL": "main",
            "PR_NUMBER": str(self.number),
        })
        env.update(extra or {})
        return env

    def _pipeline(self, checkout: Path, head: str) -> Run:
        out = self.root / f"outputs-{len(self.runs)}"
        out.write_text("")
        env = self._env({"PR_HEAD_SHA": head, "GITHUB_OUTPUT": str(out)})
        plan = nox(checkout, "plan", env=env)
        decision = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
        artifact = self.root / f"artifact-{len(self.runs)}"  # download-artifact, pattern spinops-report-*, merged
        results = {"plan": "success" if plan.returncode == 0 else "failure"}
        exits, logs = {}, {"plan": plan.stdout + plan.stderr}
        if decision.get("deploys") == "true":
            for entry in json.loads(decision["matrix"]):
                e = entry["env"]
                summary = self.root / f"summary-{len(self.runs)}-{e}.md"
                job_env = {**env, "SPINOPS_ENV": e, "GITHUB_STEP_SUMMARY": str(summary)}
                p = nox(checkout, "pr", env=job_env)
                exits[e], logs[e] = p.returncode, p.stdout + p.stderr
                s = nox(checkout, "summary", "--", f"report/{e}-full.md", env=job_env)  # if: !cancelled()
                assert s.returncode == 0, s.stdout + s.stderr
                assert summary.read_text().strip(), "the job summary holds the full report"
                if p.returncode == 0:
                    self._live_input(checkout, e, env)
            results["diff"] = "failure" if any(exits.values()) else "success"
        else:
            results["diff"] = "skipped"
        if (checkout / "report").is_dir():
            shutil.copytree(checkout / "report", artifact, dirs_exist_ok=True)
        required = required_check(results)
        comment_env = self._env({"GH_TOKEN": "gh-token", "GH_REPO": REPO, **fake_gh_env(self.root, self.state)})
        # the comment stage runs no repository code: pr-comment.yml's own script (the project's), on the artifact
        c = run_comment_stage(
            ROOT, artifact, comment_env, head_sha=head, pull_requests=[{"number": self.number, "head": {"sha": head}}]
        )
        return Run(plan.returncode, decision, exits, logs, required, c.returncode, c.stdout + c.stderr)


    def _live_input(self, checkout: Path, env_name: str, env: dict) -> None:
        """The `live` job's data handoff: the file `diff` uploads (read from pr.yml) is what the base's
        spinops.artifact accepts (the frozen reference installation is the base here)."""
        [upload] = [
            s_ for s_ in load_workflow("pr.yml")["jobs"]["diff"]["steps"]
            if s_.get("with", {}).get("name") == "spinops-manifests-${{ matrix.env }}"
        ]
        built = checkout / upload["with"]["path"].replace("${{ matrix.env }}", env_name)
        downloaded = self.root / f"untrusted-manifests-{len(self.runs)}-{env_name}"
        downloaded.mkdir()
        shutil.copy(built, downloaded / "manifests.yaml")  # upload-artifact of one file, then download-artifact
        proc = subprocess.run(
            [sys.executable, "-m", "spinops.artifact", "manifests", "--in", str(downloaded), "--env", env_name,
             "--out", str(downloaded) + ".yaml", "--report", str(downloaded) + ".md"],
            cwd=REFERENCE, env={**env, "GITHUB_OUTPUT": str(downloaded) + ".out"}, capture_output=True, text=True,
        )
        assert proc.returncode == 0, proc.stderr
        assert Path(str(downloaded) + ".yaml").read_text() == built.read_text()


def load_workflow(name: str) -> dict:
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    wf["on"] = wf.pop(True, wf.get("on"))
    return wf


def required_check(results: dict[str, str]) -> str:
    """`pr result`: its one step (exit 1) runs when a needed job failed or was cancelled."""
    step = load_workflow("pr.yml")["jobs"]["result"]["steps"][0]
    assert step["if"] == "${{ contains(needs.*.result, 'failure') || contains(needs.*.result, 'cancelled') }}"
    return "failure" if {"failure", "cancelled"} & set(results.values()) else "success"


def fake_gh_env(root: Path, state: Path) -> dict:
    bindir = root / "bin"
    if not bindir.is_dir():
        bindir.mkdir()
        gh = bindir / "gh"
        gh.write_text(f"#!/bin/sh\nexec {sys.executable} {HERE / 'fake_gh_api.py'} \"$@\"\n")
        gh.chmod(0o755)
    return {
        "PATH": f"{bindir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "FAKE_GH_STATE": str(state),
        "FAKE_GH_LOG": str(root / "gh.jsonl"),
    }


def nox(cwd: Path, session: str, *args: str, env: dict, noxfile: Path | None = None) -> subprocess.CompletedProcess:
    """A workflow step: `nox -s SESSION`, run with the interpreter that has spinops installed (--no-venv)."""
    cmd = [sys.executable, "-m", "nox", "--no-venv", "-f", str(noxfile or cwd / "noxfile.py"), "-s", session, *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def github(tmp_path) -> GitHub:
    gh = GitHub(tmp_path)
    origin = gh.origin
    shutil.copytree(REFERENCE, origin)
    shutil.copy(ROOT / "noxfile.py", origin / "noxfile.py")
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "the reference installation")
    git(origin, "branch", "pr")
    return gh


def by_env(gh: GitHub) -> dict[str, str]:
    comments = gh.comments()
    envs = {}
    for c in comments:
        first = c["body"].splitlines()[0]
        assert first.startswith("<!-- spinops-diff:"), first
        env = first.removeprefix("<!-- spinops-diff:").removesuffix(" -->")
        assert env not in envs, f"two comments for {env}"
        envs[env] = c["body"]
    return envs


def assert_one_comment_per_env(gh: GitHub, run: Run) -> dict[str, str]:
    assert run.comment_exit == 0, run.comment_log
    bodies = by_env(gh)
    assert sorted(bodies) == ["production", "staging"]
    head = git(gh.origin, "rev-parse", "pr")
    for body in bodies.values():
        assert f"Head `{head[:7]}`" in body and f"[workflow run]({RUN_URL})" in body
    return bodies


def test_a_fiat_cpu_change(github):
    edit(github.origin / "kustomize/overlays/production/fiat-resources.yml", 'cpu: "2"', 'cpu: "3"')
    github.commit("fiat: more CPU")
    run = github.push_and_run()
    assert run.plan_exit == 0 and run.decision["deploys"] == "true"
    assert run.diff_exits == {"staging": 0, "production": 0}, run.logs
    assert run.required_check == "success"
    bodies = assert_one_comment_per_env(github, run)
    assert "**No changes**" in bodies["staging"]
    prod = bodies["production"]
    assert "**1 resource differs**" in prod and "Deployment spinnaker/fiat" in prod
    assert "-            cpu: '2'\n+            cpu: '3'" in prod
    assert "`main@" in prod and "head " in prod


SLACK = "notifications:\n  slack:\n    enabled: true\n    botName: spinnakerbot\n    token: ${SLACK_TOKEN}\n"
SLACK_STAGING = "notifications:\n  slack:\n    botName: spinnakerbot-staging\n"


def test_a_halconfig_change_enabling_slack(github):
    hal, staging = github.origin / "halconfig/halconfig.yml", github.origin / "halconfig/env/staging.yml"
    edit(hal, SLACK, "")
    edit(staging, SLACK_STAGING, "")
    github.commit("a team without Slack", branch="main")
    git(github.origin, "checkout", "-q", "pr")
    git(github.origin, "reset", "-q", "--hard", "main")
    hal.write_text(hal.read_text() + "\n" + SLACK)
    staging.write_text(staging.read_text() + SLACK_STAGING)
    github.commit("enable Slack")
    run = github.push_and_run()
    assert run.diff_exits == {"staging": 0, "production": 0}, run.logs
    assert run.required_check == "success"
    bodies = assert_one_comment_per_env(github, run)
    for env, body in bodies.items():
        assert "#### Halconfig impact" in body, env
        assert "- Enabled: `notifications.slack`" in body, env
        assert "new credential for echo: env var SLACK_TOKEN (Secret spinnaker-slack, source: workflow)" in body, env
        assert "add the GitHub environment secret SLACK_TOKEN to every environment" in body, env
        assert "(.github/workflows/deploy.yml already passes it)" in body, env
        assert "ConfigMap spinnaker" in body and "echo-config" in body, env


def test_a_head_that_does_not_build_then_a_fix_replaces_the_comment(github):
    hal = github.origin / "halconfig/halconfig.yml"
    edit(hal, "  slack:\n    enabled: true", "  slack:\n    enabled: true\n    botNme: typo")
    github.commit("a typo")
    run = github.push_and_run()
    assert run.diff_exits == {"staging": 1, "production": 1}
    assert run.required_check == "failure"
    # build errors are annotations on the PR's files
    for env in ("staging", "production"):
        assert "::error file=halconfig/halconfig.yml,line=" in run.logs[env], run.logs[env]
    bodies = assert_one_comment_per_env(github, run)
    for body in bodies.values():
        assert ":x: **The PR head does not build" in body and "halconfig/halconfig.yml:" in body and "botNme" in body

    edit(hal, "    botNme: typo\n", "")
    edit(hal, "botName: spinnakerbot\n", "botName: spinbot\n")  # staging overrides the bot name: production only
    github.commit("fix the typo")
    run = github.push_and_run()
    assert run.required_check == "success", run.logs
    bodies = assert_one_comment_per_env(github, run)  # replaced, not added
    assert len(github.comments()) == 2
    assert "does not build" not in bodies["production"] and "spinbot" in bodies["production"]
    assert "**No changes**" in bodies["staging"]


def test_main_moved_after_the_pr_branched(github):
    """The diff is taken against the merge commit's first parent (main now), not the branch point: main's own
    change since then (staging's clouddriver CPU) must not show up reverted in the PR's comment."""
    edit(github.origin / "kustomize/overlays/production/fiat-resources.yml", 'cpu: "2"', 'cpu: "3"')
    github.commit("fiat: more CPU")
    git(github.origin, "checkout", "-q", "main")
    edit(github.origin / "kustomize/overlays/staging/resources.yml", "cpu: 250m", "cpu: 300m")
    github.commit("staging: more clouddriver CPU", branch="main")
    run = github.push_and_run()
    assert run.required_check == "success", run.logs
    bodies = assert_one_comment_per_env(github, run)
    assert "**No changes**" in bodies["staging"], bodies["staging"]
    assert "**1 resource differs**" in bodies["production"] and "+            cpu: '3'" in bodies["production"]


def test_a_pr_touching_only_github(github):
    wf = github.origin / ".github/workflows/deploy.yml"
    wf.write_text(wf.read_text().replace("timeout-minutes: 45", "timeout-minutes: 50"))
    github.commit("ci: longer deploy timeout")
    run = github.push_and_run()
    assert run.plan_exit == 0 and run.decision["deploys"] == "false"
    assert run.diff_exits == {}
    assert run.required_check == "success"
    bodies = assert_one_comment_per_env(github, run)
    for body in bodies.values():
        assert "**No changes to deploy**" in body and "`.github/workflows/deploy.yml`" in body
