"""The commands `spinops apply` sends (recorded by the fake kubectl) are accepted by the REAL pinned kubectl.

No API server exists here, so each recorded command is replayed against a kubeconfig whose server is a
closed port: kubectl must get as far as dialing it. A flag it rejects ("unknown flag", "--prune is in
alpha ...", "--applyset requires --prune") fails before any connection is made, so this catches them.
"""

from __future__ import annotations

import subprocess

import pytest
from pipeline_support import CANARIES, FIAT_DIFF, run_cli

from spinops.tools import kubectl

KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: dead, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: u, user: {token: not-a-real-token}}]
contexts: [{name: dead, context: {cluster: dead, user: u, namespace: spinnaker}}]
current-context: dead
"""


def recorded_commands(repo, fake) -> list[dict]:
    fake.on("config", "current-context", stdout="dead\n")
    fake.on("diff", diff=FIAT_DIFF)
    fake.on("--dry-run=server", stdout="deployment.apps/old pruned (server dry run)\n")
    fake.on("rollout", exit=1)
    proc = run_cli(["apply", "--env", "staging", "--dry-run"], cwd=repo, env={**fake.env(), **CANARIES})
    assert proc.returncode == 0, proc.stderr
    proc = run_cli(["apply", "--env", "staging"], cwd=repo, env={**fake.env(), **CANARIES})
    assert proc.returncode == 1, proc.stderr  # the rollout "failed", so the events call is recorded too
    return fake.calls()


def test_real_kubectl_accepts_every_recorded_command(repo, fake_kubectl, tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    calls = recorded_commands(repo, fake_kubectl)
    kinds = {tuple(c["argv"][:2]) for c in calls}
    assert kinds >= {
        ("diff", "--server-side"),
        ("apply", "--server-side"),
        ("get", "secret"),
        ("rollout", "status"),
        ("get", "events"),
        ("get", "configmap"),
    }
    assert any("--field-manager=spinops-revision" in c["argv"] for c in calls)  # the revision record
    for call in calls:
        env = {"KUBECONFIG": str(kubeconfig), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
        if call["env"].get("KUBECTL_APPLYSET"):
            env["KUBECTL_APPLYSET"] = call["env"]["KUBECTL_APPLYSET"]
        proc = subprocess.run(
            [kubectl(), *call["argv"]],
            cwd=repo,
            input=call["stdin"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        err = proc.stderr
        if call["argv"][:1] == ["config"]:  # reads the kubeconfig only: no server to dial
            assert (proc.returncode, proc.stdout) == (0, "dead\n"), (call["argv"], err)
            continue
        assert proc.returncode != 0
        assert "127.0.0.1:9" in err and ("connection refused" in err or "connect:" in err), (call["argv"], err)
        for usage in ("unknown flag", "alpha", "requires", "cannot be used", "invalid argument"):
            assert usage not in err, (call["argv"], err)


@pytest.mark.parametrize(
    ("argv", "applyset_env"),
    [
        # the alternative we did not pick: label-selector pruning is refused together with server-side apply
        (
            [
                "apply",
                "--server-side",
                "--prune",
                "-l",
                "app.kubernetes.io/managed-by=spinops",
                "-f",
                "build/staging/manifests.yaml",
            ],
            "true",
        ),
        # --applyset is unknown unless KUBECTL_APPLYSET=true is in kubectl's environment
        (["apply", "--server-side", "--prune", "--applyset=configmaps/x", "-f", "build/staging/manifests.yaml"], None),
    ],
)
def test_the_replay_catches_flags_kubectl_rejects(repo, tmp_path, argv, applyset_env):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    env = {"KUBECONFIG": str(kubeconfig), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    if applyset_env:
        env["KUBECTL_APPLYSET"] = applyset_env
    proc = subprocess.run([kubectl(), *argv], cwd=repo, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode != 0 and "127.0.0.1:9" not in proc.stderr, proc.stderr


def test_applyset_label_matches_what_real_kubectl_puts_on_members(repo, tmp_path):
    """The plan diffs the manifests with the ApplySet member label; its value must be kubectl's own."""
    import yaml
    from fake_apiserver import FakeApiServer

    from spinops.kube.applyset import APPLYSET_PART_OF, applyset_id

    with FakeApiServer() as api:
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(api.kubeconfig())
        env = {
            "KUBECONFIG": str(kubeconfig),
            "HOME": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "KUBECTL_APPLYSET": "true",
        }
        args = [
            "apply",
            "--prune",
            "--applyset=configmaps/spinops-staging",
            "--namespace",
            "spinnaker",
            "--dry-run=client",
            "--validate=false",
            "-o",
            "yaml",
        ]
        proc = subprocess.run(
            [kubectl(), *args, "-f", "build/staging/manifests.yaml"],
            cwd=repo,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    assert proc.returncode == 0, proc.stderr
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    docs = [i for d in docs for i in (d.get("items") or [d])]
    assert len(docs) == 4
    assert {d["metadata"]["labels"][APPLYSET_PART_OF] for d in docs} == {applyset_id("spinops-staging", "spinnaker")}
