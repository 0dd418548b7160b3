"""Interrupted and concurrent runs (issue 11 item 10): the output is always a complete old or new tree,
leftovers are cleaned up by the next run, a second writer of the same output stops with a clear error."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spinops import atomic
from spinops.atomic import StagedDir
from spinops.errors import InputError

FILES = [f"d{i}/f{j}.txt" for i in range(3) for j in range(20)]

WRITER = """
import sys
from pathlib import Path
from spinops.atomic import StagedDir
dest, files = Path(sys.argv[1]), sys.argv[2:]
n = 0
while True:
    n += 1
    s = StagedDir(dest)
    try:
        s.write({rel: f"version {n}\\n" * 50 for rel in files})
        s.commit()
    finally:
        s.discard()
"""


def complete(dest: Path) -> bool:
    """Every file present, all of one version."""
    texts = {(dest / rel).read_text() for rel in FILES if (dest / rel).is_file()}
    return len(texts) == 1 and all((dest / rel).is_file() for rel in FILES)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_killed_writers_leave_a_complete_old_or_new_tree(tmp_path, sig):
    dest = tmp_path / "build" / "production"
    first = StagedDir(dest)
    first.write(dict.fromkeys(FILES, "version 0\n"))
    first.commit()
    rng = random.Random(sig)
    for _ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(dest), *FILES])
        time.sleep(rng.uniform(0.05, 0.6))  # a random point of the write/commit loop, the swap included
        proc.send_signal(sig)
        proc.wait()
        StagedDir(dest).discard()  # the next run: recovers and cleans up under the lock
        assert complete(dest)
        leftovers = sorted(p.name for p in dest.parent.iterdir() if p.name != "production")
        assert leftovers == []


def test_an_interruption_between_the_two_renames_is_recovered(tmp_path, monkeypatch):
    dest = tmp_path / "out"
    s = StagedDir(dest)
    s.write({"a.txt": "old"})
    s.commit()
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)  # a system without RENAME_EXCHANGE
    real = os.replace
    calls = []

    def interrupted(a, b):
        calls.append((a, b))
        real(a, b)
        if len(calls) == 1:
            raise KeyboardInterrupt  # right after the old output was moved aside

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    s = StagedDir(dest)
    s.write({"a.txt": "new"})
    with pytest.raises(KeyboardInterrupt):
        s.commit()
    monkeypatch.setattr(atomic.os, "replace", real)
    assert not dest.exists()
    s._lock.release()  # the process that held it is gone
    StagedDir(dest).discard()  # the next run
    assert (dest / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_second_writer_of_the_same_output_stops_with_a_clear_error(tmp_path):
    dest = tmp_path / "build" / "production"
    first = StagedDir(dest)
    try:
        with pytest.raises(InputError) as e:
            StagedDir(dest)
        (p,) = e.value.problems
        assert p.code == "locked" and f"pid {os.getpid()}" in p.message
        StagedDir(tmp_path / "build" / "staging").discard()  # another environment is not blocked
    finally:
        first.discard()
    StagedDir(dest).discard()  # free again


def test_an_interrupted_diff_leaves_no_registered_worktree(tmp_path):
    from spinops.diff import trees

    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "a").write_text("a")
    subprocess.run([*git, "add", "a"], check=True)
    subprocess.run([*git, "commit", "-qm", "a"], check=True)
    stale = tmp_path / f"{trees._WORKTREE_PREFIX}stale"
    stale.mkdir()
    (stale / ".pid").write_text("999999999")  # no such process
    subprocess.run([*git, "worktree", "add", "--detach", "-q", str(stale / "tree"), "HEAD"], check=True)
    with trees.worktree(repo, "HEAD") as wt:
        assert wt.is_dir()
    listed = subprocess.run(
        [*git, "worktree", "list", "--porcelain"], capture_output=True, text=True, check=True
    ).stdout
    assert str(stale) not in listed and not stale.exists()
