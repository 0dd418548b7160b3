"""Normalisation: strip what changes on every apply, pair generated names by their stem.

kustomize's configMapGenerator/secretGenerator append `-<10 chars>` (a hash of the content) to the
name, and rewrite every reference to it. Comparing raw names would show a changed ConfigMap as a
delete plus an add and every Deployment that mounts it as changed. So a generated name is split
into (stem, hash); the stem identifies the resource, and references are rewritten to the stem.
The fact that a Deployment rolls because its config changed is kept as one synthetic comment line
per referenced generated object (`# spinops: ConfigMap echo-config hash m54h8t2bk6`), so a config
change shows as exactly one changed line in each Deployment that mounts it and nothing else.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import yaml

from spinops.manifests import _NoAliasDumper

#: kustomize encodes the first 10 hex digits of a sha256 with 0->g 1->h 3->k a->m e->t (no vowels).
HASH_SUFFIX = re.compile(r"^(?P<stem>.+)-(?P<hash>[2456789bcdfghkmt]{10})$")
#: Kinds kustomize generates with a hash suffix.
GENERATED_KINDS = frozenset({("", "ConfigMap"), ("", "Secret")})

#: Fields the API server (or client-side apply) sets; they change without anyone changing anything.
NOISY_METADATA = (
    "generation",
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)
NOISY_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision")


def split_generated(kind_key: tuple[str, str], name: str) -> tuple[str, str | None]:
    """(stem, hash) of a generated name; (name, None) for anything else."""
    if kind_key in GENERATED_KINDS:
        m = HASH_SUFFIX.match(name)
        if m:
            return m.group("stem"), m.group("hash")
    return name, None


def strip_noise(obj: dict) -> dict:
    """A deep copy of `obj` without server-set and apply-bookkeeping fields."""
    out = copy.deepcopy(obj)
    out.pop("status", None)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for k in NOISY_METADATA:
            meta.pop(k, None)
        ann = meta.get("annotations")
        if isinstance(ann, dict):
            for k in NOISY_ANNOTATIONS:
                ann.pop(k, None)
            if not ann:
                meta.pop("annotations")
    # `creationTimestamp: null` in pod templates is printed by some clients, never meaningful
    tmeta = (
        ((out.get("spec") or {}).get("template") or {}).get("metadata") if isinstance(out.get("spec"), dict) else None
    )
    if isinstance(tmeta, dict) and tmeta.get("creationTimestamp", 0) is None:
        tmeta.pop("creationTimestamp")
    return out


@dataclass(frozen=True)
class GeneratedRef:
    kind: str
    stem: str
    hash: str

    def line(self) -> str:
        return f"# spinops: {self.kind} {self.stem} hash {self.hash}"


def rewrite_generated_refs(obj: dict, stems: dict[tuple[str, str], str]) -> tuple[dict, list[GeneratedRef]]:
    """Replace every string that names a generated object (`<stem>-<hash>`, stem known in the
    object's namespace) with the stem, in place. Returns the object and the references found.

    `stems` maps (namespace, stem) -> kind, from both sides of the comparison, so a reference to
    a ConfigMap that exists on one side only (kubectl's LIVE dir never holds the old one) is
    still recognised.
    """
    ns = str((obj.get("metadata") or {}).get("namespace") or "")
    found: dict[tuple[str, str], GeneratedRef] = {}

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, str):
                    node[k] = sub(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, str):
                    node[i] = sub(v)
                else:
                    walk(v)

    def sub(s: str) -> str:
        if "-" not in s or len(s) < 12:
            return s
        m = HASH_SUFFIX.match(s)
        if not m:
            return s
        kind = stems.get((ns, m.group("stem")))
        if kind is None:
            return s
        found[(kind, m.group("stem"))] = GeneratedRef(kind, m.group("stem"), m.group("hash"))
        return m.group("stem")

    meta = obj.get("metadata")
    own_name = meta.get("name") if isinstance(meta, dict) else None
    walk(obj)
    if isinstance(meta, dict) and own_name is not None:
        meta["name"] = own_name  # the object's own name is paired separately, never a reference
        found.pop((str(obj.get("kind", "")), HASH_SUFFIX.sub(r"\g<stem>", str(own_name))), None)
    return obj, [found[k] for k in sorted(found)]


class _DiffDumper(_NoAliasDumper):
    """Block style, sorted keys, multi-line strings as `|` blocks so file contents diff line by line."""


_TRAILING_WS = re.compile(r"[ \t]+(?=\n)")


def _visible(data: str) -> str:
    """Make what stops YAML's block style visible instead: trailing blanks, tabs, CR (display only,
    so a whitespace-only change still shows as a changed line)."""
    data = _TRAILING_WS.sub(lambda m: m.group(0).replace(" ", "\u2420").replace("\t", "\u2409"), data)
    return data.replace("\t", "\u2409").replace("\r", "\u240d")


def _str_representer(dumper, data: str):
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", _visible(data), style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_DiffDumper.add_representer(str, _str_representer)


def to_text(obj: dict, refs: list[GeneratedRef] | None = None) -> str:
    """Stable YAML text of a normalised object, preceded by its generated-reference lines."""
    head = "".join(r.line() + "\n" for r in refs or ())
    return head + yaml.dump(
        obj, Dumper=_DiffDumper, default_flow_style=False, sort_keys=True, allow_unicode=True, width=4096
    )
