"""Benchmark harness for `nox -s bench`: `python -m spinops.bench [--quick] [--json FILE] [NAME ...]`.

Discovers every module in `spinops.benchmarks` that exposes `run(quick: bool) -> list[dict]`
(each dict: name, median_s, runs, and optional extra fields such as baseline_s, ratio, target_s),
runs them one after the other, prints one table of medians, and can write all rows as JSON.
Benchmarks measure; they never fail on a target (a timed assertion on a shared machine is noise).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import sys
import time

import spinops.benchmarks as pkg
from spinops.atomic import write_file

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
    ap.add_argument("modules", nargs="*", metavar="NAME", help="run only these benchmark modules (default: all)")
    args = ap.parse_args(argv)
    rows: list[dict] = []
    for name in discover(args.modules):
        mod = importlib.import_module(f"spinops.benchmarks.{name}")
        if not callable(getattr(mod, "run", None)):
            continue
        t0 = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        for row in mod.run(quick=args.quick):
            rows.append({"module": name, **row})
        print(f"  {name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
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
        }
        write_file(args.json, json.dumps({"meta": meta, "results": rows}, indent=2, sort_keys=True) + "\n")
    return 0


def _cpus() -> int | None:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


if __name__ == "__main__":
    raise SystemExit(main())
