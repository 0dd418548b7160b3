"""Benchmark: `spinops migrate` as a whole process (the command a user runs once per installation).

Cases: the test fixture ~/.hal (two deployments, every kind of change) migrated into an empty copy of
kustomize/; the same as a `hal backup` tar; and generated Halyard configs with N Kubernetes accounts,
each with a literal kubeconfig file inside the Halyard home and a GitHub artifact account with a literal
token per 4 accounts (so the credential and file-copy paths scale with N). `--dry-run` is measured
too (plan only: no writes). median_s is wall time; cpu_s the CPU time (user + sys) of the process,
steadier on a shared machine. Target (issue 14): the 250 KB, 70-file home under 1.5 s.
"""

from __future__ import annotations

import io
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

from spinops.benchmarks._timing import Compared, compare_process

ROOT = Path(__file__).resolve().parents[3]
HAL = ROOT / "tests" / "fixtures" / "halyard" / "hal"
SIZES = (100, 1_000)
#: The first lines of both generated ~/.hal configs: one deployment whose Kubernetes accounts follow.
_HAL_HEADER = (
    "halyardVersion: 1.45.0",
    "currentDeployment: default",
    "deploymentConfigurations:",
    "- name: default",
    "  version: 1.30.2",
    "  providers:",
    "    kubernetes:",
    "      enabled: true",
    "      accounts:",
)


