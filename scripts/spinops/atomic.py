"""Atomic output: everything is written to a temporary sibling and moved into place at the end.

On any error the destination is untouched. Files are written with a trailing fsync-free rename
(rename is atomic on POSIX within one filesystem, which a sibling temp path guarantees).
A directory is staged the same way (StagedDir) and swapped in whole: the one directory swap
that `spinops build` (build/<env>/) and `spinops render --out` share.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from spinops.errors import InputError, Problem


def write_file(path: Path | str, data: str | bytes, mode: int = 0o644) -> None:
    """Write one file atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode() if isinstance(data, str) else data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StagedDir:
    """A sibling temporary directory that replaces `dest` on commit(), and vanishes on discard()."""

    def __init__(self, dest: Path | str):
        self.dest = Path(dest)
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}.", suffix=".tmp", dir=self.dest.parent))

    def write(self, files: Mapping[str, str | bytes]) -> None:
        """Add `files` (relative path -> content); everything staged is readable by all (a build dir is shared)."""
        for rel, content in sorted(files.items()):
            p = self.path / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content.encode() if isinstance(content, str) else content)
        for p in sorted(self.path.rglob("*"), reverse=True):  # mkdtemp is 0700
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        os.chmod(self.path, 0o755)

    def commit(self) -> None:
        """Swap the staged directory in for `dest` (the old one, if any, is removed afterwards)."""
        if self.dest.exists() and not self.dest.is_dir():
            raise InputError(Problem(f"{self.dest} exists and is not a directory", file=str(self.dest)))
        old = None
        if self.dest.exists():
            old = self.dest.with_name(f".{self.dest.name}.old.{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(self.dest, old)
        os.replace(self.path, self.dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def write_tree(dest: Path | str, files: Mapping[str, str | bytes], *, replace: bool = False) -> None:
    """Write `files` (relative path -> content) under `dest` all-or-nothing.

    replace=False: the files are added to `dest` (other files there are kept), each written
    only after all of them were staged successfully.
    replace=True: `dest` becomes exactly `files` (the old directory is swapped out).
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise NotADirectoryError(f"{dest} is not a directory")
    stage = StagedDir(dest)
    try:
        stage.write(files)
        if replace or not dest.exists():
            stage.commit()
            return
        for rel in files:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage.path / rel, target)
    finally:
        stage.discard()  # a no-op after commit(): the staged directory has become dest
