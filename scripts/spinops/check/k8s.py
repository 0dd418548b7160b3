"""Small, pure helpers over Kubernetes resources that several rules share.

Paths are tuples of keys and list indexes (`("spec", "template", "spec", "containers", 0)`);
`jsonpath()` renders one as the JSONPath string findings carry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spinops.credentials import is_credential_key

#: Where the pod template lives in each workload kind (a Pod is its own template).
POD_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}

Path = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def jsonpath(path: Path) -> str:
    """`("data", "a.yml")` -> `$.data['a.yml']`; `("spec", "containers", 0)` -> `$.spec.containers[0]`."""
    out = "$"
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        elif _PLAIN_KEY.match(seg):
            out += f".{seg}"
        else:
            out += "['" + seg.replace("\\", "\\\\").replace("'", "\\'") + "']"
    return out


def dotted(path: Path) -> str:
    """A short human form for paths inside embedded config files: `github.accounts[0].token`."""
    out = ""
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else str(seg))
    return out


def as_list(value) -> list:
    """`value` if it is a list, else [] (rules also see schema-invalid resources)."""
    return value if isinstance(value, list) else []


def get_path(obj, path: Path):
    """The value at `path`, or None when any step is missing."""
    cur = obj
    for seg in path:
        if isinstance(seg, int):
            if not isinstance(cur, list) or not -len(cur) <= seg < len(cur):
                return None
        elif not isinstance(cur, dict) or seg not in cur:
            return None
        cur = cur[seg]
    return cur


def pod_template(resource: dict) -> tuple[dict, Path] | None:
    """(template, path of the template) for Pods and workloads; None for other kinds."""
    prefix = POD_TEMPLATE_PATHS.get(str(resource.get("kind")))
    if prefix is None:
        return None
    tmpl = get_path(resource, prefix)
    return (tmpl, prefix) if isinstance(tmpl, dict) else None


def is_workload(resource: dict) -> bool:
    """A controller with a pod template (Deployment, StatefulSet, ..., CronJob); a bare Pod is not one."""
    return resource.get("kind") != "Pod" and pod_template(resource) is not None


def pod_spec(resource: dict) -> tuple[dict, Path] | None:
    found = pod_template(resource)
    if not found:
        return None
    tmpl, prefix = found
    spec = tmpl.get("spec")
    return (spec, (*prefix, "spec")) if isinstance(spec, dict) else None


def containers(resource: dict, *, init: bool = True) -> Iterator[tuple[dict, Path]]:
    """Every container of a Pod or workload (init containers too unless init=False), with its path."""
    found = pod_spec(resource)
    if not found:
        return
    spec, prefix = found
    keys = ("initContainers", "containers") if init else ("containers",)
    for key in keys:
        items = spec.get(key)
        if isinstance(items, list):
            for i, c in enumerate(items):
                if isinstance(c, dict):
                    yield c, (*prefix, key, i)


def labels(resource: dict) -> dict:
    meta = resource.get("metadata")
    lab = meta.get("labels") if isinstance(meta, dict) else None
    return lab if isinstance(lab, dict) else {}


def annotations_of(resource: dict) -> dict:
    meta = resource.get("metadata")
    ann = meta.get("annotations") if isinstance(meta, dict) else None
    return ann if isinstance(ann, dict) else {}


def name(resource: dict) -> str:
    meta = resource.get("metadata")
    return str(meta.get("name") or "") if isinstance(meta, dict) else ""


def namespace(resource: dict) -> str:
    meta = resource.get("metadata")
    return str(meta.get("namespace") or "") if isinstance(meta, dict) else ""


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """`repo/name:tag@sha256:...` -> (repository, tag or None, digest or None)."""
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    tag = None
    path, slash, last = image.rpartition("/")
    if ":" in last:
        # the name ends at its first `:`, so an invalid tag such as Halyard's `spinnaker-local:1.28.1` stays whole
        name, tag = last.split(":", 1)
        image = path + slash + name
    return image, tag, digest


#: Path segments under which a value may be a credential (env values, args, annotations such as
#: last-applied-configuration); with Secrets and ConfigMaps, reports never echo values there.
_SENSITIVE_SEGMENTS = frozenset({"env", "args", "command", "annotations", "data", "stringData", "binaryData"})


def may_hold_credentials(resource: dict, path: Path) -> bool:
    """True when the value at `path` must not be printed (it could be a credential): in a Secret or
    ConfigMap, under a sensitive segment or a credential key, or a collection that holds one (a whole
    container spec holds its env values)."""
    if resource.get("kind") in ("Secret", "ConfigMap"):
        return True
    if any(isinstance(seg, str) and (seg in _SENSITIVE_SEGMENTS or is_credential_key(seg)) for seg in path):
        return True
    return _holds_sensitive(get_path(resource, path), 0)


def _holds_sensitive(value, depth: int) -> bool:
    if depth > 64:  # deeper than any manifest: do not print it
        return True
    if isinstance(value, dict):
        return any(
            str(k) in _SENSITIVE_SEGMENTS or is_credential_key(k) or _holds_sensitive(v, depth + 1)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_holds_sensitive(v, depth + 1) for v in value)
    return False