def generate_hal(dest: Path, n: int) -> Path:
    """A ~/.hal with one deployment: n Kubernetes accounts (kubeconfig files) and n/4 GitHub tokens."""
    (dest / "secrets").mkdir(parents=True)
    lines = list(_HAL_HEADER)
    for i in range(n):
        (dest / "secrets" / f"k{i:04d}.kubeconfig").write_text(f"apiVersion: v1\nkind: Config\n# cluster {i}\n")
        lines += [
            f"      - name: k8s-{i:04d}",
            "        providerVersion: V2",
            "        cacheIntervalSeconds: 30",
            f"        kubeconfigFile: /home/spinnaker/.hal/secrets/k{i:04d}.kubeconfig",
            "        namespaces:",
            f"        - team-{i % 50}",
        ]
    lines += ["  artifacts:", "    github:", "      enabled: true", "      accounts:"]
    for i in range(max(1, n // 4)):
        lines += [f"      - name: gh-{i:04d}", f"        token: bench-token-{i:04d}"]
    lines += [
        "  persistentStorage:",
        "    persistentStoreType: gcs",
        "    gcs:",
        "      bucket: b",
        "      jsonPath: /home/spinnaker/.hal/secrets/k0000.kubeconfig",
        "  deploymentEnvironment:",
        "    customSizing:",
        "      spin-clouddriver:",
        "        replicas: 2",
    ]
    (dest / "config").write_text("\n".join(lines) + "\n")
    return dest


#: The size of a large real Halyard home (issue 14): ~250 KB in 70 files; the target is a migrate under 1.5 s.
HOME_FILES, HOME_BYTES, HOME_TARGET_S = 70, 250_000, 1.5


def generate_home(dest: Path, files: int = HOME_FILES, size: int = HOME_BYTES) -> Path:
    """A ~/.hal of `files` files and about `size` bytes, with every kind of content migrate reads: a config with
    Kubernetes accounts (each with a kubeconfig file carrying a certificate-sized blob), Jenkins masters with a
    password and a token in their URL, GitHub tokens; service-settings with JAVA_OPTS secrets; profiles with SQL
    passwords and URLs with user-info."""
    services = ("clouddriver", "echo", "fiat", "front50", "gate", "igor", "kayenta", "orca", "rosco", "keel")
    n_settings, n_profiles = len(services), len(services)
    n_kube = files - 1 - n_settings - n_profiles
    blob = "QUJD" * ((size // 2 // max(n_kube, 1)) // 4)  # base64-looking certificate data
    (dest / "secrets").mkdir(parents=True)
    (dest / "default" / "service-settings").mkdir(parents=True)
    (dest / "default" / "profiles").mkdir(parents=True)
    for i in range(n_kube):
        (dest / "secrets" / f"k{i:03d}.kubeconfig").write_text(
            f"apiVersion: v1\nkind: Config\nclusters:\n- name: c{i}\n  cluster:\n    certificate-authority-data: "
            f"{blob}\n"
            f"users:\n- name: u{i}\n  user:\n    token: bench-kube-token-{i:03d}\n"
        )
    lines = list(_HAL_HEADER)
    for i in range(n_kube):
        lines += [
            f"      - name: k8s-{i:03d}",
            "        providerVersion: V2",
            "        cacheIntervalSeconds: 30",
            "        requiredGroupMembership: []",
            f"        kubeconfigFile: /home/spinnaker/.hal/secrets/k{i:03d}.kubeconfig",
            "        namespaces:",
            *(f"        - team-{j}" for j in range(i % 7 + 1)),
            "        omitNamespaces: [kube-system]",
        ]
    lines += ["  ci:", "    jenkins:", "      enabled: true", "      masters:"]
    for i in range(20):
        lines += [
            f"      - name: jenkins-{i:02d}",
            f"        address: https://bot:bench-url-token-{i:02d}@jenkins-{i:02d}.acme.example",
            "        username: bot",
            f"        password: bench-jenkins-password-{i:02d}",
        ]
    lines += ["  artifacts:", "    github:", "      enabled: true", "      accounts:"]
    for i in range(30):
        lines += [f"      - name: gh-{i:02d}", f"        token: bench-github-token-{i:02d}"]
    lines += [
        "  persistentStorage:",
        "    persistentStoreType: s3",
        "    s3:",
        "      bucket: b",
        "      region: us-east-1",
        "  deploymentEnvironment:",
        "    location: spinnaker",
        "    customSizing:",
        "      spin-clouddriver:",
        "        replicas: 2",
    ]
    config = "\n".join(lines) + "\n"
    pad = max(0, size - len(config) - n_kube * (len(blob) + 150)) // (n_settings + n_profiles)
    (dest / "config").write_text(config)
    for svc in services:
        (dest / "default" / "service-settings" / f"{svc}.yml").write_text(
            f"env:\n  JAVA_OPTS: -XX:MaxRAMPercentage=70.0 -Djavax.net.ssl.trustStorePassword=bench-trust-{svc}\n"
            "kubernetes:\n  podAnnotations:\n" + "".join(f"    note/{k}: \"{'x' * 40}\"\n" for k in range(pad // 60)))
        (dest / "default" / "profiles" / f"{svc}-local.yml").write_text(
            f"# {svc}: hand-written settings\nsql:\n  connectionPools:\n    default:\n      jdbcUrl: "
            f"jdbc:mysql://db/{svc}\n"
            f"      password: bench-sql-{svc}\nwebhook:\n  url: https://hook:bench-hook-{svc}@hooks.acme.example/x\n"
            "extra:\n" + "".join(f'  k{k}: "{"y" * 40}"\n' for k in range(pad // 50))
        )
    return dest


def _tar(hal: Path, dest: Path) -> Path:
    with tarfile.open(dest, "w") as tar:
        for p in sorted(hal.rglob("*")):
            if p.is_file():
                data = p.read_bytes()
                info = tarfile.TarInfo("/" + p.relative_to(hal).as_posix())
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return dest


def _time(source: Path, work: Path, runs: int, *extra: str) -> Compared:
    """`runs` timed `spinops migrate` processes, each into a fresh copy of kustomize/ (copied untimed)."""
    repo = work / f"repo-{len(extra)}"

    def fresh_repo() -> None:  # the template without an installation (migrate refuses to mix two)
        shutil.rmtree(repo, ignore_errors=True)
        for part in ("base", "components"):
            shutil.copytree(ROOT / "kustomize" / part, repo / "kustomize" / part)

    done = compare_process(
        [sys.executable, "-m", "spinops", "migrate", str(source), "--repo", str(repo), *extra], runs, before=fresh_repo,
        warmup=False,
    )
    shutil.rmtree(repo, ignore_errors=True)
    return done


def _row(name: str, done: Compared) -> dict:
    return {"name": name, **done.fields()}


def run(quick: bool = False) -> list[dict]:
    runs = 3 if quick else 7
    rows = []
    with tempfile.TemporaryDirectory(prefix="spinops-bench-migrate-") as tmp:
        work = Path(tmp)
        cases = [("migrate fixture ~/.hal", HAL), ("migrate fixture hal backup tar", _tar(HAL, work / "backup.tar"))]
        home = generate_home(work / "home")
        home_files = [p for p in home.rglob("*") if p.is_file()]
        cases.append(
            (f"migrate home {sum(p.stat().st_size for p in home_files) // 1000} kB, {len(home_files)} files", home)
        )
        for n in SIZES[:1] if quick else SIZES:
            cases.append((f"migrate generated N={n}", generate_hal(work / f"hal-{n}", n)))
        for name, source in cases:
            rows.append(
                {**_row(name, _time(source, work, runs)), **({"target_s": HOME_TARGET_S} if source == home else {})}
            )
            if source == HAL:
                rows.append(_row(name + " --dry-run", _time(source, work, runs, "--dry-run")))
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
