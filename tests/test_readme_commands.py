"""README's shell examples work as shown: every command of its ```sh blocks runs here, in a copy of the
repository, with this test environment's `spinops` (what `uv tool install --editable .` puts on PATH) first
on PATH. Commands that install from a package registry (pip, uv, nox's virtualenvs) cannot run offline:
they are listed in NEEDS_NETWORK, and for nox the session they name must exist in noxfile.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
NEEDS_NETWORK = {
    "python3 -m pip install nox uv && nox -s build",
    "nox -s tests",
    "uv tool install --editable .",
}


def commands() -> list[str]:
    out = []
    for block in re.findall(r"^```sh\n(.*?)^```", README, flags=re.M | re.S):
        for line in block.splitlines():
            cmd = re.split(r"\s{2,}#", line)[0].strip()  # a trailing `   # comment`
            if cmd and not cmd.startswith("#"):
                out.append(cmd)
    return out


def test_readme_has_the_path_install_and_the_commands_this_test_knows():
    cmds = commands()
    assert "uv tool install --editable ." in cmds
    assert set(cmds) >= NEEDS_NETWORK, "a network-only command left README: update NEEDS_NETWORK"
    assert "pipx install --editable ." in README


def test_nox_sessions_named_in_readme_exist():
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    sessions = {s for c in commands() for s in re.findall(r"nox -s (\w+)", c)}
    assert sessions == {"build", "tests"}
    for s in sessions:
        assert re.search(rf"^def {s}\(session", noxfile, flags=re.M), s


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    repo = tmp_path_factory.mktemp("readme") / "spinops"
    repo.mkdir()
    for d in ("halconfig", "kustomize"):
        shutil.copytree(ROOT / d, repo / d)
    shutil.copy(ROOT / ".pre-commit-config.yaml", repo)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


@pytest.mark.parametrize("cmd", [c for c in commands() if c not in NEEDS_NETWORK])
def test_readme_command_runs(cmd, checkout, tmp_path):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    proc = subprocess.run(["bash", "-c", cmd], cwd=checkout, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
