"""Benchmark: the renderer and its YAML emitter, in process, against the alternatives.

On the halconfig with N Kubernetes accounts (the whole-process figures are in benchmarks/render):
- render_all with cold emitter caches (what one `spinops render` process pays);
- our yaml.v2-compatible emitter (`spinops.render.yamlout.dumps`) on clouddriver.yml;
- yaml-rs `dumps` on a key-sorted copy (not Kleat's layout: indented sequences, other quoting,
  a `---` line; it would still need a rewrite pass to match Kleat's bytes);
- PyYAML's C dumper (`CSafeDumper`, block style).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
import yaml_rs

from spinops.benchmarks._timing import median_call
from spinops.benchmarks.render import generate_halconfig
from spinops.halconfig.load import load_halconfig
from spinops.render import render_all, render_structs, yamlout
from spinops.render.yamlout import natural_key_order


def _sorted_copy(data):
    if isinstance(data, dict):
        return {k: _sorted_copy(data[k]) for k in natural_key_order(data)}
    if isinstance(data, list):
        return [_sorted_copy(v) for v in data]
    return data


def run(quick: bool = False) -> list[dict]:
    n = 1_000 if quick else 5_000
    runs = 3 if quick else 7
    with tempfile.TemporaryDirectory(prefix="spinops-bench-") as tmp:
        path = Path(tmp) / "halconfig.yml"
        path.write_text(generate_halconfig(n))
        hal = load_halconfig(path).data

    def cold_render():
        yamlout.clear_caches()
        render_all(hal)

    clouddriver = render_structs(hal)["clouddriver.yml"]
    text = yamlout.dumps(clouddriver)
    ours = median_call(lambda: yamlout.dumps(clouddriver), runs)
    rows = [
        {
            "name": f"render_all N={n:,} (cold caches)",
            "median_s": median_call(cold_render, runs),
            "runs": runs,
            "bytes": sum(len(t) for t in render_all(hal).values()),
        },
        {"name": f"yamlout.dumps clouddriver.yml N={n:,}", "median_s": ours, "runs": runs, "bytes": len(text)},
    ]
    presorted = _sorted_copy(clouddriver)
    alt = median_call(lambda: yaml_rs.dumps(presorted), runs)
    rows.append(
        {"name": "yaml_rs.dumps (pre-sorted, not Kleat's layout)", "median_s": alt, "runs": runs, "ratio": alt / ours}
    )
    rows.append(
        {
            "name": "natural-order key sort (yaml_rs needs it first)",
            "median_s": median_call(lambda: _sorted_copy(clouddriver), runs),
            "runs": runs,
        }
    )
    pyyaml = median_call(lambda: yaml.dump(clouddriver, Dumper=yaml.CSafeDumper, default_flow_style=False), runs)
    rows.append(
        {"name": "PyYAML CSafeDumper (not Kleat's layout)", "median_s": pyyaml, "runs": runs, "ratio": pyyaml / ours}
    )
    return rows
