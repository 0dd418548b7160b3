"""The revision record of an environment, kept on its ApplySet parent (the ConfigMap spinops-<env>).

kubectl owns the parent's `applyset.kubernetes.io/*` label and annotations: it updates them with a
server-side apply as the field manager `kubectl-applyset` that names only those fields (kubectl
staging/src/k8s.io/kubectl/pkg/cmd/apply/applyset.go, buildParentPatch / FieldManager). Fields set by
other field managers are left alone, so spinops keeps its record on the same object with two managers
of its own:

- `spinops-revision` (every apply): the commit that was applied, when, and how it ended
  (`applied`, `good`, `failed`, `rolled-back`);
- `spinops-last-good` (only after every rollout completed): the last good commit, when, and the exact
  manifests applied then (gzip, in binaryData), which a rollback re-applies and drift compares against.

Each is a server-side apply of a partial ConfigMap, so one manager never removes the other's fields.
"""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass

from spinops.kube.applyset import applyset_parent

PREFIX = "spinops.io/"
REVISION = PREFIX + "revision"
APPLIED_AT = PREFIX + "applied-at"
STATUS = PREFIX + "revision-status"
RUN_URL = PREFIX + "run-url"
LAST_GOOD = PREFIX + "last-good-revision"
LAST_GOOD_AT = PREFIX + "last-good-applied-at"
LAST_GOOD_MANIFESTS = "last-good-manifests.yaml.gz"

REVISION_MANAGER = "spinops-revision"
LAST_GOOD_MANAGER = "spinops-last-good"
#: A ConfigMap holds at most 1 MiB (Kubernetes API, ConfigMap size limit); keep room for kubectl's fields.
MAX_STORED = 900 * 1024


@dataclass(frozen=True)
class Revision:
    commit: str = ""
    applied_at: str = ""
    status: str = ""
    run_url: str = ""
    last_good: str = ""
    last_good_at: str = ""
    last_good_manifests: str | None = None  # None when not stored

    @property
    def known(self) -> bool:
        return bool(self.commit or self.last_good)


def _partial(env: str, namespace: str, annotations: dict[str, str], binary: dict[str, str] | None = None) -> str:
    obj: dict = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": applyset_parent(env), "namespace": namespace, "annotations": annotations},
    }
    if binary:
        obj["binaryData"] = binary
    return json.dumps(obj, sort_keys=True)


def revision_patch(env: str, namespace: str, commit: str, applied_at: str, status: str, run_url: str = "") -> str:
    """The `spinops-revision` manager's partial parent (for `kubectl apply --server-side -f -`)."""
    ann = {REVISION: commit, APPLIED_AT: applied_at, STATUS: status}
    if run_url:
        ann[RUN_URL] = run_url
    return _partial(env, namespace, ann)


def last_good_patch(env: str, namespace: str, commit: str, applied_at: str, manifests: str) -> str | None:
    """The `spinops-last-good` manager's partial parent, or None when the manifests do not fit a ConfigMap."""
    packed = base64.b64encode(gzip.compress(manifests.encode(), mtime=0)).decode()
    if len(packed) > MAX_STORED:
        return None
    return _partial(env, namespace, {LAST_GOOD: commit, LAST_GOOD_AT: applied_at}, {LAST_GOOD_MANIFESTS: packed})


def read_revision(parent_json: str) -> Revision:
    """The record from `kubectl get configmap spinops-<env> -o json` (empty when there is none)."""
    try:
        obj = json.loads(parent_json) if parent_json.strip() else {}
    except ValueError:
        return Revision()
    if not isinstance(obj, dict):
        return Revision()
    ann = (obj.get("metadata") or {}).get("annotations") or {}
    packed = (obj.get("binaryData") or {}).get(LAST_GOOD_MANIFESTS)
    manifests = None
    if packed:
        try:
            manifests = gzip.decompress(base64.b64decode(packed)).decode()
        except (ValueError, OSError, EOFError):
            manifests = None
    return Revision(
        commit=ann.get(REVISION, ""),
        applied_at=ann.get(APPLIED_AT, ""),
        status=ann.get(STATUS, ""),
        run_url=ann.get(RUN_URL, ""),
        last_good=ann.get(LAST_GOOD, ""),
        last_good_at=ann.get(LAST_GOOD_AT, ""),
        last_good_manifests=manifests,
    )


def get_parent_args(env: str, namespace: str) -> list[str]:
    """`kubectl get` of the parent, empty output (exit 0) when it does not exist yet."""
    return ["get", "configmap", applyset_parent(env), "--namespace", namespace, "--ignore-not-found", "-o", "json"]


def record_args(manager: str) -> list[str]:
    """`kubectl apply --server-side` of a partial parent on stdin, as one of spinops' record managers."""
    return ["apply", "--server-side", f"--field-manager={manager}", "--force-conflicts", "-f", "-"]
