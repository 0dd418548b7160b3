"""`spinops apply` against the fake kubectl (a test double): exact commands, order, pruning scope,
secret handling and failure paths. The CLI runs as a real subprocess, as a workflow runs it."""

from __future__ import annotations

import base64
import json

from pipeline_support import CANARIES, FIAT_DIFF, run_cli

APPLY_MAIN = [
    "apply",
    "--server-side",
    "--field-manager=spinops",
    "--force-conflicts",
    "--prune",
    "--applyset=configmaps/spinops-staging",
    "--namespace",
    "spinnaker",
    "-f",
    "build/staging/manifests.yaml",
]
DIFF = ["diff", "--server-side", "--field-manager=spinops", "--force-conflicts", "-f", "-"]
PART_OF = "applyset.kubernetes.io/part-of"
SECRETS_APPLY = [
    "apply",
    "--server-side",
    "--field-manager=spinops",
    "--force-conflicts",
    "--namespace",
    "spinnaker",
    "-f",
    "-",
]
GET_PARENT = ["get", "configmap", "spinops-staging", "--namespace", "spinnaker", "--ignore-not-found", "-o", "json"]
RECORD = ["apply", "--server-side", "--field-manager=spinops-revision", "--force-conflicts", "-f", "-"]
RECORD_GOOD = ["apply", "--server-side", "--field-manager=spinops-last-good", "--force-conflicts", "-f", "-"]




def apply_env(fake, **extra):
    return {**fake.env(), **CANARIES, **extra}


