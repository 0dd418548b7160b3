"""The PR comment: marker, summary, impact, then one collapsible section per changed resource.

Size-safe. GitHub rejects a comment body over 65,536 characters; `render_markdown` keeps the
comment within `budget` bytes of UTF-8 (bytes >= characters, so the budget is a safe bound):
1. everything fits: done;
2. else the LARGEST diffs are cut first: every diff longer than a cap C is cut to C (at a line
   boundary), with C the largest cap that fits (a diff cut below a few lines is left out whole);
3. else (thousands of resources) the per-resource sections are replaced by a list of the resources,
   as many as fit, and the rest counted.
The comment then says what was cut and where the full report is (job summary, artifact).
The same function writes the full report with a 1 MiB budget (the job summary limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spinops.diff.compare import DiffResult, ResourceChange
from spinops.report.checks import LISTED, grouped, one_line
from spinops.report.text import credential_text

#: Keep the PR comment well under GitHub's 65,536-character limit.
COMMENT_BUDGET = 60_000
#: GitHub's job summary limit (1 MiB per step).
SUMMARY_BUDGET = 1024 * 1024
#: A cut diff keeps at least this many characters, else it is left out whole.
MIN_KEPT = 400
#: Where the PR pipeline puts the full report (pr.yml: job summary, artifact `spinops-report-<env>`).
FULL_REPORT_WHERE = "the job summary and the `spinops-report-<env>` workflow artifact"

ACTION_SIGN = {"added": "+", "changed": "~", "removed": "-"}


def marker(env: str | None, live: bool = False) -> str:
    """The hidden first line a sticky-comment step finds: one comment per environment (and kind)."""
    return f"<!-- spinops-{'live-' if live else ''}diff:{env or 'default'} -->"


def _size(s: str) -> int:
    return len(s.encode("utf-8"))


def _esc(s: str) -> str:
    """Escape text for markdown/HTML inline use (names are DNS-like, but be safe)."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _fence(body: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", body)), default=2)
    return "`" * max(3, longest + 1)


@dataclass
class _Section:
    change: ResourceChange
    head: str  # <details><summary> + notes
    body: str  # the diff
    tail: str

    def render(self, cap: int | None) -> tuple[str, bool]:
        body, cut = self.body, False
        if cap is not None and _size(body) > cap:
            cut = True
            if cap < MIN_KEPT:
                return (
                    self.head
                    + f"_Diff left out to fit the comment ({len(body.splitlines())} lines); see {FULL_REPORT_WHERE}._\n"
                    + self.tail,
                    True,
                )
            body = _cut(body, cap)
        fence = _fence(body)
        return f"{self.head}{fence}diff\n{body.rstrip(chr(10))}\n{fence}\n{self.tail}", cut


def _cut(body: str, cap: int) -> str:
    lines = body.splitlines()
    kept, used = [], 0
    for ln in lines:
        n = _size(ln) + 1
        if used + n > cap:
            break
        kept.append(ln)
        used += n
    return "\n".join(kept) + f"\n... {len(lines) - len(kept)} more lines cut to fit the comment\n"


def _section(c: ResourceChange) -> _Section:
    names = ""
    if c.old_name and c.new_name and c.old_name != c.new_name:
        names = f" ({_esc(c.old_name)} → {_esc(c.new_name)})"
    head = (
        f"<details><summary>{ACTION_SIGN[c.action]} {c.action} <code>{_esc(c.title)}</code>{names} "
        f"(+{c.added_lines} −{c.removed_lines})</summary>\n\n"
    )
    if c.notes:
        head += "".join(f"- {_esc(n)}\n" for n in c.notes) + "\n"
    return _Section(c, head, c.diff, "\n</details>\n")


