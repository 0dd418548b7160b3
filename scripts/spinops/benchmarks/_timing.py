"""Timing helpers the benchmark modules share (not a benchmark itself: `_` keeps spinops.bench from running it)."""

from __future__ import annotations

import resource
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass


def median_call(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of `runs` in-process calls."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


@dataclass
class Run:
    wall_s: float
    cpu_s: float  # user + sys of the process and its children: steadier than wall time on a shared machine
    proc: subprocess.CompletedProcess


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_process(
    cmd: list[str],
    runs: int,
    *,
    env: dict[str, str] | None = None,
    cwd=None,
    ok: tuple[int, ...] = (0,),
    before: Callable[[], object] | None = None,
    warmup: bool = False,
) -> list[Run]:
    """`runs` timed runs of a whole process (after one untimed warm-up run when `warmup`: bytecode and
    page caches); `before` runs untimed ahead of each. An exit code outside `ok` raises RuntimeError."""
    if warmup:
        subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    out = []
    for _ in range(runs):
        if before:
            before()
        c0, t0 = _children_cpu(), time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, check=False)
        out.append(Run(time.perf_counter() - t0, _children_cpu() - c0, proc))
        if proc.returncode not in ok:
            raise RuntimeError(
                f"{' '.join(map(str, cmd))} exited {proc.returncode}: {(proc.stdout + proc.stderr).strip()[-2000:]}"
            )
    return out
