"""Deploy scenarios end to end: the real `spinops` CLI, a real git repository, the fake kubectl (a test
double that keeps the ApplySet parent's revision record and the applied files between calls).

What the deploy workflow does per environment: a plan job (`spinops apply --dry-run --plan-out`, shown in
the job summary before anyone approves), then the approved job (`spinops apply --plan`) that applies that
plan unchanged or refuses. Re-running a workflow run keeps its GITHUB_SHA (GitHub docs, "Re-running
workflows and jobs"), which is what the old-run scenarios reproduce with `--commit`.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from pipeline_support import CANARIES, FIAT_DIFF, MANIFESTS, obj, run_cli

PLAN = "plan.json"


def git(repo, *args) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def commit(repo, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def main_repo(repo):
    """The pipeline fixture repo as a git repository whose origin/main is its HEAD (as actions/checkout fetches it)."""
    git(repo, "init", "-q", "-b", "main")
    sha = commit(repo, "first")
    git(repo, "update-ref", "refs/remotes/origin/main", sha)
    return repo


def env(fake, tmp_path, **extra):
    return {**fake.env(), **CANARIES, "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), **extra}


def plan(repo, fake, tmp_path, *extra):
    return run_cli(
        ["apply", "--env", "staging", "--dry-run", "--plan-out", PLAN, "--main-ref", "origin/main", *extra],
        cwd=repo,
        env=env(fake, tmp_path),
    )


def apply_plan(repo, fake, tmp_path, *extra):
    return run_cli(
        ["apply", "--env", "staging", "--plan", PLAN, "--main-ref", "origin/main", *extra],
        cwd=repo,
        env=env(fake, tmp_path),
    )


def mutations(fake) -> list[list[str]]:
    """Calls that change the cluster (anything but diff, get and server-side dry runs)."""
    return [
        c["argv"]
        for c in fake.calls()
        if c["argv"][0] not in ("config", "diff", "get") and "--dry-run=server" not in c["argv"]
    ]


def test_a_plan_is_shown_then_applied_unchanged(main_repo, fake_kubectl, tmp_path):
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    fake_kubectl.on("--dry-run=server", stdout="deployment.apps/kayenta pruned (server dry run)\n")
    proc = plan(main_repo, fake_kubectl, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert mutations(fake_kubectl) == []
    saved = json.loads((main_repo / PLAN).read_text())
    head = git(main_repo, "rev-parse", "HEAD")
    assert (saved["commit"], saved["main"], saved["rollback"]) == (head, head, False)
    assert saved["manifests"] == MANIFESTS and saved["prune"] == ["deployment.apps/kayenta"]
    summary = (tmp_path / "summary.md").read_text()
    assert f"plan `{saved['digest'][:12]}`" in summary and "| change | `Deployment/fiat` |" in summary
    assert "**1 object(s) will be DELETED**" in summary and "`deployment.apps/kayenta`" in summary

    # the build changes after the plan (say a later step rebuilt it): the approved job applies the PLAN's manifests
    (main_repo / "build" / "staging" / "manifests.yaml").write_text(MANIFESTS.replace("fiat:2025.3.0", "fiat:9.9.9"))
    fake_kubectl.on(
        "apply", "--applyset=configmaps/spinops-staging", stdout="deployment.apps/fiat serverside-applied\n"
    )
    proc = apply_plan(main_repo, fake_kubectl, tmp_path)
    assert proc.returncode == 0, proc.stderr
    applied = [
        c
        for c in fake_kubectl.calls()
        if "--applyset=configmaps/spinops-staging" in c["argv"] and "--dry-run=server" not in c["argv"]
    ]
    assert len(applied) == 1 and applied[0]["file"] == MANIFESTS
    assert (
        f"Commit `{head[:12]}`" in (tmp_path / "summary.md").read_text()
        and "applied unchanged" in (tmp_path / "summary.md").read_text()
    )
    # the revision is recorded on the ApplySet parent, and `spinops status` prints it
    parent = fake_kubectl.state()["configmaps"]["spinops-staging"]["metadata"]["annotations"]
    assert parent["spinops.io/revision"] == head and parent["spinops.io/revision-status"] == "good"
    assert parent["spinops.io/last-good-revision"] == head and parent["spinops.io/applied-at"].endswith("Z")
    status = run_cli(["status", "--env", "staging"], cwd=main_repo, env=fake_kubectl.env())
    assert status.returncode == 0, status.stderr
    assert f"revision   {head}  good  applied {parent['spinops.io/applied-at']}" in status.stdout
    assert "rollback copy stored" in status.stdout
    # -o writes the same report to a file (atomically), as every report command does; stdout stays empty
    out = tmp_path / "status.json"
    as_file = run_cli(
        ["status", "--env", "staging", "--format", "json", "-o", str(out)], cwd=main_repo, env=fake_kubectl.env()
    )
    assert as_file.returncode == 0 and as_file.stdout == "", as_file.stderr
    assert json.loads(out.read_text())["env"] == "staging" and head in out.read_text()


def test_a_plan_is_refused_when_the_cluster_moved_after_approval(main_repo, fake_kubectl, tmp_path):
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    assert plan(main_repo, fake_kubectl, tmp_path).returncode == 0
    # someone `kubectl edit`s fiat while the plan waits for approval: same objects, different live state
    hand_edited = {
        **FIAT_DIFF,
        "live": {
            **FIAT_DIFF["live"],
            "apps.v1.Deployment.spinnaker.fiat": obj("Deployment", "fiat", "spec: {cpu: '4'}\n"),
        },
    }
    fake_kubectl.rules[0]["diff"] = hand_edited
    fake_kubectl.save()
    proc = apply_plan(main_repo, fake_kubectl, tmp_path)
    assert proc.returncode == 1
    assert "outdated plan: re-run on main (the cluster changed since the plan was made" in proc.stderr
    assert mutations(fake_kubectl) == [] and "Traceback" not in proc.stderr
    assert "**Refused**: outdated plan: re-run on main" in (tmp_path / "summary.md").read_text()


def test_a_plan_is_refused_when_an_object_appeared_to_prune(main_repo, fake_kubectl, tmp_path):
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    assert plan(main_repo, fake_kubectl, tmp_path).returncode == 0
    fake_kubectl.on("--dry-run=server", stdout="service/rogue pruned (server dry run)\n")
    proc = apply_plan(main_repo, fake_kubectl, tmp_path)
    assert proc.returncode == 1 and "now also prune service/rogue" in proc.stderr
    assert mutations(fake_kubectl) == []


def test_a_plan_is_refused_when_main_moved_after_approval(main_repo, fake_kubectl, tmp_path):
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    assert plan(main_repo, fake_kubectl, tmp_path).returncode == 0
    first = git(main_repo, "rev-parse", "HEAD")
    (main_repo / "halconfig" / "note.txt").write_text("a newer merge\n")
    newer = commit(main_repo, "newer")
    git(main_repo, "update-ref", "refs/remotes/origin/main", newer)
    proc = apply_plan(main_repo, fake_kubectl, tmp_path)
    assert proc.returncode == 1
    assert f"outdated plan: re-run on main (main moved from {first[:12]} to {newer[:12]}" in proc.stderr
    assert fake_kubectl.calls()[-1]["argv"][0] != "apply" and mutations(fake_kubectl) == []


def test_a_rerun_of_an_old_run_is_refused_before_any_kubectl_call(main_repo, fake_kubectl, tmp_path):
    old = git(main_repo, "rev-parse", "HEAD")
    (main_repo / "halconfig" / "note.txt").write_text("merged later\n")
    newer = commit(main_repo, "newer")
    git(main_repo, "update-ref", "refs/remotes/origin/main", newer)
    git(main_repo, "checkout", "-q", old)  # the re-run checks out its original GITHUB_SHA
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    proc = plan(main_repo, fake_kubectl, tmp_path)
    assert proc.returncode == 1
    assert f"refusing to deploy {old[:12]}: main is at {newer[:12]}" in proc.stderr
    assert fake_kubectl.calls() == [] and not (main_repo / PLAN).exists()


def test_a_rollback_dispatch_applies_an_older_ref_and_names_what_it_prunes(main_repo, fake_kubectl, tmp_path):
    old = git(main_repo, "rev-parse", "HEAD")
    (main_repo / "halconfig" / "note.txt").write_text("added kayenta\n")
    newer = commit(main_repo, "kayenta on")
    git(main_repo, "update-ref", "refs/remotes/origin/main", newer)
    git(main_repo, "checkout", "-q", old)  # the dispatch's rollback ref
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    fake_kubectl.on(
        "--dry-run=server",
        stdout="deployment.apps/kayenta pruned (server dry run)\nservice/kayenta pruned (server dry run)\n",
    )
    proc = plan(main_repo, fake_kubectl, tmp_path, "--rollback")
    assert proc.returncode == 0, proc.stderr
    summary = (tmp_path / "summary.md").read_text()
    assert f"**Rollback** to `{old[:12]}` (main at `{newer[:12]}`)" in summary
    assert "**2 object(s) will be DELETED**" in summary and "| **DELETE** | `service/kayenta` |" in summary
    fake_kubectl.on(
        "apply",
        "--applyset=configmaps/spinops-staging",
        stdout="deployment.apps/kayenta pruned\nservice/kayenta pruned\n",
    )
    proc = apply_plan(main_repo, fake_kubectl, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (
        fake_kubectl.state()["configmaps"]["spinops-staging"]["metadata"]["annotations"]["spinops.io/revision"] == old
    )


def test_a_rollback_to_a_commit_outside_mains_history_is_refused(main_repo, fake_kubectl, tmp_path):
    git(main_repo, "checkout", "-q", "-b", "side")
    (main_repo / "halconfig" / "note.txt").write_text("never merged\n")
    side = commit(main_repo, "side")
    proc = plan(main_repo, fake_kubectl, tmp_path, "--rollback")
    assert proc.returncode == 1 and f"rollback refused: {side[:12]} is not a commit of main's history" in proc.stderr
    assert fake_kubectl.calls() == []


BROKEN = MANIFESTS.replace("fiat:2025.3.0", "fiat:does-not-exist")


def deploy_twice(repo, fake, tmp_path, *extra):
    """A good release, then a broken one whose fiat rollout fails (only while the broken manifests are applied)."""
    fake.on("diff", diff=FIAT_DIFF)
    fake.on(
        "rollout",
        "deployment/fiat",
        stderr="error: timed out waiting for the condition\n",
        exit=1,
        when_applied="fiat:does-not-exist",
    )
    fake.on(
        "get",
        "events",
        stdout="LAST SEEN   TYPE      REASON   OBJECT         MESSAGE\n1m   Warning   Failed   pod/fiat-x   "
               "ErrImagePull\n",
    )
    assert (
        run_cli(["apply", "--env", "staging", "--commit", "a" * 40], cwd=repo, env=env(fake, tmp_path)).returncode == 0
    )
    (repo / "build" / "staging" / "manifests.yaml").write_text(BROKEN)
    return run_cli(["apply", "--env", "staging", "--commit", "b" * 40, *extra], cwd=repo, env=env(fake, tmp_path))


@pytest.mark.parametrize("configured", ["spinops.yml", "flag"])
def test_a_failed_rollout_rolls_back_to_the_last_good_revision_when_configured(
    repo, fake_kubectl, tmp_path, configured
):
    if configured == "spinops.yml":  # the environment asks for it in its settings file
        (repo / "kustomize" / "overlays" / "staging").mkdir(parents=True)
        (repo / "kustomize" / "overlays" / "staging" / "spinops.yml").write_text(
            'kubernetesVersion: "1.36"\nrollbackOnFailure: true\n'
        )
    proc = deploy_twice(repo, fake_kubectl, tmp_path, *(["--rollback-on-failure"] if configured == "flag" else []))
    assert proc.returncode == 1
    assert "rollout of Deployment/fiat did not complete within 10m" in proc.stderr and "ErrImagePull" in proc.stderr
    assert f"rolled back to the last good revision {'a' * 12}" in proc.stderr
    # the good release's exact manifests were re-applied with pruning, and its rollout completed
    assert fake_kubectl.state()["applied"] == [MANIFESTS, BROKEN, MANIFESTS]
    ann = fake_kubectl.state()["configmaps"]["spinops-staging"]["metadata"]["annotations"]
    assert (ann["spinops.io/revision"], ann["spinops.io/revision-status"], ann["spinops.io/last-good-revision"]) == (
        "a" * 40,
        "rolled-back",
        "a" * 40,
    )


def test_a_failed_rollout_without_rollback_says_how_to_roll_back_by_hand(repo, fake_kubectl, tmp_path):
    proc = deploy_twice(repo, fake_kubectl, tmp_path)
    assert proc.returncode == 1 and "rolled back" not in proc.stderr
    assert fake_kubectl.state()["applied"] == [MANIFESTS, BROKEN]
    ann = fake_kubectl.state()["configmaps"]["spinops-staging"]["metadata"]["annotations"]
    assert (ann["spinops.io/revision"], ann["spinops.io/revision-status"], ann["spinops.io/last-good-revision"]) == (
        "b" * 40,
        "failed",
        "a" * 40,
    )
    summary = (tmp_path / "summary.md").read_text()
    assert f"gh workflow run deploy.yml -f rollback_ref={'a' * 40}" in summary


def test_rollouts_run_in_parallel_under_one_deadline(repo, fake_kubectl, tmp_path):
    """Each rollout waits until the other one has started: sequential waits would fail both (exit 3 from the double)."""
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    fake_kubectl.on("diff", stderr="first install\n", exit=2)  # unknown plan: every workload is waited for
    wrapper = fake_kubectl.wrapper.read_text()
    # a shell-level barrier in front of the double: rollout X touches X and waits (bounded) for the other one
    fake_kubectl.wrapper.write_text(
        wrapper.replace(
            "exec ",
            f'if [ "$1" = rollout ]; then n=$(basename "$3"); touch {barrier}/$n; i=0; '
            f'while [ "$(ls {barrier} | wc -l)" -lt 2 ]; do i=$((i+1)); [ $i -gt 600 ] && exit 3; sleep 0.05; done; '
            'fi\nexec ',
            1,
        )
    )
    proc = run_cli(["apply", "--env", "staging", "--rollout-timeout", "4m"], cwd=repo, env=env(fake_kubectl, tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rollouts = [c["argv"] for c in fake_kubectl.calls() if c["argv"][0] == "rollout"]
    assert sorted(r[2] for r in rollouts) == ["deployment/fiat", "deployment/gate"]
    assert {r[-1] for r in rollouts} == {"--timeout=4m"}
    assert "rollout: 2 workload(s) in parallel, deadline 4m" in proc.stdout
