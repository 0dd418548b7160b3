"""Benchmark: the whole PR pipeline for one environment (production) on the reference installation.

A temporary git repository holds the reference installation (this checkout's halconfig/ and
kustomize/) on main and, like GitHub's refs/pull/N/merge, a merge commit adding the Fiat CPU change.
- pr_report: `python -m spinops.pr report` (what `nox -s pr` runs): build head and base (in parallel),
  check, diff, write the comment; one process, cold (no build/ left by the previous run, as in a CI
  job's fresh checkout). Target (issue 12): at most 1.5 s. With `--against REF`, REF's `pr report`
  runs alternately with it (ref_s, ref_cpu_s, vs_ref).
- before (baseline_s, baseline_cpu_s): the steps the pr.yml before issue 12 ran for one environment, as
  processes: build + check --format json (`nox -s check`), diff --base (two more builds) with the check
  results, then build + check --format github again for the annotations; every build runs kustomize, as
  it did then (the kustomize cache is emptied before each step).
nox's own start-up and installs are not in either figure.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from spinops.benchmarks._timing import compare_process, run_process

ROOT = Path(__file__).resolve().parents[3]
ENV = "production"
TARGET_S = 1.5
GIT = {
    "GIT_AUTHOR_NAME": "b",
    "GIT_AUTHOR_EMAIL": "b@example.com",
    "GIT_COMMITTER_NAME": "b",
    "GIT_COMMITTER_EMAIL": "b@example.com",
}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env={**os.environ, **GIT})


def _repo(tmp: Path) -> Path:
    repo = tmp / "repo"
    for d in ("halconfig", "kustomize"):
        shutil.copytree(ROOT / d, repo / d)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "reference")
    _git(repo, "checkout", "-qb", "pr")
    fiat = repo / "kustomize" / "overlays" / ENV / "fiat-resources.yml"
    fiat.write_text(fiat.read_text().replace('cpu: "2"', 'cpu: "3"', 1))
    _git(repo, "commit", "-qam", "fiat: more CPU")
    _git(repo, "checkout", "-q", "--detach", "main")
    _git(repo, "merge", "-q", "--no-ff", "-m", "merge", "pr")
    return repo


def _steps(cmds: list[list[str]], runs: int, env: dict, cwd: Path) -> tuple[float, float]:
    """Median wall and CPU time of the steps run one after the other, each without a kustomize cache."""

    def once() -> tuple[float, float]:
        done = [run_process(cmd, 1, env=env, cwd=cwd, ok=(0, 1), before=lambda: _uncached(cwd))[0] for cmd in cmds]
        return sum(r.wall_s for r in done), sum(r.cpu_s for r in done)  # diff: exit 1 = differences

    totals = [once() for _ in range(runs)]
    return statistics.median(w for w, _ in totals), statistics.median(c for _, c in totals)


def _uncached(repo: Path) -> None:
    shutil.rmtree(repo / "build" / ".cache", ignore_errors=True)


def run(quick: bool = False) -> list[dict]:
    runs = 3 if quick else 7
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "SPINOPS_", "PR_"))}
    with tempfile.TemporaryDirectory(prefix="spinops-bench-pr-") as tmp:
        repo = _repo(Path(tmp))
        py = [sys.executable, "-m", "spinops"]
        before = [
            [*py, "build", "--env", ENV],
            [*py, "check", "--env", ENV, "--format", "json", "--output", "report/check.json"],
            [*py, "diff", "--base", "HEAD^1", "--env", ENV, "--format", "markdown", "--output", f"report/{ENV}.md",
             "--full-output", f"report/{ENV}-full.md", "--check-results", "report/check.json"],
            [*py, "build", "--env", ENV],
            [*py, "check", "--env", ENV, "--format", "github"],
        ]
        (repo / "report").mkdir()
        baseline, baseline_cpu = _steps(before, runs, env, repo)
        now = compare_process(
            [sys.executable, "-m", "spinops.pr", "report", "--env", ENV, "--base", "HEAD^1", "--out", "report"],
            runs, env=env, cwd=repo, ok=(0, 1), before=lambda: shutil.rmtree(repo / "build", ignore_errors=True),
        ).fields()
    return [{"name": f"pr_report ({ENV}, Fiat CPU change; cold)", **now, "target_s": TARGET_S,
             "baseline_s": baseline, "baseline_cpu_s": baseline_cpu, "ratio": now["median_s"] / baseline,
             "cpu_ratio": now["cpu_s"] / baseline_cpu}]
