"""`spinops diff --live`: run `kubectl diff --server-side` with spinops as the differ.

kubectl does a server-side dry-run apply of every object, writes the live and the would-be objects
into two directories and runs KUBECTL_EXTERNAL_DIFF on them: here a script (spinops.kube.differ)
that runs `python -m spinops external-diff "$@"` with this very interpreter; options travel in
SPINOPS_DIFF_* environment variables (see `spinops.commands.external_diff`). kubectl's exit code is
passed through unchanged: 0 no differences, 1 differences, >1 an error (ours: 2 bad input, 3 internal).

The manifests go to kubectl on stdin exactly as `spinops apply` sends them (every object labelled
as a member of the environment's ApplySet, spinops.kube.applyset.applied_manifests): diffing the
plain build would show that label being removed from every object once the first apply has set it.

`kubectl diff` does not know ApplySets (kubernetes/kubectl#1435), so it never shows what the apply
would DELETE (say Kayenta turned off). After it, the apply's own server-side dry run with pruning
(`kubectl apply --dry-run=server --prune --applyset=...`) lists those objects, and the report gets a
prominent "will be DELETED" block at its top (exit 1 when only prunes differ).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from spinops.atomic import write_file
from spinops.errors import InputError, Problem
from spinops.kube.applyset import applied_manifests, applyset_apply_args, manifest_namespace, pruned_from_output
from spinops.kube.argv import diff_args
from spinops.kube.differ import write_differ
from spinops.manifests import load_documents
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
    p = subprocess.run(
        [kubectl, "config", "current-context"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=dict(env or os.environ),
    )
    ctx = p.stdout.strip()
    if p.returncode != 0 or not ctx:
        detail = (p.stderr.strip().splitlines() or ["no current context"])[-1]
        raise InputError(
            Problem(
                f"no Kubernetes cluster configured: `kubectl config current-context` says: {detail}",
                hint="set KUBECONFIG (or a current context) to reach the cluster; `spinops diff --base REF` needs no "
                     "cluster",
            )
        )
    return ctx


def prune_preview(kubectl: str, env_name: str, manifests: Path, *, force_conflicts: bool) -> list[str]:
    """What an apply of `manifests` would delete (ApplySet pruning, server-side dry run); InputError when kubectl
    fails."""
    namespace = manifest_namespace(load_documents(manifests.read_text(encoding="utf-8")), None, manifests)
    args = applyset_apply_args(env_name, namespace, manifests, force_conflicts=force_conflicts, dry_run=True)
    p = subprocess.run(
        [kubectl, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECTL_APPLYSET": "true"},
    )
    if p.returncode != 0:
        detail = (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1]
        raise InputError(
            Problem(f"the prune preview (kubectl apply --dry-run=server --prune) failed: {detail}", file=str(manifests))
        )
    return pruned_from_output(p.stdout)


def deletion_block(pruned: list[str], fmt: str) -> str:
    """The prominent notice of what the apply would delete, in the report's format."""
    if fmt == "markdown":
        return (
            "> [!CAUTION]\n> **"
            + f"{len(pruned)} object(s) will be DELETED** by the apply (ApplySet pruning; `kubectl diff` does not "
              "show them): "
            + ", ".join(f"`{p}`" for p in pruned)
            + "\n\n"
        )
    return (
        f"!!! {len(pruned)} object(s) will be DELETED by the apply (ApplySet pruning):\n"
        + "".join(f"  - {p}\n" for p in pruned)
        + "\n"
    )


def _add_deletions(path: str | None, pruned: list[str], fmt: str) -> None:
    """Put the deletion notice at the top of a written report (after the sticky-comment marker), or into JSON."""
    if not path:
        return

    text = Path(path).read_text(encoding="utf-8") if os.path.exists(path) else ("{}" if fmt == "json" else "")
    if fmt == "json":
        data = json.loads(text)
        data["pruned"] = pruned
        write_file(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
        return
    first, sep, rest = text.partition("\n")
    if first.startswith("<!--"):
        write_file(path, first + sep + deletion_block(pruned, fmt) + rest)
    else:
        write_file(path, deletion_block(pruned, fmt) + text)


def live_diff(
    manifests: Path,
    options: Mapping[str, str | None],
    *,
    kubectl: str | None = None,
    force_conflicts: bool = True,
    prunes: bool = True,
) -> int:
    """Run kubectl diff with spinops as the differ, then (with `prunes`) the prune preview; returns the exit code
    (kubectl's, or 1 when only prunes differ)."""
    env_name = options.get(ENV_ENV) or manifests.parent.name
    if not manifests.is_file():
        raise InputError(
            Problem(
                f"no manifests to diff: {manifests} does not exist",
                file=str(manifests),
                hint=f"run `spinops build --env {env_name}` first",
            )
        )
    kc = kubectl or kubectl_path()
    current_context(kc)
    stdin = applied_manifests(manifests, env_name)
    with tempfile.TemporaryDirectory(prefix="spinops-live-diff-") as tmp:
        differ = write_differ(Path(tmp), DIFFER_NAME, "spinops", "external-diff")
        env = {
            **os.environ,
            **{k: v for k, v in options.items() if v is not None},
            "KUBECTL_EXTERNAL_DIFF": str(differ),
        }
        sys.stdout.flush()
        rc = subprocess.run(
            [kc, *diff_args(force_conflicts=force_conflicts)], input=stdin, text=True, env=env
        ).returncode
    if rc not in (0, 1) or not prunes:
        return rc
    pruned = prune_preview(kc, env_name, manifests, force_conflicts=force_conflicts)
    if not pruned:
        return rc
    fmt = options.get(ENV_FORMAT) or "text"
    if options.get(ENV_OUTPUT):
        _add_deletions(options.get(ENV_OUTPUT), pruned, fmt)
    elif fmt != "json":
        print(deletion_block(pruned, fmt), end="")
    _add_deletions(options.get(ENV_FULL_OUTPUT), pruned, "markdown")
    return 1
