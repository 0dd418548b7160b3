"""Benchmark: `spinops apply` as a whole process on the reference production build, and workflow lint.

No cluster exists here, so kubectl is the test double tests/pipeline/fake_kubectl.py (a Python
process per call, ~40 ms each, which is in the figures; a real kubectl against GKE costs more per
call but the call count is the same). Cases:
- apply_dry_run: inputs, the plan (kubectl diff with the spinops plan differ over every object as
  a first install), the prune dry run, the Secret lookup;
- apply_first_install: the same plan, Secrets, apply, and one rollout status per Deployment;
- zizmor_workflows: `zizmor --offline --strict-collection` on .github (what `nox -s lint` runs).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from spinops.benchmarks._timing import Compared, compare_process, run_process
from spinops.manifests import load_documents

ROOT = Path(__file__).resolve().parents[3]
FAKE = ROOT / "tests" / "pipeline" / "fake_kubectl.py"
VALUES = {
    "GITHUB_TOKEN": "b1",
    "GITHUB_TEAMS_TOKEN": "b2",
    "SLACK_TOKEN": "b3",
    "OAUTH2_CLIENT_ID": "b4",
    "OAUTH2_CLIENT_SECRET": "b5",
}


def _median(cmd: list[str], env: dict, runs: int, cwd: Path, before=None) -> dict:
    return compare_process(cmd, runs, env=env, cwd=cwd, before=before, warmup=False).fields()


def _kubectl_diff_name(d: dict) -> str:
    """Key of an object in the fake kubectl diff script: apiVersion (dotted), kind, namespace, name."""
    meta = d["metadata"]
    return f"{d['apiVersion'].replace('/', '.')}.{d['kind']}.{meta.get('namespace', '')}.{meta['name']}"


def run(quick: bool = False) -> list[dict]:
    runs = 3 if quick else 7
    rows = []
    with tempfile.TemporaryDirectory(prefix="spinops-bench-pipeline-") as tmp_name:
        tmp = Path(tmp_name)
        out = tmp / "build"
        subprocess.run(
            [sys.executable, "-m", "spinops", "build", "--env", "production", "--out", str(out)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        manifests = out / "manifests.yaml"
        docs = load_documents(manifests.read_text())
        merged = {_kubectl_diff_name(d): yaml.safe_dump(d) for d in docs}
        script = tmp / "script.json"
        # apply first asks kubectl for the current context (a cluster is configured), then diffs
        rules = [{"match": ["config", "current-context"], "stdout": "bench-context\n"},
                 {"match": ["diff"], "diff": {"live": {}, "merged": merged}}]
        script.write_text(json.dumps({"rules": rules}))
        wrapper = tmp / "kubectl"
        wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} {FAKE} \"$@\"\n")
        wrapper.chmod(0o755)
        log = tmp / "calls.jsonl"
        env = {
            **os.environ,
            **VALUES,
            "SPINOPS_KUBECTL": str(wrapper),
            "FAKE_KUBECTL_SCRIPT": str(script),
            "FAKE_KUBECTL_LOG": str(log),
        }
        env.pop("GITHUB_ACTIONS", None)
        env.pop("GITHUB_STEP_SUMMARY", None)
        base = [sys.executable, "-m", "spinops", "apply", "--env", "production", "--manifests", str(manifests)]

        def reset():
            log.unlink(missing_ok=True)

        for name, extra in (("apply_dry_run", ["--dry-run"]), ("apply_first_install", [])):
            med = _median(base + extra, env, runs, ROOT, reset)
            calls = len(log.read_text().splitlines())
            rows.append(
                {"name": f"{name} (reference production, {len(docs)} objects)", **med, "kubectl_calls": calls}
            )

    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    if zizmor:
        env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN")}
        cmd = [zizmor, "--offline", "--strict-collection", ".github/workflows", ".github/dependabot.yml"]
        done = Compared(run_process(cmd, runs, env=env, cwd=ROOT))  # not spinops: no reference revision
        rows.append({"name": "zizmor --offline on .github", **done.fields()})
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
