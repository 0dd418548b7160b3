"""Benchmark: `spinops render` as a whole process, against a PyYAML C load + dump baseline.

Cases: Kleat's testdata halconfig, and generated halconfigs with N Kubernetes accounts (plus N/4
GitHub artifact accounts and N/4 Docker registry accounts). For each generated file the baseline,
in the same run, is a Python process that loads the YAML with PyYAML's C loader and dumps it once
with its C dumper. Targets (issue 2): N=5,000 <= 400 ms; Kleat testdata <= 120 ms; linear in N.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from spinops.benchmarks._timing import bench_env, run_process

ROOT = Path(__file__).resolve().parents[3]
KLEAT_TESTDATA = ROOT / "tests" / "fixtures" / "kleat" / "halconfig.yml"
SIZES = (100, 1_000, 5_000)
BASELINE = (
    "import sys, yaml\n"
    "d = yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)\n"
    "yaml.dump(d, open(sys.argv[2], 'w'), Dumper=yaml.CSafeDumper)\n"
)


def generate_halconfig(n: int) -> str:
    """A valid halconfig with n Kubernetes accounts, n/4 GitHub artifact and n/4 Docker registry accounts."""
    out = [
        "version: 1.30.1",
        "timezone: Europe/Berlin",
        "persistentStorage:",
        "  gcs:",
        "    bucket: spinnaker-bench",
        "    project: bench-project",
        "    jsonPath: /var/secrets/gcs/key.json",
        "providers:",
        "  kubernetes:",
        "    enabled: true",
        "    primaryAccount: k8s-0000",
        "    accounts:",
    ]
    for i in range(n):
        out += [
            f"    - name: k8s-{i:04d}",
            f"      context: gke_bench-project_europe-west1_cluster-{i:04d}",
            f"      kubeconfigFile: /var/secrets/kubeconfigs/cluster-{i:04d}.kubeconfig",
            "      onlySpinnakerManaged: true",
            "      cacheThreads: 2",
            "      namespaces:",
            f"      - team-{i % 50:02d}",
            f"      - team-{i % 50:02d}-canary",
            "      omitKinds:",
            "      - podPreset",
            "      permissions:",
            "        READ:",
            f"        - team-{i % 50:02d}",
            "        WRITE:",
            f"        - team-{i % 50:02d}-admins",
            "      dockerRegistries:",
            f"      - accountName: docker-{(i // 4):04d}",
        ]
    out += [
        "  dockerRegistry:",
        "    enabled: true",
        "    primaryAccount: docker-0000",
        "    accounts:",
    ]
    for i in range(n // 4):
        out += [
            f"    - name: docker-{i:04d}",
            "      address: https://europe-docker.pkg.dev",
            "      username: _json_key",
            f"      passwordFile: /var/secrets/docker/registry-{i:04d}.json",
            "      cacheIntervalSeconds: 300",
            "      repositories:",
            f"      - bench-project/team-{i % 50:02d}/app",
        ]
    out += [
        "artifacts:",
        "  github:",
        "    enabled: true",
        "    accounts:",
    ]
    for i in range(n // 4):
        out += [
            f"    - name: github-{i:04d}",
            f"      token: ${{GITHUB_TOKEN_{i % 10}}}",
        ]
    out += [
        "security:",
        "  apiSecurity:",
        "    overrideBaseUrl: https://gate.spinnaker.example.com",
        "  uiSecurity:",
        "    overrideBaseUrl: https://spinnaker.example.com",
        "  authn:",
        "    enabled: true",
        "    oauth2:",
        "      enabled: true",
        "      client:",
        "        clientId: ${OAUTH2_CLIENT_ID}",
        "        clientSecret: ${OAUTH2_CLIENT_SECRET}",
        "",
    ]
    return "\n".join(out)


def _median_run(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Median wall time and median CPU time (user + sys of the child) of `runs` runs, after one warm-up run.

    CPU time is reported too because the machines are shared: wall time includes waiting for a core.
    """
    done = run_process(cmd, runs, env=env, warmup=True)
    return statistics.median(r.wall_s for r in done), statistics.median(r.cpu_s for r in done)


