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


def test_against_checks_the_reference_out_and_removes_it(tmp_path):
    with bench.reference("HEAD") as ref:
        assert ref is not None and (ref.scripts / "spinops" / "__init__.py").is_file()
        tree = ref.scripts.parent
    assert not tree.exists()


def test_against_an_unknown_ref_is_a_clear_error():
    try:
        with bench.reference("no-such-ref-anywhere"):
            pass
    except SystemExit as e:
        assert "--against no-such-ref-anywhere: not a commit" in str(e)
    else:
        raise AssertionError("expected SystemExit")


def test_compare_runs_the_reference_package_alternately(tmp_path, monkeypatch):
    from spinops.benchmarks import _timing

    pkg = tmp_path / "scripts" / "spinops"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    monkeypatch.setattr(_timing, "REFERENCE", _timing.Reference("old", tmp_path / "scripts"))
    order = []
    cmd = [sys.executable, "-c", "import spinops, sys; print(spinops.__file__)"]
    done = _timing.compare_process(cmd, 2, before=lambda: order.append(len(order)), warmup=False)
    assert [r.proc.stdout.strip() for r in done.ref] == [str(pkg / "__init__.py")] * 2
    assert all(r.proc.stdout.strip() != str(pkg / "__init__.py") for r in done.now)
    assert order == [0, 1, 2, 3]  # now, ref, now, ref: `before` ahead of each
    row = done.fields()
    assert row["runs"] == 2 and {"cpu_s", "ref_s", "ref_cpu_s", "vs_ref", "cpu_vs_ref"} <= row.keys()


def test_a_reference_that_cannot_run_the_command_is_reported_in_the_row(tmp_path, monkeypatch):
    from spinops.benchmarks import _timing

    (tmp_path / "scripts" / "spinops").mkdir(parents=True)
    (tmp_path / "scripts" / "spinops" / "__init__.py").write_text("raise SystemExit(3)\n")
    monkeypatch.setattr(_timing, "REFERENCE", _timing.Reference("old", tmp_path / "scripts"))
    done = _timing.compare_process([sys.executable, "-c", "import spinops"], 2, warmup=False)
    assert len(done.now) == 2 and done.ref is None
    assert done.fields()["ref"].startswith("old failed: ")


def test_measured_processes_cache_bytecode():
    from spinops.benchmarks import _timing

    env = _timing.bench_env({"PYTHONDONTWRITEBYTECODE": "1", "X": "y"})
    assert "PYTHONDONTWRITEBYTECODE" not in env and env["X"] == "y" and env["PYTHONPYCACHEPREFIX"]
