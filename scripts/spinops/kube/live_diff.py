"""`spinops diff --live`: run `kubectl diff --server-side` with spinops as the differ.

kubectl does a server-side dry-run apply of every object, writes the live and the would-be objects
into two directories and runs KUBECTL_EXTERNAL_DIFF on them: here a script (spinops.kube.differ)
that runs `python -m spinops external-diff "$@"` with this very interpreter; options travel in
SPINOPS_DIFF_* environment variables (see `spinops.commands.external_diff`). kubectl's exit code is
passed through unchanged: 0 no differences, 1 differences, >1 an error (ours: 2 bad input, 3 internal).

The manifests go to kubectl on stdin exactly as `spinops apply` sends them (every object labelled
as a member of the environment's ApplySet, spinops.kube.applyset.applied_manifests): diffing the
plain build would show that label being removed from every object once the first apply has set it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from spinops.errors import InputError, Problem
from spinops.kube.applyset import applied_manifests
from spinops.kube.argv import diff_args
from spinops.kube.differ import write_differ
from spinops.tools import kubectl as kubectl_path

#: Options for the external differ (kubectl passes the environment through to it).
ENV_FORMAT = "SPINOPS_DIFF_FORMAT"
ENV_ENV = "SPINOPS_DIFF_ENV"
ENV_OUTPUT = "SPINOPS_DIFF_OUTPUT"
ENV_FULL_OUTPUT = "SPINOPS_DIFF_FULL_OUTPUT"
ENV_CHECK_RESULTS = "SPINOPS_DIFF_CHECK_RESULTS"
ENV_CONTEXT = "SPINOPS_DIFF_CONTEXT"
#: The name of the differ script kubectl runs.
DIFFER_NAME = "spinops-external-diff"


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


def live_diff(manifests: Path, options: Mapping[str, str | None], *, kubectl: str | None = None, force_conflicts: bool = False) -> int:
    """Run kubectl diff with spinops as the differ; returns kubectl's exit code."""
    env_name = options.get(ENV_ENV) or manifests.parent.name
    if not manifests.is_file():
        raise InputError(Problem(f"no manifests to diff: {manifests} does not exist", file=str(manifests), hint=f"run `spinops build --env {env_name}` first"))
    kc = kubectl or kubectl_path()
    current_context(kc)
    stdin = applied_manifests(manifests, env_name)
    with tempfile.TemporaryDirectory(prefix="spinops-live-diff-") as tmp:
        differ = write_differ(Path(tmp), DIFFER_NAME, "spinops", "external-diff")
        env = {**os.environ, **{k: v for k, v in options.items() if v is not None}, "KUBECTL_EXTERNAL_DIFF": str(differ)}
        sys.stdout.flush()
        return subprocess.run([kc, *diff_args(force_conflicts=force_conflicts)], input=stdin, text=True, env=env).returncode
