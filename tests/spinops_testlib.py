"""Helpers shared by test modules (importable by name; conftest modules are not, as there are several)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def run_spinops(*args: str, cwd: Path | str | None = None, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess (what a user or a workflow runs)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "spinops", *args],
        cwd=cwd or ROOT,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=600,
    )
