"""Timing helpers the benchmark modules share (not a benchmark itself: `_` keeps spinops.bench from running it).

Every measured process reports wall time and CPU time (user + sys of the process and its children, from
getrusage(RUSAGE_CHILDREN)): on a machine shared with other jobs the wall time includes waiting for a core,
the CPU time much less so. With a reference revision (`python -m spinops.bench --against REF`), each command
is also run with that revision's `spinops` package, alternating with this one's run by run, so that a change
of machine load during a benchmark falls on both alike ("measured beside today's in one run").
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


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


@dataclass(frozen=True)
class Reference:
    """Another revision of spinops timed beside this one: its `scripts/` directory (a git worktree of REF)."""

    label: str
    scripts: Path


#: Set by `spinops.bench --against REF` for the whole run; None: this revision only.
REFERENCE: Reference | None = None
PYCACHE = Path(tempfile.gettempdir()) / f"spinops-bench-pycache-{os.getpid()}"


def bench_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured process: bytecode caching ON, as after `pip install`.

    PYTHONDONTWRITEBYTECODE=1 (set on these machines) makes every process compile every module from source
    (~40 ms of spinops' own start-up); the cache goes to a temp prefix, not into the source tree."""
    out = {k: v for k, v in (os.environ if env is None else env).items() if k != "PYTHONDONTWRITEBYTECODE"}
    out.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
    return out


def reference_env(env: dict[str, str], ref: Reference) -> dict[str, str]:
    """`env` with the reference revision's package first on the path (before the editable install's .pth)."""
    path = env.get("PYTHONPATH")
    return {**env, "PYTHONPATH": str(ref.scripts) + (os.pathsep + path if path else "")}


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _once(cmd: list[str], env, cwd, ok: tuple[int, ...], before) -> Run:
    if before:
        before()
    c0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    run = Run(time.perf_counter() - t0, _children_cpu() - c0, proc)
    if proc.returncode not in ok:
        raise RuntimeError(
            f"{' '.join(map(str, cmd))} exited {proc.returncode}: {(proc.stdout + proc.stderr).strip()[-2000:]}"
        )
    return run


def run_process(cmd: list[str], runs: int, **options) -> list[Run]:
    """`runs` timed runs of a whole process (after one untimed warm-up run with `warmup=True`: bytecode and
    page caches); `before` runs untimed ahead of each. An exit code outside `ok` raises RuntimeError.
    Options: env, cwd, ok, before, warmup (default False), as _measure takes them."""
    return _measure(cmd, runs, None, **options).now


@dataclass
class Compared:
    """Runs of this revision and, with a reference revision, of that one (same command, interleaved)."""

    now: list[Run]
    ref: list[Run] | None = None
    ref_error: str | None = None

    def fields(self) -> dict:
        """median_s, cpu_s, runs; with a reference: ref_s, ref_cpu_s and the ratios now / reference."""
        row: dict = {"median_s": statistics.median(r.wall_s for r in self.now), "runs": len(self.now),
                     "cpu_s": statistics.median(r.cpu_s for r in self.now)}
        if self.ref:
            row["ref_s"] = statistics.median(r.wall_s for r in self.ref)
            row["ref_cpu_s"] = statistics.median(r.cpu_s for r in self.ref)
            row["vs_ref"] = row["median_s"] / row["ref_s"]
            row["cpu_vs_ref"] = row["cpu_s"] / row["ref_cpu_s"]
        elif self.ref_error:
            row["ref"] = self.ref_error
        return row


def compare_process(cmd: list[str], runs: int, *, warmup: bool = True, **options) -> Compared:
    """Like run_process (warm-up on by default), and with REFERENCE set the same command with the reference
    revision's package, alternating run by run (now, ref, now, ref, ...). A reference that cannot run the command
    (an option it does not have yet) is reported in the row, not raised."""
    return _measure(cmd, runs, REFERENCE, warmup=warmup, **options)


def _measure(
    cmd: list[str],
    runs: int,
    ref: Reference | None,
    *,
    env: dict[str, str] | None = None,
    cwd=None,
    ok: tuple[int, ...] = (0,),
    before: Callable[[], object] | None = None,
    warmup: bool = False,
) -> Compared:
    env = bench_env(env)
    ref_env = reference_env(env, ref) if ref else None
    if warmup:
        for e in (env, ref_env):
            if e is not None:
                subprocess.run(cmd, capture_output=True, text=True, env=e, cwd=cwd, check=False)
    out = Compared([], [] if ref_env else None)
    for _ in range(runs):
        out.now.append(_once(cmd, env, cwd, ok, before))
        if ref_env is not None and out.ref is not None:
            try:
                out.ref.append(_once(cmd, ref_env, cwd, ok, before))
            except RuntimeError as e:
                out.ref, out.ref_error = None, f"{ref.label if ref else 'ref'} failed: {str(e)[-160:]}"
    return out
