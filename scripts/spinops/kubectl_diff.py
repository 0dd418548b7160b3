"""The thin seam of `spinops diff --live`: run `kubectl diff --server-side` with spinops as the differ.

kubectl does a server-side dry-run apply of every object, writes the live and the would-be objects
into two directories and runs KUBECTL_EXTERNAL_DIFF on them. kubectl splits that variable on spaces
and keeps extra words only if they match ^[a-zA-Z0-9-=]+$, so it names one executable, a small
wrapper script in a temporary directory that runs `python -m spinops external-diff "$@"` with this
very interpreter; options travel in SPINOPS_DIFF_* environment variables (see
`spinops.commands.external_diff`). kubectl's exit code is passed through unchanged: 0 no
differences, 1 differences, >1 an error (ours: 2 bad input, 3 internal).

The manifests go to kubectl on stdin exactly as `spinops apply` sends them (every object labelled
as a member of the environment's ApplySet, `spinops.deploy.applied_manifests`): diffing the plain
build would show that label being removed from every object once the first apply has set it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from spinops.errors import InputError, Problem

#: Options for the external differ (kubectl passes the environment through to it).
ENV_FORMAT = "SPINOPS_DIFF_FORMAT"
ENV_ENV = "SPINOPS_DIFF_ENV"
ENV_OUTPUT = "SPINOPS_DIFF_OUTPUT"
ENV_FULL_OUTPUT = "SPINOPS_DIFF_FULL_OUTPUT"
ENV_CHECK_RESULTS = "SPINOPS_DIFF_CHECK_RESULTS"
ENV_CONTEXT = "SPINOPS_DIFF_CONTEXT"
_SAFE_PATH = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+")


def current_context(kubectl: str, env: Mapping[str, str] | None = None) -> str:
    """The kubectl context diff would talk to; InputError when none is configured."""
    # stdin closed: a kubectl that reads it (the test double does) must not wait on an inherited pipe
    p = subprocess.run([kubectl, "config", "current-context"], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=dict(env or os.environ))
    ctx = p.stdout.strip()
    if p.returncode != 0 or not ctx:
        detail = (p.stderr.strip().splitlines() or ["no current context"])[-1]
        raise InputError(
            Problem(
                f"no Kubernetes cluster configured: `kubectl config current-context` says: {detail}",
                hint="set KUBECONFIG (or a current context) to diff against the live cluster; `spinops diff --base REF` needs no cluster",
            )
        )
    return ctx


def write_differ(directory: Path) -> Path:
    """An executable that kubectl can run as KUBECTL_EXTERNAL_DIFF (a path with no spaces)."""
    script = directory / "spinops-external-diff"
    script.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m spinops external-diff \"$@\"\n", encoding="utf-8")
    script.chmod(0o755)
    if not set(str(script)) <= _SAFE_PATH:
        raise InputError(Problem(f"temporary directory path {directory} contains characters kubectl cannot pass through KUBECTL_EXTERNAL_DIFF", hint="set TMPDIR to a plain path"))
    return script


def diff_args(*, field_manager: str, force_conflicts: bool) -> list[str]:
    args = ["diff", "--server-side", f"--field-manager={field_manager}"]
    if force_conflicts:
        args.append("--force-conflicts")
    return [*args, "-f", "-"]


def live_diff(manifests: Path, options: Mapping[str, str], *, kubectl: str | None = None, force_conflicts: bool = False) -> int:
    """Run kubectl diff with spinops as the differ; returns kubectl's exit code."""
    from spinops.deploy import FIELD_MANAGER, applied_manifests
    from spinops.tools import kubectl as kubectl_path

    env_name = options.get(ENV_ENV) or manifests.parent.name
    if not manifests.is_file():
        raise InputError(Problem(f"no manifests to diff: {manifests} does not exist", file=str(manifests), hint=f"run `spinops build --env {env_name}` first"))
    kc = kubectl or kubectl_path()
    current_context(kc)
    stdin = applied_manifests(manifests, env_name)
    with tempfile.TemporaryDirectory(prefix="spinops-live-diff-") as tmp:
        env = {**os.environ, **{k: v for k, v in options.items() if v is not None}, "KUBECTL_EXTERNAL_DIFF": str(write_differ(Path(tmp)))}
        sys.stdout.flush()
        return subprocess.run([kc, *diff_args(field_manager=FIELD_MANAGER, force_conflicts=force_conflicts)], input=stdin, text=True, env=env).returncode
