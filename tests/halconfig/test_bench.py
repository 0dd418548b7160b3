"""The benchmark harness (no timings asserted: benchmarks measure, tests check behaviour)."""

from __future__ import annotations

import json
import sys

from spinops import bench
from spinops.benchmarks.render import generate_halconfig
from spinops.halconfig.load import load_halconfig


def test_discovers_benchmark_modules():
    assert "render" in bench.discover()
    assert bench.discover(["render"]) == ["render"]


def test_table_lists_medians_and_extra_fields():
    rows = [
        {"module": "render", "name": "render N=100", "median_s": 0.2314, "runs": 7, "baseline_s": 0.1, "ratio": 2.314},
        {"module": "render", "name": "start-up", "median_s": 0.02, "runs": 7},
    ]
    lines = bench.table(rows).splitlines()
    assert lines[0].split() == ["benchmark", "median", "runs", "baseline_s", "ratio"]
    assert lines[2].split() == ["render:", "render", "N=100", "231", "ms", "7", "100", "ms", "2.31"]
    assert lines[3].split() == ["render:", "start-up", "20", "ms", "7"]


def test_generated_halconfig_is_valid_and_scales(tmp_path):
    for n in (4, 40):
        f = tmp_path / f"h{n}.yml"
        f.write_text(generate_halconfig(n))
        data = load_halconfig(f).data
        assert len(data["providers"]["kubernetes"]["accounts"]) == n
        assert len(data["providers"]["dockerRegistry"]["accounts"]) == n // 4
        assert len(data["artifacts"]["github"]["accounts"]) == n // 4


def test_unknown_module_is_a_clear_error(capsys):
    try:
        bench.main(["nope"])
    except SystemExit as e:
        assert "no benchmark module named nope" in str(e)
    else:
        raise AssertionError("expected SystemExit")


def test_json_output(tmp_path, monkeypatch):
    import types

    fake = types.ModuleType("spinops.benchmarks.fake")
    fake.run = lambda quick=False: [{"name": "x", "median_s": 0.5, "runs": 1, "quick": quick}]
    monkeypatch.setitem(sys.modules, "spinops.benchmarks.fake", fake)
    monkeypatch.setattr(bench, "discover", lambda only=None: ["fake"])
    out = tmp_path / "b.json"
    assert bench.main(["--quick", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["results"] == [{"module": "fake", "name": "x", "median_s": 0.5, "runs": 1, "quick": True}]
    assert doc["meta"]["quick"] is True