_STAGES = """
import gc, sys, time
gc.disable()
T = time.process_time
from pathlib import Path
t = T(); from spinops.halconfig import source, validate; from spinops.halconfig.schema import load_schema
validate.root_node(load_schema()); import spinops.render as r; imports = T() - t
text = Path(sys.argv[1]).read_text()
best = {}
for _ in range(int(sys.argv[2])):
    t0 = T(); data = source.parse(text, "x", problems=[]); t1 = T()
    hal, walk = validate.validate(data); t2 = T()
    structs = r.render_structs(hal); t3 = T()
    for name, st in structs.items():
        r.serialize(name, st)
    t4 = T()
    for k, v in (("parse", t1 - t0), ("validate", t2 - t1), ("render_structs", t3 - t2), ("serialize", t4 - t3)):
        best[k] = min(best.get(k, v), v)
print(" ".join(f"{k}={v}" for k, v in best.items()), f"imports={imports}")
"""


def stages(path: Path, runs: int, env: dict[str, str] | None = None) -> dict[str, float]:
    """In-process CPU time of each stage (best of `runs`, GC off as in `spinops render`): who owns what."""
    proc = subprocess.run(
        [sys.executable, "-c", _STAGES, str(path), str(runs)], capture_output=True, text=True, env=env
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip()[:2000])
    return {f"{k}_cpu_s": float(v) for k, v in (kv.split("=") for kv in proc.stdout.split())}


def run(quick: bool = False) -> list[dict]:
    runs = 3 if quick else 7
    sizes = SIZES[:2] if quick else SIZES
    py = sys.executable
    results = []
    tmp = Path(tempfile.mkdtemp(prefix="spinops-bench-"))
    try:
        render = [py, "-m", "spinops", "render"]
        env = bench_env()  # bytecode caching on, as after an install
        t, cpu = _median_run([*render, str(KLEAT_TESTDATA), "--out", str(tmp / "out-kleat")], runs, env)
        base, base_cpu = _median_run(
            [py, "-c", BASELINE, str(KLEAT_TESTDATA), str(tmp / "baseline-kleat.yml")], runs, env
        )
        results.append({"name": "render kleat testdata", "median_s": t, "runs": runs, "cpu_s": cpu, "baseline_s": base,
                        "ratio": t / base, "cpu_ratio": cpu / base_cpu, "target_s": 0.120,
                        "bytes": KLEAT_TESTDATA.stat().st_size})
        startup, startup_cpu = _median_run([py, "-c", "pass"], runs, env)
        results.append(
            {"name": "python start-up (python -c pass)", "median_s": startup, "runs": runs, "cpu_s": startup_cpu}
        )
        for n in sizes:
            hc = tmp / f"halconfig-{n}.yml"
            hc.write_text(generate_halconfig(n))
            t, cpu = _median_run([*render, str(hc), "--out", str(tmp / f"out-{n}")], runs, env)
            base, base_cpu = _median_run([py, "-c", BASELINE, str(hc), str(tmp / f"baseline-{n}.yml")], runs, env)
            target = {"target_s": 0.400} if n == 5_000 else {}
            results.append({"name": f"render N={n:,}", "median_s": t, "runs": runs, "cpu_s": cpu, "baseline_s": base,
                            "ratio": t / base, "cpu_ratio": cpu / base_cpu, **target, "bytes": hc.stat().st_size,
                            "per_account_ms": t / n * 1e3})
            if n == sizes[-1]:
                st = stages(hc, runs, env)
                work = sum(v for k, v in st.items() if k != "imports_cpu_s")
                results.append({"name": f"stages N={n:,} (in-process CPU, best; median = their sum)", "median_s": work,
                                "runs": runs, **st})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results
