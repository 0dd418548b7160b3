"""`spinops diff --live`: the thin kubectl seam, driven through a kubectl test double on SPINOPS_KUBECTL
(the pipeline tests' fake kubectl: scripted answers, every call recorded)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from diff_helpers import configmap, deployment, secret, write_kubectl_dir

from spinops_testlib import ROOT

sys.path.insert(0, str(ROOT / "tests" / "pipeline"))
from pipeline_support import FakeKubectl  # noqa: E402  (the one kubectl test double)


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    (root / "build" / "production").mkdir(parents=True)
    (root / "build" / "production" / "manifests.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: spinnaker\n"
    )
    return root


def _files(directory: str) -> dict[str, str]:
    return {f.name: f.read_text(encoding="utf-8") for f in sorted(Path(directory).iterdir())}


def run_live(
    spinops,
    repo,
    tmp_path,
    *args,
    FAKE_KUBECTL_CONTEXT=None,
    FAKE_KUBECTL_DIFF_RC="0",
    FAKE_KUBECTL_STDERR="",
    FAKE_KUBECTL_LIVE=None,
    FAKE_KUBECTL_MERGED=None,
):
    """Run `spinops diff --live` against the fake kubectl: no context configured unless one is given;
    `diff` either runs the external differ on the LIVE/MERGED directories or answers with an exit code."""
    kubectl = FakeKubectl(tmp_path)
    if FAKE_KUBECTL_CONTEXT:
        kubectl.on("config", "current-context", stdout=FAKE_KUBECTL_CONTEXT + "\n")
    else:
        kubectl.on("config", "current-context", stderr="error: current-context is not set\n", exit=1)
    if FAKE_KUBECTL_LIVE and FAKE_KUBECTL_MERGED:
        kubectl.on("diff", diff={"live": _files(FAKE_KUBECTL_LIVE), "merged": _files(FAKE_KUBECTL_MERGED)})
    else:
        kubectl.on("diff", stderr=FAKE_KUBECTL_STDERR, exit=int(FAKE_KUBECTL_DIFF_RC))
    p = spinops("diff", "--live", "--env", "production", *args, cwd=repo, env=kubectl.env())
    calls = [
        {
            "argv": c["argv"],
            "stdin": c["stdin"],
            "external_diff": c["env"].get("KUBECTL_EXTERNAL_DIFF"),
            "spinops_env": {k: v for k, v in c["env"].items() if k.startswith("SPINOPS_DIFF_")},
        }
        for c in kubectl.calls()
    ]
    return p, calls


def test_no_cluster_configured_says_so_and_exits_2(spinops, repo, tmp_path):
    p, calls = run_live(spinops, repo, tmp_path)
    assert p.returncode == 2
    assert "no Kubernetes cluster configured" in p.stderr and "current-context is not set" in p.stderr
    assert [c["argv"] for c in calls] == [["config", "current-context"]]


def test_invocation_and_external_diff_setting(spinops, repo, tmp_path):
    p, calls = run_live(
        spinops, repo, tmp_path, "--force-conflicts", FAKE_KUBECTL_CONTEXT="gke_prod", FAKE_KUBECTL_DIFF_RC="0"
    )
    assert p.returncode == 0, p.stderr
    diff_call = calls[1]
    assert diff_call["argv"] == ["diff", "--server-side", "--field-manager=spinops", "--force-conflicts", "-f", "-"]
    # the build as `spinops apply` sends it: every object a member of the environment's ApplySet
    (sent,) = json.loads(diff_call["stdin"])["items"]
    assert sent["metadata"]["name"] == "x"
    assert sent["metadata"]["labels"]["applyset.kubernetes.io/part-of"].startswith("applyset-")
    ext = diff_call["external_diff"]
    assert " " not in ext and os.path.basename(ext) == "spinops-external-diff"
    assert not os.path.exists(ext)  # the wrapper lived in a temp dir that is gone
    assert (
        diff_call["spinops_env"]["SPINOPS_DIFF_FORMAT"] == "text"
        and diff_call["spinops_env"]["SPINOPS_DIFF_ENV"] == "production"
    )


@pytest.mark.parametrize("rc", [1, 2, 5])
def test_kubectl_exit_codes_pass_through(spinops, repo, tmp_path, rc):
    p, _ = run_live(
        spinops,
        repo,
        tmp_path,
        FAKE_KUBECTL_CONTEXT="ctx",
        FAKE_KUBECTL_DIFF_RC=str(rc),
        FAKE_KUBECTL_STDERR="error: from kubectl\n",
    )
    assert p.returncode == rc
    assert "error: from kubectl" in p.stderr


def test_kubectl_runs_spinops_as_the_differ_on_its_directories(spinops, repo, tmp_path):
    canary = "CANARY-never-in-output-31337"
    live = write_kubectl_dir(tmp_path / "live", [deployment("fiat", cpu="1"), secret("s", {"k": canary})])
    merged = write_kubectl_dir(
        tmp_path / "merged",
        [deployment("fiat", cpu="2"), secret("s", {"k": canary + "-rotated"}), configmap("new", {"a": "b"})],
    )
    out = tmp_path / "comment.md"
    p, calls = run_live(
        spinops, repo, tmp_path, "--format", "markdown", "--output", str(out),
        FAKE_KUBECTL_CONTEXT="ctx", FAKE_KUBECTL_LIVE=str(live), FAKE_KUBECTL_MERGED=str(merged),
    )
    assert p.returncode == 1, p.stderr
    md = out.read_text()
    assert md.startswith("<!-- spinops-live-diff:production -->")
    assert (
        "+            cpu: '2'" in md
        and "+  k: '*** (after)'" in md
        and "added <code>ConfigMap spinnaker/new</code>" in md
    )
    assert canary not in md and canary not in p.stdout and canary not in p.stderr
    assert calls[1]["spinops_env"]["SPINOPS_DIFF_OUTPUT"] == str(out)


def test_missing_manifests_exit_2(spinops, tmp_path):
    p, _ = run_live(spinops, tmp_path, tmp_path, FAKE_KUBECTL_CONTEXT="ctx")
    assert p.returncode == 2 and "spinops build --env production" in p.stderr


def test_objects_the_apply_would_delete_are_shown_first_and_count_as_a_difference(spinops, repo, tmp_path):
    """kubectl diff has no ApplySet support (kubernetes/kubectl#1435): the prune preview adds what apply deletes."""
    kubectl = FakeKubectl(tmp_path)
    kubectl.on("config", "current-context", stdout="ctx\n")
    kubectl.on("diff", diff={"live": {}, "merged": {}})  # nothing changes in the objects the build still renders
    kubectl.on(
        "--dry-run=server",
        stdout="configmap/x serverside-applied (server dry run)\ndeployment.apps/kayenta pruned (server dry run)\n",
    )
    out = tmp_path / "comment.md"
    p = spinops(
        "diff",
        "--live",
        "--env",
        "production",
        "--format",
        "markdown",
        "--output",
        str(out),
        cwd=repo,
        env=kubectl.env(),
    )
    assert p.returncode == 1, p.stderr
    md = out.read_text()
    assert md.startswith(
        "<!-- spinops-live-diff:production -->\n> [!CAUTION]\n> **1 object(s) will be DELETED** by the apply"
    )
    assert "`deployment.apps/kayenta`" in md
    prune = kubectl.calls()[-1]
    assert prune["argv"] == [
        "apply",
        "--server-side",
        "--field-manager=spinops",
        "--force-conflicts",
        "--dry-run=server",
        "--prune",
        "--applyset=configmaps/spinops-production",
        "--namespace",
        "spinnaker",
        "-f",
        "build/production/manifests.yaml",
    ]
    assert prune["env"]["KUBECTL_APPLYSET"] == "true"
    # as text on stdout, and skipped on request
    p = spinops("diff", "--live", "--env", "production", cwd=repo, env=kubectl.env())
    assert (
        p.returncode == 1
        and "!!! 1 object(s) will be DELETED" in p.stdout
        and "  - deployment.apps/kayenta" in p.stdout
    )
    p = spinops("diff", "--live", "--env", "production", "--no-prunes", cwd=repo, env=kubectl.env())
    assert p.returncode == 0 and "DELETED" not in p.stdout


def test_live_diff_takes_over_conflicts_by_default_as_apply_does(spinops, repo, tmp_path):
    """After a `kubectl edit`, a server-side dry run without --force-conflicts fails on the conflict instead of
    showing it."""
    p, calls = run_live(spinops, repo, tmp_path, FAKE_KUBECTL_CONTEXT="ctx")
    assert "--force-conflicts" in calls[1]["argv"]
    (tmp_path / "again").mkdir()
    p, calls = run_live(spinops, repo, tmp_path / "again", "--no-force-conflicts", FAKE_KUBECTL_CONTEXT="ctx")
    assert "--force-conflicts" not in calls[1]["argv"]
