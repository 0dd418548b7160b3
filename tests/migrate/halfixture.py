"""Helpers for the `spinops migrate` tests: our own Halyard installation (tests/fixtures/halyard/hal), its `hal backup`
tarball built here with tarfile (entry names start with `/`, like Halyard's), and empty target repositories
holding a copy of this repository's kustomize/."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "fixtures" / "reference"  # frozen copy of the reference installation
HAL = ROOT / "tests" / "fixtures" / "halyard" / "hal"

#: Every secret value in the fixture (literal credentials, credential files, service-settings env, profiles).
CANARIES = (
    "CANARY-azure-app-key-11aa",
    "CANARY-dockerhub-password-51c2",
    "CANARY-s3-secret-key-3c4d",
    "CANARY-slack-token-xoxb-1a2b",
    "CANARY-github-status-token-5e6f",
    "CANARY-jenkins-password-77aa",
    "CANARY-saml-keystore-pass-8b9c",
    "CANARY-github-token-9f8e7d",
    "CANARY-prometheus-password-0d1e",
    "CANARY-gate-basic-password-2f3a",
    "CANARY-gate-env-secret-4b5c",
    "CANARY-clouddriver-sql-password-6d7e",
    "CANARY-prod-kubeconfig-token-aa01",
    "CANARY-legacy-kubeconfig-token-bb02",
    "CANARY-github-bot-token-file-cc03",
    "CANARY-front50-json-key-dd04",
    "CANARY-saml-jks-content-ee05",
)


def make_backup(hal: Path, dest: Path, *, required_files: bool = False) -> Path:
    """A `hal backup create`-style tar: uncompressed, every entry named `/<path under ~/.hal>`, service-logs left out.

    required_files=True does what BackupService.create does to file references as well: each file the config
    names under /home/spinnaker/.hal/ is copied to `.backup/required-files/<hash>-<name>` and the config then
    points at that path relative to the Halyard home.
    """
    entries: dict[str, bytes] = {}
    for p in sorted(hal.rglob("*")):
        rel = p.relative_to(hal).as_posix()
        if p.is_file() and "service-logs" not in rel.split("/"):
            entries[rel] = p.read_bytes()
    if required_files:
        config = entries["config"].decode()
        for ref in sorted(set(re.findall(r"/home/spinnaker/\.hal/([\w./-]+)", config))):
            copy = f".backup/required-files/{zlib.crc32(ref.encode())}-{ref.rsplit('/', 1)[-1]}"
            entries[copy] = entries[ref]
            config = config.replace(f"/home/spinnaker/.hal/{ref}", copy)
        entries["config"] = config.encode()
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        for rel, data in sorted(entries.items()):
            info = tarfile.TarInfo("/" + rel)
            info.size = len(data)
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
    return dest


def make_repo(dest: Path, *, reference: bool = False) -> Path:
    """A repository to migrate into: the template without an installation (kustomize/base and components) and a
    .gitignore.

    reference=True: the template as it is cloned, with this repository's reference installation (halconfig/, every
    overlay) and its workflows.
    """
    for part in ("base", "components"):
        shutil.copytree(REFERENCE / "kustomize" / part, dest / "kustomize" / part)
    if reference:
        shutil.copytree(REFERENCE / "kustomize" / "overlays", dest / "kustomize" / "overlays")
        shutil.copytree(REFERENCE / "halconfig", dest / "halconfig")
        shutil.copytree(ROOT / ".github" / "workflows", dest / ".github" / "workflows")
    (dest / ".gitignore").write_text("/build/\n__pycache__/\n")
    return dest




def run_spinops(*args: str, cwd=None) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "spinops", *args], cwd=cwd or ROOT, capture_output=True, text=True, timeout=300
    )


def migrate(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """`spinops migrate ... --repo REPO`, as a user runs it."""
    return run_spinops("migrate", *args, "--repo", str(repo))


def migrated_git_repo(dest: Path, source: Path) -> tuple[Path, subprocess.CompletedProcess]:
    """SOURCE's current deployment migrated into a fresh git repository (the module fixtures of the e2e tests)."""
    repo = make_repo(dest)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    proc = migrate(repo, str(source))
    assert proc.returncode == 0, proc.stderr
    return repo, proc
