"""Compare two sets of Kubernetes documents resource by resource (pure: documents in, result out).

Resources are keyed (group, kind, namespace, name) with generated names reduced to their stem;
each side is normalised (noise stripped, generated references rewritten, secrets masked) and
dumped as stable YAML; a changed resource carries a unified diff of those texts.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from spinops.credentials import Masker
from spinops.diff.mask import mask_pair, redactor
from spinops.diff.normalize import GeneratedRef, rewrite_generated_refs, split_generated, strip_noise, to_text
from spinops.manifests import resource_key
from spinops.spinnaker.catalog import release_of_tag
from spinops.spinnaker.services import SERVICE_LABEL

ADDED, CHANGED, REMOVED = "added", "changed", "removed"
OTHER = "other"  # the group of resources without a spinops.io/service label

Key = tuple[str, str, str, str]  # (group, kind, namespace, name-or-stem)


@dataclass
class ResourceChange:
    action: str  # added | changed | removed
    group: str
    kind: str
    namespace: str
    name: str  # the stem for generated objects
    service: str
    diff: str  # unified diff of the normalised, masked YAML
    old_name: str | None = None  # the real names, hash suffix included
    new_name: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"

    @property
    def added_lines(self) -> int:
        return sum(1 for ln in self.diff.splitlines() if ln.startswith("+") and not ln.startswith("+++"))

    @property
    def removed_lines(self) -> int:
        return sum(1 for ln in self.diff.splitlines() if ln.startswith("-") and not ln.startswith("---"))

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "group": self.group,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "old_name": self.old_name,
            "new_name": self.new_name,
            "service": self.service,
            "notes": list(self.notes),
            "added_lines": self.added_lines,
            "removed_lines": self.removed_lines,
            "diff": self.diff,
        }


@dataclass
class DiffResult:
    changes: list[ResourceChange]
    unchanged: int
    old_label: str = "base"
    new_label: str = "head"
    env: str | None = None
    live: bool = False  # kubectl diff against the cluster (vs. two builds)
    impact: dict | None = None  # see spinops.diff.impact.Impact.as_dict
    check: dict | None = None  # summary of `spinops check` findings, when given
    notes: list[str] = field(default_factory=list)  # report-level remarks (e.g. a new environment)
    redact: Masker = field(default_factory=Masker, repr=False)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def counts(self) -> dict[str, dict[str, int]]:
        """kind -> {added, changed, removed}, kinds sorted."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            out.setdefault(c.kind, {ADDED: 0, CHANGED: 0, REMOVED: 0})[c.action] += 1
        return dict(sorted(out.items()))

    def totals(self) -> dict[str, int]:
        t = {ADDED: 0, CHANGED: 0, REMOVED: 0}
        for c in self.changes:
            t[c.action] += 1
        return t

    def release_change(self) -> tuple[str, str] | None:
        """(old, new) Spinnaker release when the changed Deployments' service images moved from one release tag
        to another (a release upgrade: `spinnaker-x.y.z`, or a calendar release's own version), else None."""
        olds: set[str] = set()
        news: set[str] = set()
        for c in self.changes:
            for line in c.diff.splitlines():
                m = re.match(r"^([-+])\s+(?:- )?image: ['\"]?\S+/([a-z0-9-]+):([\w.-]+?)['\"]?$", line)
                version = release_of_tag(m.group(3)) if m else None
                if m and version:
                    (olds if m.group(1) == "-" else news).add(version)
        if len(olds) == 1 and len(news) == 1 and olds != news:
            return olds.pop(), news.pop()
        return None

    def services(self) -> list[str]:
        """Spinnaker services with at least one changed resource (`other` not included)."""
        return sorted({c.service for c in self.changes if c.service != OTHER})

    def by_service(self) -> list[tuple[str, list[ResourceChange]]]:
        groups: dict[str, list[ResourceChange]] = {}
        for c in self.changes:
            groups.setdefault(c.service, []).append(c)
        order = sorted(groups, key=lambda s: (s == OTHER, s))
        return [(s, groups[s]) for s in order]


@dataclass
class _Side:
    obj: dict
    real_name: str
    hash: str | None


def _entries(docs: Iterable[dict]) -> list[tuple[Key, Key, _Side]]:
    """(stem key, full-name key, side) of every document."""
    entries = []
    for d in docs:
        if not isinstance(d, dict) or not d.get("kind"):
            continue
        g, kind, ns, name = resource_key(d)
        stem, h = split_generated((g, kind), name)
        entries.append(((g, kind, ns, stem), (g, kind, ns, name), _Side(d, name, h)))
    return entries


def _ambiguous(entries) -> set[Key]:
    """Stems that two generated objects of one side share (compared by full name instead)."""
    seen: dict[Key, int] = {}
    for stem_key, full_key, _ in entries:
        if stem_key != full_key:
            seen[stem_key] = seen.get(stem_key, 0) + 1
    return {k for k, n in seen.items() if n > 1}


def _index(entries, ambiguous: set[Key]) -> dict[Key, _Side]:
    out: dict[Key, _Side] = {}
    for stem_key, full_key, side in entries:
        if stem_key in ambiguous:
            side.hash = None
            out[full_key] = side
        else:
            out[stem_key] = side
    return out


def _service_of(*objs: dict | None) -> str:
    """The spinops.io/service label of the first object that has one, else `other`."""
    for o in objs:
        labels = ((o or {}).get("metadata") or {}).get("labels") or {}
        if labels.get(SERVICE_LABEL):
            return str(labels[SERVICE_LABEL])
    return OTHER


