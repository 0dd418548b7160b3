"""MIGRATION.md: every change made, every field dropped and why, every manual step left.

Each row points at both sides with file:line: the Halyard file (lines from PyYAML compose marks of
the source) and the written file (lines from composing the output exactly as it will be written).
The report is deterministic (no dates, no absolute paths) so a second run reproduces it byte for
byte, and it never holds a credential value (plan._guard checks).
"""

from __future__ import annotations

import posixpath

from spinops.migrate.model import CHANGED, DROPPED, HALCONFIG_OUT, MANUAL, SECRET, Note, dotted, load_yaml
from spinops.migrate.source import Located, parse_yaml

TOPIC_ORDER = (
    "Structure",
    "Version",
    "Persistent storage",
    "Notifications",
    "Canary",
    "Security",
    "Providers",
    "Kubernetes V1 accounts",
    "Plugins",
    "Monitoring",
    "Types",
    "Carried to profiles",
    "Credentials",
    "Secret engines",
    "Profiles",
    "Sizing and scheduling",
    "Service settings",
    "Redis",
    "Halyard defaults",
    "Dropped fields",
    "GitHub",
    "Cut-over",
)


class _Lines:
    """Lazy (file -> Located) for the source and the outputs."""

    def __init__(self, plan, docs: dict[str, Located], files: dict[str, bytes]):
        self.plan = plan
        self.src_docs: dict[str, Located | None] = dict(docs)
        self.files = files
        self.out_docs: dict[str, Located | None] = {}

    def src_rel(self, note: Note) -> str:
        f = note.src_file
        if f.startswith("service-settings/"):
            return f"{self.plan.deployment}/{f}"
        return f

    def src(self, note: Note) -> str | None:
        if note.src is None and note.src_file == "config":
            return None
        rel = self.src_rel(note)
        label = self._src_label(rel)
        if note.src is None:
            return label
        key = note.src_file if note.src_file in self.src_docs else rel
        if key not in self.src_docs:
            text = self.plan.source.text(rel) if rel in self.plan.source.files else None
            try:
                self.src_docs[key] = (
                    parse_yaml(text, rel)
                    if text is not None and (rel.endswith((".yml", ".yaml")) or rel == "config")
                    else None
                )
            except Exception:  # noqa: BLE001 - a line number is a courtesy; the note stands without it
                self.src_docs[key] = None
        doc = self.src_docs.get(key)
        line = doc.line(tuple(note.src)) if doc is not None else None
        return f"{label}:{line}" if line else label

    def _src_label(self, rel: str) -> str:
        name = posixpath.basename(self.plan.source.display.rstrip("/")) or "SOURCE"
        return f"{name}:/{rel}" if self.plan.source.kind == "backup" else f"{name}/{rel}"

    def out(self, note: Note) -> str | None:
        if note.out_file is None or (note.out is None and note.kind == DROPPED):
            return None
        f = note.out_file
        if note.out is None and f == HALCONFIG_OUT:
            return None  # nothing in particular in the halconfig
        if note.out is None or f not in self.files or not f.endswith((".yml", ".yaml")):
            return f if f in self.files else None
        if f not in self.out_docs:
            try:
                self.out_docs[f] = parse_yaml(self.files[f].decode("utf-8"), f)
            except Exception:  # noqa: BLE001
                self.out_docs[f] = None
        doc = self.out_docs[f]
        line = doc.line(tuple(note.out)) if doc is not None else None
        return f"{f}:{line}" if line else f


def source_location(plan, src_file: str, src: tuple | None) -> str:
    """`hal/config:12` for a Halyard file and data path (what a refusal names)."""
    lines = _Lines(plan, {}, {})
    return lines.src(Note(MANUAL, "", src=src if src is not None else (), src_file=src_file)) or src_file


def _cell(s: str | None) -> str:
    return f"`{s}`" if s else "-"


