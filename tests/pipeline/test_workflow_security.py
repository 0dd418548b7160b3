"""No job that runs a pull request's code can obtain a cloud credential or a write token (issue 13 item 1).

The rule, read from GitHub's documentation:
- `pull_request` and `merge_group` runs check out the PR's merge commit by default (`actions/checkout` with no
  `ref`: GITHUB_SHA, "the last merge commit on the GITHUB_REF branch", events-that-trigger-workflows.md);
  `pull_request_target` and `workflow_run` run the default branch's workflow and check it out by default, but a
  `ref:` naming the PR's head brings its code in ("Secure use reference", "Understanding the risks of untrusted
  code checkout"; GitHub Security Lab, "Preventing pwn requests").
- A job that checks out PR code and then runs anything of the repository (`run:` steps: nox, pip install, python
  -m spinops, scripts; or a local action `uses: ./...`) runs PR code.
- Such a job must hold no cloud credential (`id-token: write`, a cloud login action, a `secrets.*` other than the
  automatic GITHUB_TOKEN, a deployment `environment:` with its secrets) and no write scope at all.
- Dependabot PRs are same-repository PRs whose token is read-only and whose secrets are Dependabot secrets
  ("Automating Dependabot with GitHub Actions", "Responding to events"): a job that holds an OIDC token must not run
  for them (`live` in pr.yml checks the actor and the PR's author).

The checker reads every workflow; the same checker flags the pr.yml of commit 2759d9d (frozen in
tests/fixtures/workflows/), whose `live` job ran `nox` from the merge commit after authenticating to GKE.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from spinops_testlib import FIXTURES, ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PR_TRIGGERS = {"pull_request", "pull_request_target", "merge_group", "workflow_run"}
#: triggers whose default checkout (no `ref:`) is the PR's code
DEFAULT_CHECKOUT_IS_PR = {"pull_request", "merge_group"}
#: `ref:` values that name the base / default branch, never the PR
TRUSTED_REFS = {
    "${{ github.event.pull_request.base.sha }}",
    "${{ github.event.merge_group.base_sha }}",
    "${{ github.event.repository.default_branch }}",
    "${{ github.base_ref }}",
}
CLOUD_LOGIN = ("google-github-actions/auth@", "aws-actions/configure-aws-credentials@", "azure/login@")


def load(path: Path) -> dict:
    wf = yaml.safe_load(path.read_text())
    wf["on"] = wf.pop(True, wf.get("on"))  # YAML 1.1 reads the key `on` as true
    return wf


def triggers(wf: dict) -> set[str]:
    on = wf["on"]
    return set(on) if isinstance(on, dict) else {on} if isinstance(on, str) else set(on)


def checks_out_pr_code(step: dict, events: set[str]) -> bool:
    if not str(step.get("uses", "")).startswith("actions/checkout@"):
        return False
    ref = (step.get("with") or {}).get("ref")
    repository = (step.get("with") or {}).get("repository")
    if repository not in (None, "${{ github.repository }}"):
        return True  # another repository (a fork's): never trusted
    if ref is None:
        return bool(events & DEFAULT_CHECKOUT_IS_PR)
    ref = " ".join(str(ref).split())
    # trusted: the base SHA, the default branch, or a literal branch of the repository; anything else (head.sha,
    # head_ref, workflow_run.head_sha, github.sha of a PR...) is the PR's
    base = ref in TRUSTED_REFS or ("${{" not in ref and re.fullmatch(r"[A-Za-z0-9._/-]+", ref))
    return not base


def runs_pr_code(job: dict, events: set[str]) -> bool:
    """A PR-code checkout followed by any step that runs something from the workspace."""
    checked_out = False
    for step in job.get("steps") or []:
        if checks_out_pr_code(step, events):
            checked_out = True
        elif checked_out and ("run" in step or str(step.get("uses", "")).startswith("./")):
            return True
    return False


def credentials(job: dict, wf: dict) -> list[str]:
    """Why this job could obtain a cloud credential or a write token (empty: it cannot)."""
    found = []
    perms = job.get("permissions", wf.get("permissions"))
    if perms is None:
        found.append("no `permissions:` (the repository default may grant write)")
    elif perms == "write-all":
        found.append("permissions: write-all")
    elif isinstance(perms, dict):
        found += [f"permissions: {scope}: write" for scope, level in sorted(perms.items()) if level == "write"]
    steps = job.get("steps") or []
    found += [f"uses {s['uses'].split('@')[0]}" for s in steps if str(s.get("uses", "")).startswith(CLOUD_LOGIN)]
    secrets = set(re.findall(r"secrets\.([A-Za-z0-9_]+)", yaml.safe_dump(job))) - {"GITHUB_TOKEN"}
    found += [f"secrets.{name}" for name in sorted(secrets)]
    if job.get("environment"):
        found.append("environment: (its secrets)")
    return found


def violations(path: Path) -> dict[str, list[str]]:
    """job id -> why, for every job of the workflow that runs PR code and could get a credential."""
    wf = load(path)
    events = triggers(wf)
    if not events & PR_TRIGGERS:
        return {}
    out = {}
    for name, job in (wf.get("jobs") or {}).items():
        if runs_pr_code(job, events) and (why := credentials(job, wf)):
            out[name] = why
    return out


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_job_that_runs_pr_code_can_get_a_credential_or_a_write_token(path):
    assert violations(path) == {}


def test_the_checker_flags_the_live_job_of_2759d9d():
    """pr.yml before this change: `live` ran `nox` from the merge commit with `id-token: write` and the GCP login."""
    found = violations(FIXTURES / "workflows" / "pr-2759d9d.yml")
    assert set(found) == {"live"}
    assert found["live"] == ["permissions: id-token: write", "uses google-github-actions/auth"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pr.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        # the live job checking out the PR's merge commit (no ref) or its head
        ("          ref: ${{ github.event.pull_request.base.sha }}\n", "", "permissions: id-token: write"),
        (
            "ref: ${{ github.event.pull_request.base.sha }}",
            "ref: ${{ github.event.pull_request.head.sha }}",
            "permissions: id-token: write",
        ),
        # the PR-code diff job gaining a credential or a write scope
        (
            "      contents: read # check out the PR's merge commit and its parents\n    strategy:",
            "      contents: read # check out the PR's merge commit and its parents\n      id-token: write\n"
            "    strategy:",
            "permissions: id-token: write",
        ),
        (
            "      contents: read # check out the PR's merge commit and its parents\n    strategy:",
            "      contents: read # check out the PR's merge commit and its parents\n      pull-requests: write\n"
            "    strategy:",
            "permissions: pull-requests: write",
        ),
        ("        run: nox -s pr\n", "        run: nox -s pr\n        env:\n          T: ${{ secrets.SLACK_TOKEN }}\n",
         "secrets.SLACK_TOKEN"),
    ],
    ids=["live-merge-commit", "live-head", "diff-id-token", "diff-pr-write", "diff-secret"],
)
def test_the_checker_flags_each_way_back(tmp_path, old, new, why):
    text = (ROOT / ".github" / "workflows" / "pr.yml").read_text()
    assert old in text
    found = violations(write(tmp_path, text.replace(old, new, 1)))
    assert any(why in reasons for reasons in found.values()), found


def test_the_live_job_runs_base_code_only_and_never_for_forks_or_dependabot():
    pr = load(ROOT / ".github" / "workflows" / "pr.yml")
    live = pr["jobs"]["live"]
    cond = " ".join(live["if"].split())
    for clause in (
        "github.event_name == 'pull_request'",
        "github.event.pull_request.head.repo.full_name == github.repository",
        "github.event.pull_request.base.ref == github.event.repository.default_branch",
        "github.actor != 'dependabot[bot]'",
        "github.event.pull_request.user.login != 'dependabot[bot]'",
    ):
        assert clause in cond
    assert "||" not in cond  # every clause must hold
    [checkout] = [s for s in live["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    # no cache a PR job could have written; the artifact lands outside the workspace and only spinops.artifact reads
    # it (validated as data), before any credential exists
    assert not any(s.get("uses", "").startswith("actions/cache@") for s in live["steps"])
    steps = live["steps"]
    download = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/download-artifact@"))
    assert steps[download]["with"]["path"] == "${{ runner.temp }}/untrusted-manifests"
    readers = [s["run"] for s in steps if "untrusted-manifests" in s.get("run", "")]
    assert readers == ['nox -s live_input --no-install -- --in "${RUNNER_TEMP}/untrusted-manifests"']
    auth = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("google-github-actions/auth@"))
    install = next(i for i, s in enumerate(steps) if s.get("run", "").endswith("--install-only"))
    assert install < download < auth
    # every nox run after the install installs nothing (the lock was installed before the artifact arrived)
    assert all("--no-install" in s["run"] for s in steps[install + 1 :] if s.get("run", "").startswith("nox"))
    # the cluster is the one the BASE declares for the environment, not a matrix value the PR's plan job wrote
    gke = next(s for s in steps if s.get("uses", "").startswith("google-github-actions/get-gke-credentials@"))
    assert gke["with"]["cluster_name"] == "${{ vars[steps.input.outputs.cluster_var] }}"


PRIVILEGED_TRIGGERS = {"workflow_run", "pull_request_target"}


def privileged_code(path: Path) -> dict[str, str]:
    """Jobs of a workflow_run / pull_request_target workflow that hold a write scope and run repository code of
    any branch (a checkout followed by a run step or a local action). Such a job gets its write token also for fork
    PRs, so it must run nothing of the repository: a default-branch file can load PR-controlled data as code."""
    wf = load(path)
    if not triggers(wf) & PRIVILEGED_TRIGGERS:
        return {}
    out = {}
    for name, job in (wf.get("jobs") or {}).items():
        checked_out = False
        for step in job.get("steps") or []:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                checked_out = True
            elif checked_out and ("run" in step or str(step.get("uses", "")).startswith("./")):
                if credentials(job, wf):
                    out[name] = f"runs repository code with {', '.join(credentials(job, wf))}"
                break
    return out


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_privileged_trigger_job_runs_repository_code(path):
    assert privileged_code(path) == {}


def test_the_privileged_check_flags_the_comment_stage_of_2759d9d():
    """pr-comment.yml before issue 12 item 7: it checked out the default branch and ran `nox -s comment` with
    `pull-requests: write` on a workflow_run."""
    found = privileged_code(FIXTURES / "workflows" / "pr-comment-2759d9d.yml")
    assert found == {"comment": "runs repository code with permissions: pull-requests: write"}
