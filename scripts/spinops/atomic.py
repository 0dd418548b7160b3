"""Atomic output: everything is written to a temporary sibling and moved into place at the end.

On any error the destination is untouched. Files are written with a trailing fsync-free rename
(rename is atomic on POSIX within one filesystem, which a sibling temp path guarantees).
A directory is staged the same way (StagedDir) and swapped in whole: the one directory swap
that `spinops build` (build/<env>/) and `spinops render --out` share.

The swap is one atomic exchange where the kernel offers it (Linux renameat2 RENAME_EXCHANGE, see
man 2 rename); elsewhere two renames, and a run interrupted between them is recovered by the next
one (the old directory is renamed back). Staging holds a lock on the destination, so a second build
of the same environment stops with a clear message instead of interleaving; leftovers of an
interrupted run (`.<name>.*.tmp`, `.<name>.old.*`) are removed by the next run.
"""

from __future__ import annotations

import ctypes
import fcntl
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


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (renameat2 RENAME_EXCHANGE); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


class _Lock:
    """An exclusive lock on `<parent>/.<name>.lock`, removed on release (the inode is checked after
    locking, so a lock file removed by the previous holder is not trusted)."""

    def __init__(self, dest: Path):
        self.path = dest.with_name(f".{dest.name}.lock")
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise InputError(Problem(f"another spinops run is writing {dest} (pid {holder}); wait for it to finish",
                                         file=str(dest), code="locked")) from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd: int | None = fd

    def release(self) -> None:
        if self.fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = None


def recover(dest: Path) -> None:
    """Undo what an interrupted run left next to `dest` (call with the lock held)."""
    olds = sorted(dest.parent.glob(f".{dest.name}.old.*"), key=lambda p: p.stat().st_mtime)
    if olds and not dest.exists():  # interrupted between the two renames: the old output comes back
        os.replace(olds.pop(), dest)
    for p in [*olds, *dest.parent.glob(f".{dest.name}.*.tmp")]:
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


class StagedDir:
    """A sibling temporary directory that replaces `dest` on commit(), and vanishes on discard()."""

    def __init__(self, dest: Path | str):
        self.dest = Path(dest)
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _Lock(self.dest)
        try:
            recover(self.dest)
            self.path = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}.", suffix=".tmp", dir=self.dest.parent))
        except BaseException:
            self._lock.release()
            raise

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
        if self.dest.is_symlink() or (self.dest.exists() and not self.dest.is_dir()):
            raise InputError(Problem(f"{self.dest} exists and is not a directory", file=str(self.dest)))
        if self.dest.exists() and _exchange(self.path, self.dest):
            shutil.rmtree(self.path, ignore_errors=True)  # the old output, under the staged name
            self._lock.release()
            return
        old = None
        if self.dest.exists():
            old = self.dest.with_name(f".{self.dest.name}.old.{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(self.dest, old)
        os.replace(self.path, self.dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        self._lock.release()

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self._lock.release()


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
