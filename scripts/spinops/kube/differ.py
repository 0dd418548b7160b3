"""The one writer of the programs kubectl runs as KUBECTL_EXTERNAL_DIFF.

kubectl splits KUBECTL_EXTERNAL_DIFF on spaces and keeps extra words only when they look like flags
(^[a-zA-Z0-9-=]+$; kubectl pkg/cmd/diff/diff.go, DiffProgram), so
`python -m spinops.x` cannot be passed directly: it names one executable, a small shell script in a
temporary directory that runs a Python module with this very interpreter.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from spinops.errors import InputError, Problem

_SAFE_PATH = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+")


def write_differ(directory: Path, name: str, *module_argv: str) -> Path:
    """An executable `directory/name` that runs `python -m MODULE_ARGV... "$@"` (a path with no spaces)."""
    script = Path(directory) / name
    if not set(str(script)) <= _SAFE_PATH:
        raise InputError(
            Problem(
                f"temporary directory path {directory} contains characters kubectl cannot pass through "
                "KUBECTL_EXTERNAL_DIFF",
                hint="set TMPDIR to a plain path",
            )
        )
    words = " ".join(shlex.quote(w) for w in (sys.executable, "-m", *module_argv))
    script.write_text(f"#!/bin/sh\nexec {words} \"$@\"\n", encoding="utf-8")
    script.chmod(0o755)
    return script
