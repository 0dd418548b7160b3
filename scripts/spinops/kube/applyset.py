"""The ApplySet of an environment (KEP-3659, `kubectl apply --prune --applyset`).

Every object spinops applies is a member of the ApplySet `configmaps/spinops-<env>` in the manifests'
namespace, so pruning deletes exactly what an earlier apply of that environment created and the
build no longer renders. kubectl labels each member `applyset.kubernetes.io/part-of=<id>`; a diff
must send the manifests with that label (as_applied), or it shows the label being removed.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from spinops import yamlio
from spinops.errors import InputError, Problem
from spinops.kube.argv import server_side_apply
from spinops.manifests import load_documents

#: kubectl puts this label on every member of an ApplySet (value: the ApplySet id, see applyset_id).
APPLYSET_PART_OF = "applyset.kubernetes.io/part-of"


def manifest_namespace(docs: Sequence[dict], explicit: str | None, path: Path) -> str:
    """The namespace the ApplySet parent and the Secrets live in: --namespace, else the one namespace the manifests
    use."""
    if explicit:
        return explicit
    found = sorted({ns for d in docs if isinstance(ns := (d.get("metadata") or {}).get("namespace"), str) and ns})
    if len(found) == 1:
        return found[0]
    msg = "the manifests set no namespace" if not found else "the manifests use several namespaces: " + ", ".join(found)
    raise InputError(Problem(msg, str(path), hint="pass --namespace NAME"))


def applyset_parent(env: str) -> str:
    """The ApplySet parent of an environment: a ConfigMap in the manifests' namespace."""
    return f"spinops-{env}"


def applyset_args(env: str, namespace: str) -> list[str]:
    """The flags that make an apply prune within the environment's ApplySet (needs KUBECTL_APPLYSET=true)."""
    return ["--prune", f"--applyset=configmaps/{applyset_parent(env)}", "--namespace", namespace]


def applyset_apply_args(
    env: str, namespace: str, manifests: Path | str, *, force_conflicts: bool, dry_run: bool
) -> list[str]:
    """`kubectl apply --server-side ... --prune --applyset=...` of a manifests file (needs KUBECTL_APPLYSET=true).

    With dry_run its `pruned (server dry run)` lines are exactly what the apply would delete: the one
    place prunes are seen, since `kubectl diff` has no ApplySet support (kubernetes/kubectl#1435).
    """
    return [
        *server_side_apply(force_conflicts),
        *(["--dry-run=server"] if dry_run else []),
        *applyset_args(env, namespace),
        "-f",
        str(manifests),
    ]


def applyset_id(name: str, namespace: str, kind: str = "ConfigMap", group: str = "") -> str:
    """kubectl's ApplySet id (KEP-3659): applyset-<base64url(sha256(name.namespace.kind.group))>-v1."""
    digest = hashlib.sha256(".".join((name, namespace, kind, group)).encode()).digest()
    return "applyset-" + base64.urlsafe_b64encode(digest).decode().rstrip("=") + "-v1"


def as_applied(docs: Sequence[dict], env: str, namespace: str) -> str:
    """The manifests as `kubectl apply --applyset` sends them: every object labelled as a member.

    A `kubectl diff` of the plain manifests would show that label being removed from every object
    once the first apply has set it (same field manager), so the plan diffs this instead.
    """
    label = applyset_id(applyset_parent(env), namespace)
    items = []
    for d in docs:
        d = copy.deepcopy(d)
        meta = d.setdefault("metadata", {})
        meta["labels"] = {**(meta.get("labels") or {}), APPLYSET_PART_OF: label}
        items.append(d)
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, sort_keys=True)


def applied_manifests(manifests: Path, env: str, namespace: str | None = None) -> str:
    """as_applied() for a manifests file (for `kubectl diff -f -`, e.g. the live diff)."""
    docs = load_documents(yamlio.read_text(manifests), str(manifests))
    return as_applied(docs, env, manifest_namespace(docs, namespace, manifests))


def pruned_from_output(text: str) -> list[str]:
    """`configmap/x pruned` / `... pruned (server dry run)` lines of kubectl apply."""
    out = []
    for line in text.splitlines():
        parts = line.strip().split(" ", 1)
        if len(parts) == 2 and parts[1] in ("pruned", "pruned (server dry run)", "pruned (dry run)"):
            out.append(parts[0])
    return out
