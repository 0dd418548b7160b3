"""Helpers shared by test modules (importable by name; conftest modules are not, as there are several)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
#: A frozen copy of the reference installation (halconfig/, kustomize/, .github/workflows/deploy.yml) that the
#: tool's tests run on. The live halconfig/ and kustomize/ are the team's own config and change with every
#: ordinary PR; what must hold for them is a `spinops check` repository rule, not a test (docs/check.md).
REFERENCE = FIXTURES / "reference"


def run_spinops(
    *args: str, cwd: Path | str | None = None, env: dict | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess (what a user or a workflow runs), by default inside the frozen
    reference installation, so a default `--repo .` never reads the team's live config."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "spinops", *args],
        cwd=cwd or REFERENCE,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_on_a_terminal(*args: str, env: dict | None = None, cwd: Path | str | None = None) -> str:
    """Run the CLI with stdout on a pseudo-terminal (as in a user's shell); return what it printed there."""
    import pty

    leader, follower = pty.openpty()
    base = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    proc = subprocess.Popen([sys.executable, "-m", "spinops", *args], stdout=follower, stderr=subprocess.DEVNULL,
                            env={**base, **(env or {})}, cwd=cwd or ROOT)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode()
