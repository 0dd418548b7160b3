"""GitHub workflow annotations (`::error file=..,line=..,title=..::message`).

GitHub shows at most 10 annotations of each type per step and 50 per job, so the most severe
findings are annotated first (the report is sorted by severity), each type is capped at 10, and
a plain summary line says what was not annotated. Skipped resources and opt-outs are listed in a
collapsed group. Escaping follows actions/toolkit: `%`, CR and LF in messages; also `:` and `,`
in properties.
"""

from __future__ import annotations

from spinops import gha
from spinops.check.findings import Report

PER_TYPE = 10  # GitHub: at most 10 annotations per type per step
PER_JOB = 50
_TYPE = {"error": "error", "warning": "warning", "info": "notice"}


def annotation(
    kind: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
    title: str | None = None,
) -> str:
    # `line` only with a file, `col` only with a line: GitHub ignores them otherwise
    line = line if file else None
    return gha.command(
        kind, message, file=file or None, line=line or None, col=(col or None) if line else None, title=title or None
    )


def render(report: Report) -> str:
    lines: list[str] = []
    shown = {t: 0 for t in _TYPE.values()}
    left = {t: 0 for t in _TYPE.values()}
    total = 0
    for f in report.findings:  # sorted: errors first
        kind = _TYPE.get(f.severity, "notice")
        if shown[kind] >= PER_TYPE or total >= PER_JOB:
            left[kind] += 1
            continue
        loc = f.best_location()
        file = loc.file if loc and loc.file != "<stdin>" else None
        msg = f"{f.resource.display()}: {f.message}\n{f.path}"
        if f.source and f.location and f.location.file != "<stdin>":
            msg += f" (manifest {f.location.display()})"
        if f.hint:
            msg += f"\nhint: {f.hint}"
        lines.append(
            annotation(
                kind,
                msg,
                file=file,
                line=loc.line if loc and file else None,
                col=loc.column if loc and file else None,
                title=f"spinops check: {f.rule}",
            )
        )
        shown[kind] += 1
        total += 1
    if report.skipped or report.opt_outs:
        lines.append("::group::spinops check: skipped resources and opt-outs")
        for s in report.skipped:
            lines.append(f"skipped {s.resource.display()}: {s.reason}")
        for o in report.opt_outs:
            reason = o.reason or "NO REASON (not honoured)"
            lines.append(
                f"opt-out {o.resource.display()}: {', '.join(o.rules)} ({reason}; {o.suppressed} finding(s) silenced)"
            )
        lines.append("::endgroup::")
    counts = report.counts()
    summary = (
        f"spinops check: {report.resources} resource(s), {counts['error']} error(s), {counts['warning']} warning(s), "
        f"{counts['info']} info, {len(report.skipped)} skipped, {len(report.opt_outs)} opt-out(s)"
    )
    not_shown = [f"{n} {k}(s)" for k, n in left.items() if n]
    if not_shown:
        summary += (
            f"; not annotated (GitHub shows at most {PER_TYPE} per type per step): {', '.join(not_shown)}; "
            "see the text, JSON or SARIF report"
        )
    lines.append(summary)
    return "\n".join(lines) + "\n"
