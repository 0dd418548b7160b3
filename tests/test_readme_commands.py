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
    "python3 -m pip install --require-hashes --no-deps -r requirements/bootstrap.txt",
    "nox -s build",
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


# ---------------------------------------------------------------------------------------------------------------
# README's lists, checked against the code they describe (issue 12 item 6: every doc claim true to the code)


def _noxfile_sessions() -> set[str]:
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    return set(re.findall(r"^@nox\.session\(python=PY\)\ndef (\w+)\(session", noxfile, flags=re.M))


def test_readme_lists_every_nox_session():
    start = README.index("nox sessions (`nox -l`):")
    listed = set(re.findall(r"`(\w+)`", README[start : README.index(". ", start)]))
    assert listed == _noxfile_sessions()


def test_readme_names_the_sessions_spinops_env_picks():
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    bodies = re.split(r"^@nox\.session\(python=PY\)\n", noxfile, flags=re.M)[1:]
    # the module-level ENV ($SPINOPS_ENV, else production) passed to a command, not the word in a usage text
    uses_env = {re.match(r"def (\w+)", b).group(1) for b in bodies if re.search(r'"--env",\s*ENV\b|\{ENV\}', b)}
    start = README.index("`SPINOPS_ENV`\npicks the environment of")
    listed = set(re.findall(r"`(\w+)`", README[start + 14 : README.index("(default", start)]))
    assert listed == uses_env - {"build"}  # build builds every environment unless told (README says so)


def _help(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", "spinops", *args, "--help"], capture_output=True, text=True,
                          check=True).stdout


def test_the_commands_table_names_every_command():
    table = README[README.index("| command | what it does | docs |") : README.index("Every command lists")]
    named = {m for m in re.findall(r"^\| `spinops ([a-z-]+)", table, flags=re.M)}
    top = _help()
    listed = set(re.findall(r"^    ([a-z][a-z-]+)\s", top, flags=re.M))
    assert named == listed


def test_every_report_command_takes_format_and_output():
    start = README.index("Every command that writes a report (")
    named = re.findall(r"`([a-z-]+)`", README[start : README.index(")", start)])
    assert named
    for cmd in named:
        text = _help(cmd)
        assert "--format" in text and "-o FILE, --output FILE" in text, cmd
