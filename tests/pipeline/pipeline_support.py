"""Shared by the pipeline tests: sample inputs, the fake kubectl handle (a test double), the CLI runner.

A uniquely named module (not conftest) so imports stay unambiguous in the whole suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent

MANIFESTS = textwrap.dedent(
    """\
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: fiat-config-7h2k9
      namespace: spinnaker
      labels: {app.kubernetes.io/managed-by: spinops, app.kubernetes.io/part-of: spinnaker, spinops.io/service: fiat}
    data:
      fiat.yml: "server:\\n  port: 7003\\n"
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: gate
      namespace: spinnaker
      labels: {app.kubernetes.io/managed-by: spinops, app.kubernetes.io/part-of: spinnaker, spinops.io/service: gate}
    spec:
      selector: {app.kubernetes.io/name: gate}
      ports: [{port: 8084, targetPort: 8084}]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: fiat
      namespace: spinnaker
      labels: {app.kubernetes.io/managed-by: spinops, app.kubernetes.io/part-of: spinnaker, spinops.io/service: fiat}
    spec:
      selector: {matchLabels: {app.kubernetes.io/name: fiat}}
      template:
        metadata: {labels: {app.kubernetes.io/name: fiat}}
        spec:
          containers:
          - name: fiat
            image: us-docker.pkg.dev/spinnaker-community/docker/fiat:2025.3.0
            resources: {limits: {cpu: "2"}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: gate
      namespace: spinnaker
      labels: {app.kubernetes.io/managed-by: spinops, app.kubernetes.io/part-of: spinnaker, spinops.io/service: gate}
    spec:
      selector: {matchLabels: {app.kubernetes.io/name: gate}}
      template:
        metadata: {labels: {app.kubernetes.io/name: gate}}
        spec:
          containers:
          - name: gate
            image: us-docker.pkg.dev/spinnaker-community/docker/gate:2025.3.0
    """
)

SECRETS = textwrap.dedent(
    """\
    secrets:
      spinnaker-github:
        source: workflow
        env: [GITHUB_TOKEN]
      spinnaker-slack:
        source: workflow
        env: [SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET]
      spinnaker-kubeconfigs:
        source: external
        mountPath: /var/secrets/kubeconfigs
        files: [prod.kubeconfig]
    """
)

CANARIES = {
    "GITHUB_TOKEN": "ghp_CANARY0github0token0value0123456789",
    "SLACK_BOT_TOKEN": "xoxb-CANARY-slack-bot-token-4242",
    "SLACK_SIGNING_SECRET": "CANARY-signing\nsecret-second-line-7777",
}


class FakeKubectl:
    """Handle on the test double: script its answers, read back what it was asked."""

    def __init__(self, tmp: Path):
        self.dir = tmp / "fake-kubectl"
        self.dir.mkdir()
        self.log = self.dir / "calls.jsonl"
        self.script = self.dir / "script.json"
        self.wrapper = self.dir / "kubectl"
        self.wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} {HERE / 'fake_kubectl.py'} \"$@\"\n")
        self.wrapper.chmod(0o755)
        self.rules: list[dict] = []
        # a configured kubeconfig: `kubectl config current-context` names a context unless a test's own rule says
        # otherwise
        self.defaults = [{"match": ["config", "current-context"], "stdout": "fake-context\n", "stderr": ""}]
        self.save()

    def on(self, *match: str, stdout: str = "", stderr: str = "", exit: int | None = None, diff: dict | None = None,
           when_applied: str | None = None, when_stdin: str | None = None) -> None:
        rule: dict = {"match": list(match), "stdout": stdout, "stderr": stderr}
        if exit is not None:
            rule["exit"] = exit
        if diff is not None:
            rule["diff"] = diff
        if when_applied is not None:
            rule["when_applied"] = when_applied
        if when_stdin is not None:
            rule["when_stdin"] = when_stdin
        self.rules.append(rule)
        self.save()

    def state(self) -> dict:
        """What the stateful part of the double holds (FAKE_KUBECTL_STATE): applied files, revision ConfigMaps."""
        path = self.dir / "state.json"
        return json.loads(path.read_text()) if path.exists() and path.read_text() else {}

    def save(self) -> None:
        self.script.write_text(json.dumps({"rules": self.rules + self.defaults}))

    def calls(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def env(self) -> dict[str, str]:
        return {
            "SPINOPS_KUBECTL": str(self.wrapper),
            "FAKE_KUBECTL_LOG": str(self.log),
            "FAKE_KUBECTL_SCRIPT": str(self.script),
            "FAKE_KUBECTL_STATE": str(self.dir / "state.json"),
        }


class FakeGh:
    """Handle on the fake `gh` (fake_gh.py, a test double) put first on PATH: script its answers, read its calls."""

    def __init__(self, tmp: Path):
        self.bin = tmp / "bin"
        self.bin.mkdir()
        (self.bin / "gh").write_text(f"#!/bin/sh\nexec {sys.executable} {HERE / 'fake_gh.py'} \"$@\"\n")
        (self.bin / "gh").chmod(0o755)
        self.log, self.script = tmp / "gh.jsonl", tmp / "gh-script.json"
        self.rules: list[dict] = []
        self.script.write_text('{"rules": []}')

    def on(self, *match: str, stdout: str = "", stderr: str = "", exit: int = 0) -> None:
        self.rules.append({"match": list(match), "stdout": stdout, "stderr": stderr, "exit": exit})
        self.script.write_text(json.dumps({"rules": self.rules}))

    def calls(self) -> list[dict]:
        return [json.loads(ln) for ln in self.log.read_text().splitlines()] if self.log.exists() else []

    def env(self) -> dict[str, str]:
        return {
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "FAKE_GH_LOG": str(self.log),
            "FAKE_GH_SCRIPT": str(self.script),
        }


def run_cli(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The real `spinops` CLI in a subprocess with a scrubbed environment (no real credentials)."""
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "SLACK_", "FAKE_", "SPINOPS_", "RUNNER_"))
    }
    base.pop("GH_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "spinops", *args],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )

def obj(kind: str, name: str, extra: str = "") -> str:
    api = "apps/v1" if kind == "Deployment" else "v1"
    return f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: spinnaker\n{extra}"


# fiat's Deployment changes (CPU limit), a new ConfigMap is created, gate is unchanged
FIAT_DIFF = {
    "live": {
        "apps.v1.Deployment.spinnaker.fiat": obj("Deployment", "fiat", "spec: {cpu: '1'}\n"),
        "apps.v1.Deployment.spinnaker.gate": obj("Deployment", "gate"),
        "v1.Service.spinnaker.gate": obj("Service", "gate"),
    },
    "merged": {
        "apps.v1.Deployment.spinnaker.fiat": obj("Deployment", "fiat", "spec: {cpu: '2'}\n"),
        "apps.v1.Deployment.spinnaker.gate": obj("Deployment", "gate"),
        "v1.Service.spinnaker.gate": obj("Service", "gate"),
        "v1.ConfigMap.spinnaker.fiat-config-7h2k9": obj("ConfigMap", "fiat-config-7h2k9"),
    },
}


COMMENT_STEP_ENV = {"GH_TOKEN", "GH_REPO", "RUN_HEAD_SHA", "RUN_PULL_REQUESTS", "REPORT_DIR"}


def comment_stage_script(root: Path) -> str:
    """The `run:` script of pr-comment.yml's one step (it runs no repository code, so the test runs its text)."""
    import yaml

    wf = yaml.safe_load((root / ".github" / "workflows" / "pr-comment.yml").read_text())
    [step] = [s for s in wf["jobs"]["comment"]["steps"] if "run" in s]
    assert set(step["env"]) == COMMENT_STEP_ENV, step["env"]
    return step["run"]


def run_comment_stage(
    root: Path, report_dir: Path, env: dict, *, head_sha: str, pull_requests: list | None = None
) -> subprocess.CompletedProcess:
    """pr-comment.yml's step as GitHub runs it (`bash -e {0}`), with the env its `env:` block sets; `gh` must be
    the fake on env's PATH."""
    full = {
        **env,
        "GH_TOKEN": env.get("GH_TOKEN", "gh-token"),
        "RUN_HEAD_SHA": head_sha,
        "RUN_PULL_REQUESTS": json.dumps(pull_requests or []),
        "REPORT_DIR": str(report_dir),
    }
    script = report_dir.parent / f".{report_dir.name}-comment-step.sh"
    script.write_text(comment_stage_script(root))
    # GitHub's command for a `run:` without `shell:` on Linux: `bash -e {0}` (workflow syntax, `defaults.run.shell`)
    return subprocess.run(
        ["bash", "-e", str(script)],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )
