"""Benchmark: `spinops upgrade` (report included) on the reference installation, as a whole process.

Each run copies this checkout's halconfig/ and kustomize/ into a fresh temporary directory (untimed) and
times `python -m spinops upgrade 1.36.3 --format markdown` there: the default environment (the first in
promotion order) is built at its release and at 1.36.3, the two builds compared, the contract run on both,
the report rendered and the one-line edit written. A second case reports both environments of the minor
upgrade to 1.37.11 with --dry-run (four builds). Target (issue 15): 2 s for the first.
Wall time is noisy on a shared machine: cpu_s (the process and its children, user + system) is reported too.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from spinops.benchmarks._timing import run_process

ROOT = Path(__file__).resolve().parents[3]
TARGET_S = 2.0


def _fresh(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    for d in ("halconfig", "kustomize"):
        shutil.copytree(ROOT / d, work / d)


def run(quick: bool = False) -> list[dict]:
    runs = 3 if quick else 7
    rows = []
    with tempfile.TemporaryDirectory(prefix="spinops-bench-upgrade-") as tmp:
        work = Path(tmp) / "repo"
        cases = [
            ("spinops upgrade 1.36.3 (first environment: 2 builds, report, edit)", ["1.36.3"], TARGET_S),
            ("spinops upgrade 1.37.11 --env all --dry-run (4 builds, 2 reports)",
             ["1.37.11", "--env", "all", "--dry-run"], None),
        ]
        for name, args, target in cases:
            cmd = [sys.executable, "-m", "spinops", "upgrade", *args, "--format", "markdown"]
            _fresh(work)
            # byte-compiled modules, as an installed spinops has them (this machine sets PYTHONDONTWRITEBYTECODE)
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            result = run_process(cmd, runs, env=env, cwd=work, before=lambda: _fresh(work), warmup=True)
            wall = [r.wall_s for r in result]
            row = {"name": name, "median_s": statistics.median(wall), "runs": runs,
                   "cpu_s": statistics.median(r.cpu_s for r in result), "min_s": min(wall)}
            if target is not None:
                row["target_s"] = target
            rows.append(row)
    return rows


if __name__ == "__main__":
    for r in run(quick="--quick" in sys.argv):
        print(r)