def _header(result: DiffResult) -> str:
    title = "live cluster" if result.live else "diff"
    out = [marker(result.env, result.live), f"### spinops {title}: `{result.env or 'default'}`", ""]
    out += [f"> {_esc(n)}\n" for n in result.notes]
    t = result.totals()
    if not result.has_changes:
        out.append(
            f"**No changes**: `{_esc(result.new_label)}` builds the same {result.unchanged} resources as "
            f"`{_esc(result.old_label)}`."
        )
        if result.check is not None:
            out += ["", f"Checks: {one_line(result.check)}"]
        return "\n".join(out) + "\n"
    out.append(
        f"**{len(result.changes)} resource{'s differ' if len(result.changes) != 1 else ' differs'}** "
        f"({t['added']} added, {t['changed']} changed, {t['removed']} removed; {result.unchanged} unchanged) "
        f"between `{_esc(result.old_label)}` and `{_esc(result.new_label)}`."
    )
    release = result.release_change()
    if release:
        out += ["", f"**Spinnaker release: `{release[0]}` → `{release[1]}`**"]
    out += ["", f"| Environment | `{_esc(result.env or 'default')}` |", "| --- | --- |"]
    services = result.services()
    out.append("| Services affected | " + (", ".join(f"`{s}`" for s in services) or "none") + " |")
    if result.check is not None:
        out.append(f"| Checks | {_esc(one_line(result.check))} |")
    out += ["", "| Kind | Added | Changed | Removed |", "| --- | ---: | ---: | ---: |"]
    for kind, c in result.counts().items():
        out.append(f"| {_esc(kind)} | {c['added']} | {c['changed']} | {c['removed']} |")
    out.append(f"| **Total** | **{t['added']}** | **{t['changed']}** | **{t['removed']}** |")
    return "\n".join(out) + "\n"


def _impact(result: DiffResult) -> str:
    imp = result.impact
    if not imp or not imp.get("sections"):
        return ""
    changed = set(imp.get("config_changed") or ())
    out = ["", "#### Halconfig impact", "", "| Section | Read by | Rendered config changed |", "| --- | --- | --- |"]
    for sec in imp["sections"]:
        svcs = imp["services"].get(sec) or []
        out.append(
            f"| `{_esc(sec)}` | {', '.join(f'`{s}`' for s in svcs) or 'no service'} | "
            f"{', '.join(f'`{s}`' for s in svcs if s in changed) or 'none'} |"
        )
    out.append("")
    for sec in imp.get("enabled") or ():
        out.append(f"- Enabled: `{_esc(sec)}`")
    for sec in imp.get("disabled") or ():
        out.append(f"- Disabled: `{_esc(sec)}`")
    for c in imp.get("new_credentials") or ():
        out.append(f"- :key: {_esc(credential_text(c))}")
    for m in imp.get("missing_credentials") or ():
        out.append(f"- :warning: `{_esc(m['section'])}` is enabled but `{_esc(m['path'])}` is not set")
    return "\n".join(out).rstrip("\n") + "\n"


