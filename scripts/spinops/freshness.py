"""Is build/<env>/manifests.yaml still the build of the working tree? A failed build leaves the last good
build in place (builds are atomic), and `check --env` must not then check that stale file as if it were
current. The build records a fingerprint of its inputs; check compares it with the working tree's."""

from __future__ import annotations

import hashlib
from pathlib import Path

FILE = "inputs.sha256"
INPUTS = ("halconfig", "kustomize")


def fingerprint(repo: Path) -> str:
    """sha256 over the relative path and bytes of every file under halconfig/ and kustomize/."""
    h = hashlib.sha256()
    for top in INPUTS:
        root = Path(repo) / top
        if not root.is_dir():
            continue
        for f in sorted(p for p in root.rglob("*") if p.is_file()):
            h.update(str(f.relative_to(repo)).encode() + b"\0")
            h.update(f.read_bytes() + b"\0")
    return h.hexdigest() + "\n"


def stale(repo: Path, build_dir: Path) -> bool:
    """True when build_dir records other inputs than the working tree's (False without a record)."""
    recorded = Path(build_dir) / FILE
    return recorded.is_file() and recorded.read_text(encoding="utf-8") != fingerprint(repo)
