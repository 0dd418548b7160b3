"""The noxfile, run by the real nox: a session whose interpreter is missing must fail, not pass green.

With `error_on_missing_interpreters = False` nox reports such a session as *skipped* and exits 0, so a
deploy job on a runner without Python 3.11 would go green without deploying (issue 13, item 11).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from spinops_testlib import ROOT


def nox_command() -> list[str]:
    for python in (sys.executable, shutil.which("python3")):
        if python and subprocess.run([python, "-c", "import nox"], capture_output=True).returncode == 0:
            return [python, "-m", "nox"]
    pytest.skip("nox is not installed next to any Python here (CI installs it first: .ci/run)")


@pytest.mark.parametrize("setting", ["True", "False"])
def test_a_missing_interpreter_fails_the_session(tmp_path, setting):
    text = (ROOT / "noxfile.py").read_text()
    if setting == "False":  # the same noxfile with the old setting: proves the test can fail
        text = text.replace(
            "nox.options.error_on_missing_interpreters = True", "nox.options.error_on_missing_interpreters = False"
        )
        assert "error_on_missing_interpreters = False" in text
    (tmp_path / "noxfile.py").write_text(text)
    proc = subprocess.run(
        [*nox_command(), "--noxfile", str(tmp_path / "noxfile.py"), "-s", "build", "--force-python", "3.99"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Python interpreter 3.99 not found" in proc.stderr
    assert (proc.returncode != 0) == (setting == "True"), proc.stderr