def _listed(items: list[str], n: int = 3) -> str:
    shown = ", ".join(f"`{_esc(i)}`" for i in items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


def _checks(result: DiffResult) -> str:
    chk = result.check
    if not chk or not chk.get("findings"):
        return ""
    groups = [g for g in grouped(chk) if g["severity"] in ("error", "warning")]
    if not groups:
        return ""
    out = ["", "#### Check findings", ""]
    for g in groups[:LISTED]:
        where = _listed(g["wheres"]) + (f" at {_listed(g['ats'])}" if g["ats"] else "")
        times = f" ×{g['count']}" if g["count"] > 1 else ""
        rule = f" ({_esc(g['rule'])})" if g["rule"] else ""
        out.append(f"- **{g['severity']}**{times}{' ' + where if where.strip() else ''}: {_esc(g['message'])}{rule}")
    rest = len(groups) - LISTED
    if rest > 0:
        out.append(f"- ... and {rest} more kinds of finding (see the annotations and the job summary)")
    return "\n".join(out) + "\n"


FOOTER = "\n<sub>Secret values are masked (`***`). Generated by `spinops diff`.</sub>\n"


def render_markdown(
    result: DiffResult, *, budget: int | None = COMMENT_BUDGET, full_report: str | None = FULL_REPORT_WHERE
) -> str:
    """The markdown report, at most `budget` UTF-8 bytes (None: no limit)."""
    top = _header(result) + _impact(result) + _checks(result)
    if not result.has_changes:
        return result.redact(top + FOOTER)
    groups = [(svc, [_section(c) for c in changes]) for svc, changes in result.by_service()]
    text = _assemble(top, groups, None, "")
    if budget is None or _size(text) <= budget:
        return result.redact(text)
    return result.redact(_hard_limit(_shorten(result, top, groups, budget, full_report or FULL_REPORT_WHERE), budget))


def _hard_limit(text: str, budget: int) -> str:
    """Last resort (the summary alone is over budget): cut at a line boundary (the short form has no
    open details or code blocks to close)."""
    if _size(text) <= budget:
        return text
    tail = f"\n\n... cut: the report exceeds {budget} bytes even in short form; see {FULL_REPORT_WHERE}.\n"
    room = budget - _size(tail)
    out, used = [], 0
    for ln in text.splitlines(keepends=True):
        if used + _size(ln) > room:
            break
        out.append(ln)
        used += _size(ln)
    return "".join(out) + tail


def _assemble(top: str, groups, cap: int | None, note: str) -> str:
    parts = [top, note]
    for svc, sections in groups:
        parts.append(f"\n#### {_esc(svc)}\n\n")
        parts.extend(s.render(cap)[0] for s in sections)
    parts.append(FOOTER)
    return "".join(parts)


def _cut_sections(groups, cap: int) -> list[ResourceChange]:
    cut = [s for _, secs in groups for s in secs if _size(s.body) > cap]
    cut.sort(key=lambda s: (-_size(s.body), s.change.title))
    return [s.change for s in cut]


def _names(changes: list[ResourceChange], n: int = 5) -> str:
    shown = ", ".join(f"`{_esc(c.title)}`" for c in changes[:n])
    return shown + (f" and {len(changes) - n} more" if len(changes) > n else "")


def _shorten(result: DiffResult, top: str, groups, budget: int, where: str) -> str:
    # Reserve room for the note (it names a few resources; names are short).
    reserve = 1200
    largest = max(_size(s.body) for _, secs in groups for s in secs)
    fixed = _size(_assemble(top, groups, 0, ""))
    if fixed + reserve <= budget:
        lo, hi = 0, largest  # the largest cap that fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if _size(_assemble(top, groups, mid, "")) + reserve <= budget:
                lo = mid
            else:
                hi = mid - 1
        cut = _cut_sections(groups, lo)
        omitted = [c for c in cut if lo < MIN_KEPT]
        trimmed = [c for c in cut if lo >= MIN_KEPT]
        what = []
        if trimmed:
            what.append(
                f"the {len(trimmed)} largest diff{'s were' if len(trimmed) != 1 else ' was'} cut to fit (largest "
                f"first: {_names(trimmed)})"
            )
        if omitted:
            what.append(
                f"the diffs of {len(omitted)} resource{'s were' if len(omitted) != 1 else ' was'} left out (largest "
                f"first: {_names(omitted)})"
            )
        note = f"\n> [!NOTE]\n> This report was shortened to fit: {'; '.join(what)}. The full report is in {where}.\n"
        return _assemble(top, groups, lo, note)
    return _compact(result, top, groups, budget, where)


def _compact(result: DiffResult, top: str, groups, budget: int, where: str) -> str:
    """Too many resources for sections: list them, as many as fit, and count the rest."""
    flat = [(svc, s.change) for svc, secs in groups for s in secs]
    total = len(flat)

    def build(k: int) -> str:
        note = (
            f"\n> [!NOTE]\n> This report was shortened to fit: {total} resources differ, too many for per-resource "
            "diffs; "
            f"all diffs were left out"
            + (f" and {total - k} resources are not listed" if k < total else "")
            + f". The full report is in {where}.\n"
        )
        parts = [top, note]
        current = None
        for svc, c in flat[:k]:
            if svc != current:
                parts.append(f"\n#### {_esc(svc)}\n\n")
                current = svc
            parts.append(
                f"- {ACTION_SIGN[c.action]} {c.action} `{_esc(c.title)}` (+{c.added_lines} −{c.removed_lines})\n"
            )
        if k < total:
            parts.append(f"\n... and {total - k} more resources (see {where}).\n")
        parts.append(FOOTER)
        return "".join(parts)

    lo, hi = 0, total
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _size(build(mid)) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return build(lo)
