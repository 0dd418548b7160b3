"""Determinism across processes: `spinops build` under different hash seeds, in different checkouts, is byte-identical.

Python randomises str hashing per process (PYTHONHASHSEED), so set iteration order differs between runs;
a build that iterates a set or a dict built from one unsorted would differ from run to run. The two
builds also run in different directories, as two CI checkouts would: no absolute path may reach build/.
"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from spinops_testlib import REFERENCE, run_spinops

pytestmark = pytest.mark.slow


def snapshot(d: Path) -> dict[str, tuple[int, bytes]]:
    """relative path -> (permission bits, bytes) of every file and directory below d."""
    return {
        str(p.relative_to(d)): (stat.S_IMODE(p.stat().st_mode), p.read_bytes() if p.is_file() else b"")
        for p in sorted(d.rglob("*"))
    }


def checkout(dest: Path) -> Path:
    for d in ("halconfig", "kustomize"):
        shutil.copytree(REFERENCE / d, dest / d)
    return dest


@pytest.mark.parametrize("env", ["production", "staging"])
def test_build_is_byte_identical_across_hash_seeds_and_checkouts(tmp_path, env):
    builds = []
    for name, seed in (("first-checkout", "random"), ("second", "1"), ("third", "4242")):
        repo = checkout(tmp_path / name)
        r = run_spinops("build", "--env", env, cwd=repo, env={"PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        builds.append(snapshot(repo / "build"))
    assert builds[0] and builds[0][f"{env}/manifests.yaml"][1]
    assert builds[1] == builds[0]
    assert builds[2] == builds[0]
    for _mode, data in builds[0].values():
        assert str(tmp_path).encode() not in data


def test_render_is_byte_identical_across_hash_seeds(tmp_path):
    outs = []
    for seed in ("random", "7"):
        out = tmp_path / f"out-{seed}"
        r = run_spinops("render", str(REFERENCE / "halconfig"), "--out", str(out), env={"PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        outs.append(snapshot(out))
    assert len(outs[0]) == 13 and outs[0] == outs[1]