def compare(
    old_docs: Iterable[dict],
    new_docs: Iterable[dict],
    *,
    old_label: str = "base",
    new_label: str = "head",
    context: int = 3,
    sides: tuple[str, str] = ("base", "head"),
) -> DiffResult:
    """Compare two document lists. Labels name the sides in the report (`main@1a2b3c4`); `sides`
    prefix the file names in the unified diff headers (`--- base/Deployment.apps/spinnaker/fiat`)."""
    old_docs, new_docs = list(old_docs), list(new_docs)
    redact = redactor(old_docs, new_docs)
    eo, en = _entries(old_docs), _entries(new_docs)
    ambiguous = _ambiguous(eo) | _ambiguous(en)
    old, new = _index(eo, ambiguous), _index(en, ambiguous)
    stems: dict[tuple[str, str], str] = {}
    for side in (old, new):
        for (_g, kind, ns, stem), s in side.items():
            if s.hash:
                stems[(ns, stem)] = kind

    changes: list[ResourceChange] = []
    unchanged = 0
    normalised = []
    referenced_before: dict[tuple[str, str], str] = {}  # (kind, stem) -> hash the old side mounts
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        na, ra = _normalise(a, stems)
        nb, rb = _normalise(b, stems)
        referenced_before.update({(r.kind, r.stem): r.hash for r in ra})
        normalised.append((key, a, b, na, ra, nb, rb))
    for key, a, b, na, ra, nb, rb in normalised:
        if a is not None and b is not None and na == nb and ra == rb:
            unchanged += 1
            continue
        mask_pair(na, nb)
        action = CHANGED if a and b else ADDED if b else REMOVED
        g, kind, ns, name = key
        # masked before YAML writes them: an escaped or folded value is out of the text scrub's reach
        ta = to_text(redact.scrub(na), ra) if na is not None else ""
        tb = to_text(redact.scrub(nb), rb) if nb is not None else ""
        diff = _unified(ta, tb, f"{sides[0]}/{_label(key)}", f"{sides[1]}/{_label(key)}", context)
        notes = _notes(a, b, ra, rb)
        if a is None and b is not None and b.hash and referenced_before.get((kind, name), b.hash) != b.hash:
            # kubectl diff only fetches the objects of the new manifests, so the previous
            # generation is not on the old side; say what this one replaces
            notes.append(
                f"replaces {name}-{referenced_before[(kind, name)]} (mounted before; not part of this comparison)"
            )
        change = ResourceChange(
            action=action,
            group=g,
            kind=kind,
            namespace=ns,
            name=name,
            service=_service_of(b.obj if b else None, a.obj if a else None),
            diff=redact(diff),
            old_name=a.real_name if a else None,
            new_name=b.real_name if b else None,
            notes=[redact(n) for n in notes],
        )
        changes.append(change)
    changes.sort(key=lambda c: (c.service == OTHER, c.service, c.kind, c.namespace, c.name))
    return DiffResult(changes=changes, unchanged=unchanged, old_label=old_label, new_label=new_label, redact=redact)


def _label(key: Key) -> str:
    g, kind, ns, name = key
    k = f"{kind}.{g}" if g else kind
    return f"{k}/{ns}/{name}" if ns else f"{k}/{name}"


def _normalise(side: _Side | None, stems) -> tuple[dict | None, list[GeneratedRef]]:
    if side is None:
        return None, []
    obj = strip_noise(side.obj)
    if side.hash:
        obj["metadata"]["name"] = split_generated(resource_key(obj)[:2], side.real_name)[0]
    return rewrite_generated_refs(obj, stems)


def _notes(a: _Side | None, b: _Side | None, ra: list[GeneratedRef], rb: list[GeneratedRef]) -> list[str]:
    notes = []
    ha = {(r.kind, r.stem): r.hash for r in ra}
    hb = {(r.kind, r.stem): r.hash for r in rb}
    if a and b:
        for (kind, stem) in sorted(set(ha) & set(hb)):
            if ha[(kind, stem)] != hb[(kind, stem)]:
                notes.append(f"rolls: {kind} {stem} changed (hash {ha[(kind, stem)]} → {hb[(kind, stem)]})")
    notes += _embedded_files(a, b)
    return notes


def _embedded_files(a: _Side | None, b: _Side | None) -> list[str]:
    """For a ConfigMap on both sides: which of its files (data keys) changed, came or went; the diff
    itself is of the whole object, where a hunk inside a block scalar does not name its key."""
    if not (a and b) or a.obj.get("kind") != "ConfigMap":
        return []
    da, db = (x.obj["data"] if isinstance(x.obj.get("data"), dict) else {} for x in (a, b))
    parts = []
    for label, keys in (("changed", [k for k in sorted(set(da) & set(db)) if da[k] != db[k]]),
                        ("added", sorted(set(db) - set(da))), ("removed", sorted(set(da) - set(db)))):
        if keys:
            parts.append(f"{label} {', '.join(keys)}")
    return [f"files: {'; '.join(parts)}"] if parts else []


def _unified(a: str, b: str, fa: str, fb: str, n: int) -> str:
    lines = difflib.unified_diff(a.splitlines(), b.splitlines(), fa, fb, n=n, lineterm="")
    return "\n".join(lines) + "\n"
