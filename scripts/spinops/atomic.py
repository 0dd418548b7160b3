"""Atomic output: everything is written to a temporary sibling and moved into place at the end.

On any error the destination is untouched. Files are written with a trailing fsync-free rename
(rename is atomic on POSIX within one filesystem, which a sibling temp path guarantees).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


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


def write_tree(dest: Path | str, files: Mapping[str, str | bytes], *, replace: bool = False) -> None:
    """Write `files` (relative path -> content) under `dest` all-or-nothing.

    replace=False: the files are added to `dest` (other files there are kept), each written
    only after all of them were staged successfully.
    replace=True: `dest` becomes exactly `files` (the old directory is swapped out).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists() and not dest.is_dir():
        raise NotADirectoryError(f"{dest} is not a directory")
    stage = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        for rel, content in files.items():
            p = stage / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content.encode() if isinstance(content, str) else content)
        if replace or not dest.exists():
            old = None
            if dest.exists():
                old = dest.with_name(f".{dest.name}.old.{os.getpid()}")
                os.replace(dest, old)
            os.replace(stage, dest)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        else:
            for rel in files:
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(stage / rel, target)
            shutil.rmtree(stage, ignore_errors=True)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
