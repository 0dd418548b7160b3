"""Drift issue handling (`python -m spinops.drift issue`) against a fake `gh` (a test double) on PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pipeline_support
import pytest

HERE = Path(__file__).resolve().parent
TITLE = "spinops drift: production differs from its deployed revision"


class FakeGh(pipeline_support.FakeGh):
    def run(self, in_dir: Path) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))}
        env.update(
            **self.env(), GH_TOKEN="fake", GH_REPO="acme/spinnaker-config",
            GITHUB_SERVER_URL="https://github.com", GITHUB_REPOSITORY="acme/spinnaker-config", GITHUB_RUN_ID="42",
        )
        return subprocess.run(
            [sys.executable, "-m", "spinops.drift", "issue", "--in", str(in_dir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )


@pytest.fixture
def fake_gh(tmp_path):
    return FakeGh(tmp_path)


def reports(tmp_path: Path, **envs: str | None) -> Path:
    d = tmp_path / "drift"
    d.mkdir()
    for env, text in envs.items():
        (d / f"{env}.json").write_text(json.dumps({"env": env, "drift": text is not None}))
        (d / f"{env}.md").write_text(text or "No differences.\n")
    return d


LIST = ["issue", "list", "--label", "spinops-drift", "--state", "open", "--json", "number,title", "--limit", "100"]


def test_drift_opens_one_issue_with_the_report(fake_gh, tmp_path):
    fake_gh.on("issue", "list", stdout="[]")
    fake_gh.on("issue", "create", stdout="https://github.com/acme/spinnaker-config/issues/7\n")
    proc = fake_gh.run(reports(tmp_path, production="### Deployment/fiat\n```diff\n-cpu: 1\n+cpu: 2\n```\n"))
    assert proc.returncode == 0, proc.stderr
    calls = fake_gh.calls()
    assert [c["argv"] for c in calls] == [
        LIST,
        [
            "label",
            "create",
            "spinops-drift",
            "--color",
            "D93F0B",
            "--description",
            "The cluster differs from its deployed revision (spinops drift)",
            "--force",
        ],
        ["issue", "create", "--title", TITLE, "--label", "spinops-drift", "--body-file", calls[2]["argv"][-1]],
    ]
    body = calls[2]["body"]
    assert "+cpu: 2" in body and "https://github.com/acme/spinnaker-config/actions/runs/42" in body
    assert not Path(calls[2]["argv"][-1]).exists()  # the temporary body file is removed
    assert "opened https://github.com/acme/spinnaker-config/issues/7" in proc.stdout


def test_drift_updates_the_existing_issue_of_that_env_only(fake_gh, tmp_path):
    listed = [{"number": 3, "title": "spinops drift: staging differs from main"}, {"number": 9, "title": TITLE}]
    fake_gh.on("issue", "list", stdout=json.dumps(listed))
    proc = fake_gh.run(reports(tmp_path, production="changed\n"))
    assert proc.returncode == 0, proc.stderr
    argvs = [c["argv"] for c in fake_gh.calls()]
    assert argvs[1][:3] == ["issue", "edit", "9"] and len(argvs) == 2
    assert "updated #9" in proc.stdout


def test_no_drift_closes_the_open_issue_and_leaves_others(fake_gh, tmp_path):
    fake_gh.on("issue", "list", stdout=json.dumps([{"number": 9, "title": TITLE}]))
    proc = fake_gh.run(reports(tmp_path, production=None, staging=None))
    assert proc.returncode == 0, proc.stderr
    argvs = [c["argv"] for c in fake_gh.calls()]
    assert argvs == [
        LIST,
        [
            "issue",
            "close",
            "9",
            "--comment",
            "`spinops diff --live` finds no drift in production any more (compared with the deployed revision); "
            "closing.",
        ],
        LIST,
    ]
    assert "staging: in sync, no open drift issue" in proc.stdout


def test_a_huge_report_is_cut_below_the_issue_body_limit(fake_gh, tmp_path):
    fake_gh.on("issue", "list", stdout="[]")
    big = "```diff\n" + "".join(f"+line {i} " + "x" * 80 + "\n" for i in range(3000)) + "```\n"
    proc = fake_gh.run(reports(tmp_path, production=big))
    assert proc.returncode == 0, proc.stderr
    body = fake_gh.calls()[-1]["body"]
    assert len(body) < 65536 and "**Truncated**" in body and body.count("```") % 2 == 0


def test_gh_failure_fails_the_step(fake_gh, tmp_path):
    fake_gh.on("issue", "list", stderr="HTTP 403: Resource not accessible by integration\n", exit=1)
    proc = fake_gh.run(reports(tmp_path, production="changed\n"))
    assert proc.returncode == 1
    assert "Resource not accessible by integration" in proc.stderr


def test_no_reports_is_an_input_error(fake_gh, tmp_path):
    (tmp_path / "empty").mkdir()
    proc = fake_gh.run(tmp_path / "empty")
    assert proc.returncode == 2 and "no drift reports" in proc.stderr


def _drift_report(repo, env: dict, out) -> subprocess.CompletedProcess:
    """`python -m spinops.drift report --env staging` in `repo`, as the drift workflow runs it."""
    return subprocess.run(
        [sys.executable, "-m", "spinops.drift", "report", "--env", "staging", "--out", str(out)],
        cwd=repo, env=env, capture_output=True, text=True, timeout=120,
    )


def test_report_runs_the_live_diff_and_records_drift(repo, fake_kubectl, tmp_path):
    """`drift report` end to end through the real `spinops diff --live` and the fake kubectl (test double)."""
    from pipeline_support import FIAT_DIFF

    fake_kubectl.on("config", "current-context", stdout="gke_acme_europe-west1_spinnaker\n")
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    out = tmp_path / "drift"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_", "SPINOPS_"))}
    env.update(fake_kubectl.env())
    proc = _drift_report(repo, env, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads((out / "staging.json").read_text()) == {
        "drift": True,
        "env": "staging",
        "baseline": "main's build (no deployed revision is recorded in the cluster yet)",
        "revision": "",
    }
    report = (out / "staging.md").read_text()
    assert "fiat" in report
    diff_call = next(c for c in fake_kubectl.calls() if c["argv"][0] == "diff")
    assert diff_call["argv"][:3] == ["diff", "--server-side", "--field-manager=spinops"]

    fake_kubectl.rules[-1] = {"match": ["diff"], "diff": {"live": FIAT_DIFF["live"], "merged": FIAT_DIFF["live"]}}
    fake_kubectl.save()
    proc = _drift_report(repo, env, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads((out / "staging.json").read_text())["drift"] is False


def test_report_failure_is_recorded_for_the_issue_and_fails_the_step(repo, fake_kubectl, tmp_path):
    fake_kubectl.on("config", "current-context", stdout="ctx\n")
    fake_kubectl.on("diff", stderr="error: You must be logged in to the server (Unauthorized)\n", exit=2)
    out = tmp_path / "drift"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_", "SPINOPS_"))}
    env.update(fake_kubectl.env())
    proc = _drift_report(repo, env, out)
    assert proc.returncode == 2
    assert "the drift check of staging failed: spinops diff --live exited 2" in proc.stderr
    status = json.loads((out / "staging.json").read_text())
    assert status["drift"] is False and "You must be logged in to the server (Unauthorized)" in status["error"]


# --------------------------------------------------------------------------- scenarios: report, then issue


def drift_report(repo, fake_kubectl, out):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_", "SPINOPS_"))}
    env.update(fake_kubectl.env())
    return subprocess.run([sys.executable, "-m", "spinops.drift", "report", "--env", "staging", "--out", str(out)],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=120)


def deployed(repo, fake_kubectl):
    """A good deploy of the fixture's manifests: the revision record and its manifests land on the ApplySet parent."""
    from pipeline_support import CANARIES, run_cli

    fake_kubectl.on("config", "current-context", stdout="ctx\n")
    proc = run_cli(
        ["apply", "--env", "staging", "--commit", "c" * 40], cwd=repo, env={**fake_kubectl.env(), **CANARIES}
    )
    assert proc.returncode == 0, proc.stderr


