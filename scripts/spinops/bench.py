"""Benchmark harness for `nox -s bench`: `python -m spinops.bench [--quick] [--against REF] [--json FILE] [NAME ...]`.

Discovers every module in `spinops.benchmarks` that exposes `run(quick: bool) -> list[dict]`
(each dict: name, median_s, runs, and optional extra fields such as cpu_s, baseline_s, ratio, target_s),
runs them one after the other, prints one table of medians, and can write all rows as JSON.
`--against REF` checks REF out into a temporary git worktree and times every spinops command of the
process benchmarks with REF's package too, alternating run by run (columns ref_s, ref_cpu_s, vs_ref).
Benchmarks measure; they never fail on a target (a timed assertion on a shared machine is noise).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import spinops.benchmarks as pkg
from spinops.atomic import write_file
from spinops.benchmarks import _timing

ROOT = Path(__file__).resolve().parents[2]
LEGEND = (
    "median: median wall time of the runs; cpu_s: median CPU time (user + sys) of the process and its children,\n"
    "the figure to compare on a busy machine (wall time includes waiting for a core); ratio: this / its baseline;\n"
    "ref_s, ref_cpu_s: the same command with the --against revision's spinops, run alternately with this one;\n"
    "vs_ref, cpu_vs_ref: this / that revision (below 1: faster)."
)

_KNOWN = ("name", "median_s", "runs")


def discover(only: list[str] | None = None) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))
    if only:
        missing = sorted(set(only) - set(names))
        if missing:
            raise SystemExit(
                f"spinops.bench: no benchmark module named {', '.join(missing)} (have: {', '.join(names)})"
            )
        names = [n for n in names if n in only]
    return names


def _fmt(key: str, v: object) -> str:
    if isinstance(v, float):
        if key.endswith("_s"):
            return f"{v * 1e3:.0f} ms"
        return f"{v:.2f}"
    if isinstance(v, int) and key == "bytes":
        return f"{v / 1e6:.2f} MB" if v >= 100_000 else f"{v / 1e3:.1f} kB"
    return str(v)


def table(rows: list[dict]) -> str:
    """Rows as an aligned text table: name, median, runs, then every extra field (keys in first-seen order)."""
    extra: list[str] = []
    for r in rows:
        for k in r:
            if k not in _KNOWN and k not in ("module",) and k not in extra:
                extra.append(k)
    header = ["benchmark", "median", "runs", *extra]
    body = [[f"{r.get('module', '')}: {r['name']}", _fmt("median_s", r["median_s"]), str(r["runs"]),
             *(_fmt(k, r[k]) if k in r else "" for k in extra)] for r in rows]
    widths = [max(len(x) for x in col) for col in zip(header, *body, strict=True)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True)))
             for line in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m spinops.bench", description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="fewer runs and smaller sizes (a smoke test of the benchmarks)"
    )
    ap.add_argument("--json", metavar="FILE", help="also write every row (with machine info) as JSON to FILE")
    ap.add_argument(
        "--against", metavar="REF", help="also time each spinops command with the package of git revision REF"
    )
    ap.add_argument("modules", nargs="*", metavar="NAME", help="run only these benchmark modules (default: all)")
    args = ap.parse_args(argv)
    names = discover(args.modules)
    load = [os.getloadavg()[0]]
    with reference(args.against) as ref:
        _timing.REFERENCE = ref
        try:
            rows = _run_all(names, args.quick)
        finally:
            _timing.REFERENCE = None
            shutil.rmtree(_timing.PYCACHE, ignore_errors=True)
    load.append(os.getloadavg()[0])
    print(f"\n{LEGEND}\nload average (1 min) at start / end: {load[0]:.2f} / {load[1]:.2f} on {_cpus()} CPUs"
          + (f"; reference revision: {ref.label}" if ref else ""))
    # one table per module: each benchmark has its own extra columns
    for name in dict.fromkeys(r["module"] for r in rows):
        print(f"\n## {name}\n")
        print(table([r for r in rows if r["module"] == name]))
    if args.json:
        meta = {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": _cpus(),
            "quick": args.quick,
            "load_average_1min": load,
            "reference": ref.label if ref else None,
        }
        write_file(args.json, json.dumps({"meta": meta, "results": rows}, indent=2, sort_keys=True) + "\n")
    return 0


def _run_all(names: list[str], quick: bool) -> list[dict]:
    rows: list[dict] = []
    for name in names:
        mod = importlib.import_module(f"spinops.benchmarks.{name}")
        if not callable(getattr(mod, "run", None)):
            continue
        t0 = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        for row in mod.run(quick=quick):
            rows.append({"module": name, **row})
        print(f"  {name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    return rows


@contextmanager
def reference(ref: str | None) -> Iterator[_timing.Reference | None]:
    """REF checked out (detached) in a temporary git worktree of this checkout, removed afterwards."""
    if not ref:
        yield None
        return

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)

    sha = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if sha.returncode != 0:
        raise SystemExit(f"spinops.bench: --against {ref}: not a commit of {ROOT} ({sha.stderr.strip() or 'unknown'})")
    tmp = Path(tempfile.mkdtemp(prefix="spinops-bench-ref-"))
    tree = tmp / "tree"
    added = git("worktree", "add", "--detach", "--quiet", str(tree), sha.stdout.strip())
    if added.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise SystemExit(f"spinops.bench: --against {ref}: git worktree add failed: {added.stderr.strip()}")
    try:
        commit = sha.stdout.strip()
        label = ref if commit.startswith(ref) else f"{ref}@{commit[:7]}"
        yield _timing.Reference(label=label, scripts=tree / "scripts")
    finally:
        git("worktree", "remove", "--force", str(tree))
        shutil.rmtree(tmp, ignore_errors=True)
        git("worktree", "prune")


def _cpus() -> int | None:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


if __name__ == "__main__":
    raise SystemExit(main())
