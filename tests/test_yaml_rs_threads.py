"""yaml-rs 0.1.6, imported first inside a worker thread that then ends, crashes the process (SIGSEGV) on a
later parse in another thread. `spinops diff` and the PR pipeline build base and head in two threads, so
`spinops diff --env all` died with signal 11 on its second environment. yamlio.before_threads() imports it
in the main thread first. The child process below is what diff does, without the fix it crashed 4 runs in 5."""

from __future__ import annotations

import subprocess
import sys

from spinops_testlib import REFERENCE

SCRIPT = """
import sys, threading
from pathlib import Path
from spinops import yamlio
from spinops.halconfig.load import load_halconfig
if sys.argv[1] == "fixed":
    yamlio.before_threads()
def load():
    load_halconfig(Path(sys.argv[2]) / "halconfig", "staging")
for _ in range(30):
    threads = [threading.Thread(target=load) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
print("ok")
"""


def test_halconfig_loads_in_fresh_threads_after_before_threads():
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT, "fixed", str(REFERENCE)], capture_output=True, text=True, timeout=300
    )
    assert (r.returncode, r.stdout.strip()) == (0, "ok"), r.stderr[-2000:]