def test_drift_after_a_hand_edit_opens_one_issue_and_closes_it_when_fixed(repo, fake_kubectl, fake_gh, tmp_path):
    from pipeline_support import FIAT_DIFF

    deployed(repo, fake_kubectl)
    # someone ran `kubectl edit deployment fiat`: the live object differs from the deployed revision
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    out = tmp_path / "run1" / "drift"
    proc = drift_report(repo, fake_kubectl, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    diff_call = next(c for c in fake_kubectl.calls() if c["argv"][0] == "diff")
    assert "--force-conflicts" in diff_call["argv"]  # a hand edit owns the fields: no conflict error, a diff
    status = json.loads((out / "staging.json").read_text())
    assert status["drift"] is True and status["revision"] == "c" * 40
    fake_gh.on("issue", "list", stdout="[]")
    assert fake_gh.run(out).returncode == 0
    created = [c for c in fake_gh.calls() if c["argv"][:2] == ["issue", "create"]]
    assert len(created) == 1
    body = created[0]["body"]
    assert f"its deployed revision `{'c' * 12}`" in body and "start the `deploy` workflow **on main**" in body
    assert "Do not re-run an old deploy run" in body and "re-run the `deploy` workflow" not in body

    # the next night: still drifting, the same issue is updated, no second one
    fake_gh.rules[0]["stdout"] = json.dumps(
        [{"number": 7, "title": "spinops drift: staging differs from its deployed revision"}]
    )
    fake_gh.script.write_text(json.dumps({"rules": fake_gh.rules}))
    assert fake_gh.run(out).returncode == 0
    assert [c["argv"][:3] for c in fake_gh.calls()][-1] == ["issue", "edit", "7"]
    assert len([c for c in fake_gh.calls() if c["argv"][:2] == ["issue", "create"]]) == 1

    # fixed (redeployed): no difference any more, the issue is closed
    fake_kubectl.rules[-1]["diff"] = {"live": FIAT_DIFF["merged"], "merged": FIAT_DIFF["merged"]}
    fake_kubectl.save()
    out2 = tmp_path / "run2" / "drift"
    assert drift_report(repo, fake_kubectl, out2).returncode == 0
    assert json.loads((out2 / "staging.json").read_text())["drift"] is False
    assert fake_gh.run(out2).returncode == 0
    assert fake_gh.calls()[-1]["argv"][:3] == ["issue", "close", "7"]


def test_drift_during_a_pending_approval_opens_nothing(repo, fake_kubectl, fake_gh, tmp_path):
    """main moved (fiat 9.9.9 waits for approval); the cluster still runs the deployed revision: that is no drift."""
    from pipeline_support import FIAT_DIFF, MANIFESTS

    deployed(repo, fake_kubectl)
    (repo / "build" / "staging" / "manifests.yaml").write_text(MANIFESTS.replace("fiat:2025.3.0", "fiat:9.9.9"))
    fake_kubectl.on("diff", when_stdin="fiat:9.9.9", diff=FIAT_DIFF)  # against main's build there would be a difference
    fake_kubectl.on("diff", diff={"live": FIAT_DIFF["live"], "merged": FIAT_DIFF["live"]})
    out = tmp_path / "drift"
    proc = drift_report(repo, fake_kubectl, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    diff_call = next(c for c in fake_kubectl.calls() if c["argv"][0] == "diff")
    assert "fiat:2025.3.0" in diff_call["stdin"] and "fiat:9.9.9" not in diff_call["stdin"]
    assert json.loads((out / "staging.json").read_text())["drift"] is False
    fake_gh.on("issue", "list", stdout="[]")
    assert fake_gh.run(out).returncode == 0
    assert [c["argv"][:2] for c in fake_gh.calls()] == [["issue", "list"]]  # nothing opened


def test_a_failed_drift_check_opens_an_issue_instead_of_staying_silent(repo, fake_kubectl, fake_gh, tmp_path):
    fake_kubectl.on("config", "current-context", stdout="ctx\n")
    fake_kubectl.on("get", "configmap", stderr="Error from server (Forbidden): configmaps is forbidden\n", exit=1)
    out = tmp_path / "drift"
    proc = drift_report(repo, fake_kubectl, out)
    assert proc.returncode == 2 and "the drift check of staging failed" in proc.stderr
    fake_gh.on("issue", "list", stdout="[]")
    assert fake_gh.run(out).returncode == 0
    (created,) = [c for c in fake_gh.calls() if c["argv"][:2] == ["issue", "create"]]
    assert "drift check of **staging** **failed**" in created["body"] and "configmaps is forbidden" in created["body"]
