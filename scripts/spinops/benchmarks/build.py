"""Benchmark: `spinops build --env production` as a whole process, and how its time splits.

Cases: the reference installation (issue 10: at most 0.6 s, unchanged within noise; most of it kustomize) and the
scaled halconfig of the render benchmark at N = 5,000 Kubernetes accounts (plus N/4 GitHub artifact
and N/4 Docker registry accounts), with a secrets.yml that declares every placeholder and file.
Each run is `python -m spinops build --format json`; the stage split (load, render, patch, wire,
serialize, bundle, kustomize, contract) is the median of the BuildResult.timings those same runs report (wall time);
cpu_s is the median CPU time (user + sys) of the whole process and its kubectl child.
Every run is a cold build: the kustomize cache (build/.cache/kustomize, spinops.kustomize_cache) is emptied
before each, so kubectl runs every time; a separate row measures the warm case (same inputs built again).
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from spinops.benchmarks._timing import compare_process, run_process
from spinops.benchmarks.render import generate_halconfig

ROOT = Path(__file__).resolve().parents[3]
STAGES = ("load", "render", "patch", "wire", "serialize", "bundle", "kustomize", "contract")
TARGET_S = 0.6  # issue 10: unchanged within noise, at most 0.6 s on the reference installation


def _copy_repo(dest: Path) -> Path:
    for d in ("halconfig", "kustomize"):
        shutil.copytree(ROOT / d, dest / d)
    return dest


def scaled_repo(dest: Path, n: int) -> Path:
    """The reference repository with its halconfig replaced by the render benchmark's N-account one."""
    repo = _copy_repo(dest)
    (repo / "halconfig" / "halconfig.yml").write_text(generate_halconfig(n))
    for f in (repo / "halconfig" / "env").glob("*.yml"):
        f.unlink()
    kube = [f"cluster-{i:04d}.kubeconfig" for i in range(n)]
    docker = [f"registry-{i:04d}.json" for i in range(n // 4)]
    secrets = {
        "secrets": {
            "spinnaker-github": {"source": "workflow", "env": [f"GITHUB_TOKEN_{i}" for i in range(min(10, n // 4))]},
            "spinnaker-oauth2": {"source": "workflow", "env": ["OAUTH2_CLIENT_ID", "OAUTH2_CLIENT_SECRET"]},
            "spinnaker-kubeconfigs": {"source": "external", "mountPath": "/var/secrets/kubeconfigs", "files": kube},
            "spinnaker-docker": {"source": "external", "mountPath": "/var/secrets/docker", "files": docker},
            "spinnaker-gcs": {"source": "external", "mountPath": "/var/secrets/gcs", "files": ["key.json"]},
        }
    }
    (repo / "halconfig" / "secrets.yml").write_text(json.dumps(secrets, indent=1))  # JSON is YAML
    return repo


def _cmd(repo: Path) -> list[str]:
    return [sys.executable, "-m", "spinops", "build", "--env", "production", "--repo", str(repo), "--format", "json"]


def _cold(repo: Path):
    return lambda: shutil.rmtree(repo / "build", ignore_errors=True)  # no kustomize cache, no previous output


def _row(name: str, repo: Path, runs: int, **extra) -> dict:
    """Cold builds of `repo` (beside the reference revision's with --against), and the stage split of this one's."""
    done = compare_process(_cmd(repo), runs, before=_cold(repo))
    timings = [json.loads(r.proc.stdout)["timings"] for r in done.now]
    row: dict[str, Any] = {"name": name, **done.fields()}
    for s in STAGES:
        row[f"{s}_s"] = statistics.median(t.get(s, 0.0) for t in timings)
    row["python_and_imports_s"] = row["median_s"] - sum(row[f"{s}_s"] for s in STAGES)
    row.update(extra)
    return row


def _warm_row(repo: Path, runs: int) -> dict:
    """The same inputs built again: the kustomize cache answers (kubectl does not run)."""
    run_process(_cmd(repo), 1)
    done = run_process(_cmd(repo), runs)
    kustomize = statistics.median(json.loads(r.proc.stdout)["timings"].get("kustomize", 0.0) for r in done)
    return {"name": "build --env production again, same inputs (kustomize cache hit)",
            "median_s": statistics.median(r.wall_s for r in done), "runs": runs,
            "cpu_s": statistics.median(r.cpu_s for r in done), "kustomize_s": kustomize}


def run(quick: bool = False) -> list[dict]:
    runs = 3 if quick else 7
    tmp = Path(tempfile.mkdtemp(prefix="spinops-bench-build-"))
    try:
        ref = _copy_repo(tmp / "reference")
        rows = [_row("build --env production (reference installation)", ref, runs, target_s=TARGET_S),
                _warm_row(ref, runs)]
        n = 1_000 if quick else 5_000
        big = scaled_repo(tmp / f"n{n}", n)
        row = _row(f"build --env production N={n:,}", big, max(3, runs // 2))
        row["manifests_bytes"] = (big / "build" / "production" / "manifests.yaml").stat().st_size
        rows.append(row)
        return rows
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    for r in run(quick="--quick" in sys.argv):
        print(json.dumps(r, sort_keys=True))