def test_apply_runs_the_exact_commands_in_order(repo, fake_kubectl):
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    fake_kubectl.on(
        "apply",
        "--applyset=configmaps/spinops-staging",
        stdout="deployment.apps/fiat serverside-applied\nconfigmap/fiat-config-old pruned\n",
    )
    proc = run_cli(["apply", "--env", "staging"], cwd=repo, env=apply_env(fake_kubectl))
    assert proc.returncode == 0, proc.stderr
    calls = fake_kubectl.calls()
    assert [c["argv"] for c in calls] == [
        DIFF,
        GET_PARENT,
        SECRETS_APPLY,
        APPLY_MAIN,
        RECORD,
        ["rollout", "status", "deployment/fiat", "--namespace", "spinnaker", "--timeout=10m"],
        RECORD,
        RECORD_GOOD,
    ]
    # only the main apply runs with ApplySet enabled; the differ is ours
    assert [c["env"].get("KUBECTL_APPLYSET") for c in calls] == [None, None, None, "true", None, None, None, None]
    assert calls[0]["env"]["KUBECTL_EXTERNAL_DIFF"].endswith("spinops-plan-differ")
    # the plan diffs the manifests as the ApplySet apply sends them: every object labelled as a member
    diffed = json.loads(calls[0]["stdin"])["items"]
    assert [(d["kind"], d["metadata"]["name"]) for d in diffed] == [
        ("ConfigMap", "fiat-config-7h2k9"), ("Service", "gate"), ("Deployment", "fiat"), ("Deployment", "gate")
    ]
    assert {d["metadata"]["labels"][PART_OF] for d in diffed} == {
        "applyset-emd4U-tc8z05xAKtM-S8D3BsaquO8NYpWqrQCyJCzSg-v1"
    }
    assert diffed[2]["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "spinops"
    assert "create  ConfigMap/fiat-config-7h2k9" in proc.stdout
    assert "change  Deployment/fiat" in proc.stdout
    assert "prune   configmap/fiat-config-old" in proc.stdout
    assert "Deployment/gate" not in proc.stdout.split("Changes for")[1]  # unchanged: no rollout wait


def test_pruning_is_scoped_to_our_applyset_only(repo, fake_kubectl):
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    proc = run_cli(["apply", "--env", "staging"], cwd=repo, env=apply_env(fake_kubectl))
    assert proc.returncode == 0, proc.stderr
    prune_calls = [c for c in fake_kubectl.calls() if "--prune" in c["argv"]]
    assert len(prune_calls) == 1
    argv = prune_calls[0]["argv"]
    for broad in ("--all", "-l", "--selector", "--prune-allowlist", "-A", "--all-namespaces"):
        assert broad not in argv
    assert not any(a.startswith(("--selector=", "-l=", "--prune-allowlist=")) for a in argv)
    assert "--applyset=configmaps/spinops-staging" in argv and argv[argv.index("--namespace") + 1] == "spinnaker"
    # the Secrets are applied without --prune/--applyset, so the ApplySet never prunes them
    secret_call = next(c for c in fake_kubectl.calls() if c["argv"] == SECRETS_APPLY)
    assert not any(a.startswith("--applyset") or a == "--prune" for a in secret_call["argv"])


def test_secret_values_reach_only_kubectl_stdin(repo, fake_kubectl, tmp_path):
    summary = tmp_path / "summary.md"
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    env = apply_env(fake_kubectl, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    proc = run_cli(["apply", "--env", "staging"], cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr
    calls = fake_kubectl.calls()
    forms = {v for v in CANARIES.values()} | {base64.b64encode(v.encode()).decode() for v in CANARIES.values()}
    forms |= {ln for v in CANARIES.values() for ln in v.splitlines()}
    for c in calls:
        for f in forms:
            assert not any(f in a for a in c["argv"]), "secret in argv"
            assert f not in json.dumps({k: v for k, v in c["env"].items()}), "secret in kubectl's environment"
    # stdout: only on the ::add-mask:: lines, which the runner consumes; never in stderr or the summary
    for line in proc.stdout.splitlines():
        if any(f in line for f in forms):
            assert line.startswith("::add-mask::"), line
    assert not any(f in proc.stderr for f in forms)
    assert not any(f in summary.read_text() for f in forms)
    masked = [ln for ln in proc.stdout.splitlines() if ln.startswith("::add-mask::")]
    assert "::add-mask::CANARY-signing%0Asecret-second-line-7777" in masked  # escaped per toolkit
    assert "::add-mask::CANARY-signing" in masked and "::add-mask::secret-second-line-7777" in masked  # line by line
    # the one place the values go: the Secret manifest on kubectl's stdin, base64 in `data`
    secret_stdin = json.loads(next(c for c in calls if c["argv"] == SECRETS_APPLY)["stdin"])
    by_name = {i["metadata"]["name"]: i for i in secret_stdin["items"]}
    assert sorted(by_name) == ["spinnaker-github", "spinnaker-slack"]  # external Secrets are not ours to create
    slack = by_name["spinnaker-slack"]
    assert {k: base64.b64decode(v).decode() for k, v in slack["data"].items()} == {
        "SLACK_BOT_TOKEN": CANARIES["SLACK_BOT_TOKEN"],
        "SLACK_SIGNING_SECRET": CANARIES["SLACK_SIGNING_SECRET"],
    }
    assert slack["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "spinops",
        "app.kubernetes.io/part-of": "spinnaker",
    }
    assert all(c["stdin"] == "" for c in calls if c["argv"] not in (SECRETS_APPLY, DIFF, RECORD, RECORD_GOOD))
    # the revision record holds no secret either (checked above for every call's stdin except the Secrets')
    assert all(f not in c["stdin"] for c in calls if c["argv"] != SECRETS_APPLY for f in forms)


def test_kubectl_output_that_echoes_a_secret_is_masked(repo, fake_kubectl):
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    leak = (
        f'The Secret "spinnaker-github" is invalid: data[GITHUB_TOKEN]: {CANARIES["GITHUB_TOKEN"]} '
        + base64.b64encode(CANARIES["SLACK_BOT_TOKEN"].encode()).decode()
    )
    fake_kubectl.on("apply", "-", stderr=leak + "\n", exit=1)
    proc = run_cli(["apply", "--env", "staging"], cwd=repo, env=apply_env(fake_kubectl))
    assert proc.returncode == 1
    assert "applying the workflow Secrets failed" in proc.stderr
    out = proc.stdout + proc.stderr
    assert "The Secret \"spinnaker-github\" is invalid: data[GITHUB_TOKEN]: ***" in out
    assert not any(v in out for v in CANARIES.values())
    assert base64.b64encode(CANARIES["SLACK_BOT_TOKEN"].encode()).decode() not in out
    assert [c["argv"][0] for c in fake_kubectl.calls()] == ["diff", "get", "apply"]  # stopped before the manifests


def test_missing_env_var_is_an_input_error_before_any_kubectl_call(repo, fake_kubectl):
    # SLACK_SIGNING_SECRET is empty, as GitHub sets it when the environment secret does not exist
    env = {**fake_kubectl.env(), "GITHUB_TOKEN": CANARIES["GITHUB_TOKEN"], "SLACK_SIGNING_SECRET": ""}
    proc = run_cli(["apply", "--env", "staging"], cwd=repo, env=env)
    assert proc.returncode == 2
    assert "environment variable SLACK_BOT_TOKEN is not set (or empty)" in proc.stderr
    assert "environment variable SLACK_SIGNING_SECRET is not set (or empty)" in proc.stderr
    assert "spinnaker-slack" in proc.stderr and "Traceback" not in proc.stderr
    assert fake_kubectl.calls() == []


def test_missing_manifests_is_an_input_error(repo, fake_kubectl):
    proc = run_cli(["apply", "--env", "production"], cwd=repo, env=apply_env(fake_kubectl))
    assert proc.returncode == 2
    assert "build/production/manifests.yaml does not exist" in proc.stderr
    assert "spinops build --env production" in proc.stderr
    assert fake_kubectl.calls() == []


def test_apply_error_stops_before_rollouts(repo, fake_kubectl, tmp_path):
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    fake_kubectl.on(
        "--applyset=configmaps/spinops-staging",
        stderr='Error from server (Forbidden): deployments.apps "fiat" is forbidden\n',
        exit=1,
    )
    proc = run_cli(
        ["apply", "--env", "staging"],
        cwd=repo,
        env=apply_env(fake_kubectl, GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md")),
    )
    assert proc.returncode == 1
    assert "kubectl apply of build/staging/manifests.yaml failed (exit 1)" in proc.stderr
    assert (
        'deployments.apps "fiat" is forbidden' in proc.stdout and 'deployments.apps "fiat" is forbidden' in proc.stderr
    )
    assert not any(c["argv"][0] == "rollout" for c in fake_kubectl.calls())
    summary = (tmp_path / "summary.md").read_text()
    assert "| change | `Deployment/fiat` |" in summary and 'is forbidden' in summary


def test_rollout_timeout_names_the_deployment_and_its_events(repo, fake_kubectl, tmp_path):
    summary = tmp_path / "summary.md"
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    fake_kubectl.on(
        "rollout",
        "deployment/fiat",
        stdout='Waiting for deployment "fiat" rollout to finish: 1 old replicas are pending termination...\n',
        stderr="error: timed out waiting for the condition\n",
        exit=1,
    )
    events = (
        "LAST SEEN   TYPE      REASON              OBJECT            MESSAGE\n"
        + "".join(
            f"{i}m         Normal    ScalingReplicaSet   deployment/fiat   Scaled up replica set fiat-{i}\n"
            for i in range(14)
        )
        + "1m          Warning   ProgressDeadline    deployment/fiat   ReplicaSet fiat-9 has timed out progressing\n"
    )
    fake_kubectl.on("get", "events", stdout=events)
    proc = run_cli(
        ["apply", "--env", "staging", "--rollout-timeout", "90s"],
        cwd=repo,
        env=apply_env(fake_kubectl, GITHUB_STEP_SUMMARY=str(summary)),
    )
    assert proc.returncode == 1
    assert "rollout of Deployment/fiat did not complete within 90s" in proc.stderr
    assert "ReplicaSet fiat-9 has timed out progressing" in proc.stderr
    assert "LAST SEEN" in proc.stderr and "fiat-4\n" not in proc.stderr  # header + the last 10 events only
    argvs = [c["argv"] for c in fake_kubectl.calls()]
    assert argvs[-3:] == [
        ["rollout", "status", "deployment/fiat", "--namespace", "spinnaker", "--timeout=90s"],
        [
            "get",
            "events",
            "--namespace",
            "spinnaker",
            "--field-selector",
            "involvedObject.name=fiat",
            "--sort-by=.lastTimestamp",
        ],
        RECORD,
    ]
    assert (
        json.loads(fake_kubectl.calls()[-1]["stdin"])["metadata"]["annotations"]["spinops.io/revision-status"]
        == "failed"
    )
    assert "| `Deployment/fiat` | **failed** |" in summary.read_text()


def test_unknown_plan_waits_for_every_workload(repo, fake_kubectl):
    # kubectl diff fails on a first install (namespace missing): apply anyway, then wait for all workloads
    fake_kubectl.on("diff", stderr='Error from server (NotFound): namespaces "spinnaker" not found\n', exit=2)
    proc = run_cli(["apply", "--env", "staging"], cwd=repo, env=apply_env(fake_kubectl))
    assert proc.returncode == 0, proc.stderr
    rollouts = [c["argv"][2] for c in fake_kubectl.calls() if c["argv"][0] == "rollout"]
    assert sorted(rollouts) == ["deployment/fiat", "deployment/gate"]  # started together: any order
    assert "create/change unknown: kubectl diff exited 2" in proc.stdout


def test_namespace_objects_are_applied_before_the_secrets(repo, fake_kubectl):
    path = repo / "build" / "staging" / "manifests.yaml"
    path.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: spinnaker\n---\n" + path.read_text())
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    proc = run_cli(["apply", "--env", "staging"], cwd=repo, env=apply_env(fake_kubectl))
    assert proc.returncode == 0, proc.stderr
    calls = fake_kubectl.calls()
    assert calls[2]["argv"] == ["apply", "--server-side", "--field-manager=spinops", "-f", "-"]
    assert json.loads(calls[2]["stdin"])["items"] == [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "spinnaker"}}
    ]
    assert calls[3]["argv"] == SECRETS_APPLY


CONTEXT = ["config", "current-context"]


def test_dry_run_prints_the_plan_and_mutates_nothing(repo, fake_kubectl):
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    fake_kubectl.on(
        "--dry-run=server",
        stdout="configmap/fiat-config-7h2k9 serverside-applied (server dry run)\ndeployment.apps/echo-worker pruned "
               "(server dry run)\n",
    )
    fake_kubectl.on("get", "secret", stdout="secret/spinnaker-github\n")
    proc = run_cli(["apply", "--env", "staging", "--dry-run"], cwd=repo, env=apply_env(fake_kubectl))
    assert proc.returncode == 0, proc.stderr
    argvs = [c["argv"] for c in fake_kubectl.calls()]
    assert argvs == [
        CONTEXT,  # first, as `diff --live`: no context, no plan
        DIFF,
        APPLY_MAIN[:4] + ["--dry-run=server"] + APPLY_MAIN[4:],
        GET_PARENT,
        [
            "get",
            "secret",
            "spinnaker-github",
            "spinnaker-slack",
            "--namespace",
            "spinnaker",
            "--ignore-not-found",
            "-o",
            "name",
        ],
    ]
    # read-only: context, diff, server dry run, gets; never rollout; stdin only for the diff (no Secrets there)
    assert [bool(c["stdin"]) for c in fake_kubectl.calls()] == [False, True, False, False, False]
    assert "Secret" not in fake_kubectl.calls()[1]["stdin"]
    plan = proc.stdout[proc.stdout.index("Plan for staging"):]
    assert plan.splitlines() == [
        "Plan for staging (namespace spinnaker):",
        "  create  ConfigMap/fiat-config-7h2k9",
        "  change  Deployment/fiat",
        "  prune   deployment.apps/echo-worker",
        "  secret  spinnaker-github (update; from the workflow: GITHUB_TOKEN=***)",
        "  secret  spinnaker-slack (create; from the workflow: SLACK_BOT_TOKEN=***, SLACK_SIGNING_SECRET=***)",
    ]
    assert not any(v in proc.stdout + proc.stderr for v in CANARIES.values())


def test_dry_run_needs_no_secret_values_and_says_which_would_be_set(repo, fake_kubectl):
    """Issue 16.6: a plan on a laptop, where the workflow's secrets are not in the environment."""
    fake_kubectl.on("diff", diff=FIAT_DIFF)
    fake_kubectl.on("get", "secret", stdout="")
    env = {**fake_kubectl.env(), "SLACK_BOT_TOKEN": CANARIES["SLACK_BOT_TOKEN"]}  # one of three keys set
    proc = run_cli(["apply", "--env", "staging", "--dry-run"], cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr
    assert (
        "  secret  spinnaker-github (create; from the workflow: GITHUB_TOKEN=(not set: apply would stop))"
        in proc.stdout
    )
    assert ("  secret  spinnaker-slack (create; from the workflow: SLACK_BOT_TOKEN=***, "
            "SLACK_SIGNING_SECRET=(not set: apply would stop))") in proc.stdout
    assert CANARIES["SLACK_BOT_TOKEN"] not in proc.stdout + proc.stderr
    # the real apply still refuses to run without them (exit 2, before any kubectl call)
    proc = run_cli(["apply", "--env", "staging"], cwd=repo, env=env)
    assert proc.returncode == 2 and "GITHUB_TOKEN is not set" in proc.stderr


def test_dry_run_checks_the_kube_context_first(repo, fake_kubectl):
    fake_kubectl.on(*CONTEXT, stderr="error: current-context is not set\n", exit=1)
    # no secret values either
    proc = run_cli(["apply", "--env", "staging", "--dry-run"], cwd=repo, env=fake_kubectl.env())
    assert proc.returncode == 2
    assert (
        "no Kubernetes cluster configured: `kubectl config current-context` says: error: current-context is not set"
        in proc.stderr
    )
    assert "hint: set KUBECONFIG" in proc.stderr and "Traceback" not in proc.stderr
    assert [c["argv"] for c in fake_kubectl.calls()] == [CONTEXT]


def test_dry_run_fails_when_the_plan_cannot_be_made(repo, fake_kubectl):
    fake_kubectl.on("diff", stderr="error: You must be logged in to the server (Unauthorized)\n", exit=1 + 1)
    proc = run_cli(["apply", "--env", "staging", "--dry-run"], cwd=repo, env=apply_env(fake_kubectl))
    assert proc.returncode == 1
    assert "cannot make a plan: kubectl diff failed (exit 2)" in proc.stderr
    assert [c["argv"][0] for c in fake_kubectl.calls()] == ["config", "diff"]


def test_empty_manifests_are_refused_instead_of_pruning_everything(repo, fake_kubectl):
    (repo / "build" / "staging" / "manifests.yaml").write_text("# kustomize produced nothing\n")
    proc = run_cli(["apply", "--env", "staging"], cwd=repo, env=apply_env(fake_kubectl))
    assert proc.returncode == 2 and "contain no resources" in proc.stderr
    assert fake_kubectl.calls() == []


def test_bad_secrets_yml_is_an_input_error_with_its_position(repo, fake_kubectl):
    (repo / "halconfig" / "secrets.yml").write_text(
        "secrets:\n  spinnaker-github:\n    source: workflow\n    env: [GITHUB_TOKEN]\n"
        "  spinnaker-kube:\n    source: workflow\n    mountPath: /var/secrets/kube\n    files: [prod.kubeconfig]\n"
    )
    proc = run_cli(["apply", "--env", "staging"], cwd=repo, env=apply_env(fake_kubectl))
    assert proc.returncode == 2
    assert (
        "halconfig/secrets.yml:8:" in proc.stderr and "not `files:`" in proc.stderr and "Traceback" not in proc.stderr
    )
    (repo / "halconfig" / "secrets.yml").write_text("secrets:\n  spinnaker-github: [\n")
    proc = run_cli(["apply", "--env", "staging"], cwd=repo, env=apply_env(fake_kubectl))
    assert proc.returncode == 2 and "halconfig/secrets.yml:" in proc.stderr and "Traceback" not in proc.stderr
    assert fake_kubectl.calls() == []