def _esc(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def render_report(plan, docs: dict[str, Located], files: dict[str, bytes]) -> str:
    lines = _Lines(plan, docs, files)
    notes = [n for n in plan.notes if n.topic != "_secrets"]
    version = None
    try:
        version = (load_yaml(files.get("halconfig/halconfig.yml", b"")) or {}).get("version")
    except Exception:  # noqa: BLE001
        version = None
    manual = [n for n in notes if n.kind == MANUAL]
    changed = [n for n in notes if n.kind in (CHANGED, SECRET)]
    dropped = [n for n in notes if n.kind == DROPPED]
    src_name = posixpath.basename(plan.source.display.rstrip("/")) or "SOURCE"
    out = [
        "# Migration from Halyard",
        "",
        f"Source: `{src_name}` "
        f"({'a `hal backup create` tar' if plan.source.kind == 'backup' else 'a Halyard home directory'}), "
        f"deployment `{plan.deployment}`" + (f", Spinnaker {version}" if version else "") + ". "
        "Written by `spinops migrate`; running it again with the same input changes nothing.",
        "",
        f"Environment: `{plan.env}` (`kustomize/overlays/{plan.env}/`). Build it with `spinops build --env {plan.env}` "
        f"and check it with `spinops check --env {plan.env}`.",
        "",
        f"**{len(changed)} changes applied, {len(dropped)} fields dropped, {len(manual)} manual steps left.** "
        "Locations: `file:line` in the Halyard input, then in the written file. No credential value appears here: "
        "values are in `.secrets/` (git-ignored).",
        "",
        "## Manual steps",
        "",
    ]
    if not manual:
        out.append("None.")
    for i, n in enumerate(sorted(manual, key=_order), 1):
        where = " -> ".join(x for x in (lines.src(n), lines.out(n)) if x)
        out.append(f"{i}. **{n.topic}**: {n.message}" + (f" ({where})" if where else ""))
    out += ["", "## Changes applied", ""]
    for topic, group in _by_topic(changed):
        out += [f"### {topic}", "", "| Halyard | migrated | change |", "| --- | --- | --- |"]
        for n in group:
            out.append(f"| {_cell(lines.src(n))} | {_cell(lines.out(n))} | {_esc(n.message)} |")
        out.append("")
    out += [
        "## Dropped fields",
        "",
        "Fields with no Kleat or kustomize equivalent, removed so the halconfig passes the strict validator.",
        "",
        "| Halyard | field | why, and what to do instead |",
        "| --- | --- | --- |",
    ]
    for n in sorted(dropped, key=_order):
        out.append(f"| {_cell(lines.src(n))} | {_cell(dotted(_short(n.src)) if n.src else None)} | {_esc(n.message)} |")
    secrets = [n for n in plan.notes if n.topic == "_secrets"]
    out += [
        "",
        "## Credentials",
        "",
        "Declared in `halconfig/secrets.yml` (names only). Values were written to `.secrets/` "
        "(mode 0600, git-ignored) and nowhere else.",
        "",
    ]
    if not secrets:
        out.append("None.")
    for n in secrets:
        at = lines.out(n)
        out.append(f"- {n.message}" + (f" (`{at}`)" if at else ""))
    out += ["", "## Files", "", "| file | status |", "| --- | --- |"]
    for o in sorted(plan.outputs, key=lambda o: o.path):
        if not o.secret:
            out.append(f"| `{o.path}` | tracked |")
    out.append("| `MIGRATION.md` | this report |")
    for o in sorted(plan.outputs, key=lambda o: o.path):
        if o.secret:
            out.append(f"| `{o.path}` | secret (git-ignored, 0600) |")
    return "\n".join(out).rstrip() + "\n"


def _short(path: tuple) -> tuple:
    """Drop the deploymentConfigurations[i] prefix for display."""
    path = tuple(path)
    return path[2:] if path[:1] == ("deploymentConfigurations",) and len(path) > 2 else path


def _order(n: Note):
    t = TOPIC_ORDER.index(n.topic) if n.topic in TOPIC_ORDER else len(TOPIC_ORDER)
    return (t, n.src_file, tuple(str(p) for p in (n.src or ())))


def _by_topic(notes: list[Note]):
    groups: dict[str, list[Note]] = {}
    for n in notes:
        groups.setdefault(n.topic or "Other", []).append(n)
    keys = sorted(groups, key=lambda t: TOPIC_ORDER.index(t) if t in TOPIC_ORDER else len(TOPIC_ORDER))
    return [(k, groups[k]) for k in keys]
