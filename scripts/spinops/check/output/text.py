"""Readable text, grouped per resource in input order; colour only when asked (a TTY without NO_COLOR)."""

from __future__ import annotations

from collections import defaultdict

from spinops.check.findings import Report

_COLORS = {"error": "31", "warning": "33", "info": "36", "dim": "2", "bold": "1", "ok": "32"}


def render(report: Report, *, color: bool = False) -> str:
    def c(style: str, s: str) -> str:
        return f"\033[{_COLORS[style]}m{s}\033[0m" if color else s

    out: list[str] = []
    by_res = defaultdict(list)
    for f in report.findings:
        by_res[(f.resource.index, f.resource.display())].append(f)
    for (_, display), findings in sorted(by_res.items()):
        line = findings[0].resource.line
        out.append(c("bold", display) + (c("dim", f"  ({report.input}:{line})") if line else ""))
        for f in sorted(findings, key=lambda f: f.sort_key()):
            out.append(f"  {c(f.severity, f'{f.severity:<7}')} {f.rule}: {f.message}")
            detail = f"{f.path}"
            if f.location and f.location.line:
                detail += f"  at {f.location.display()}"
            if f.source:
                detail += f"  from {f.source.display()}"
            out.append("          " + c("dim", detail))
            if f.hint:
                out.append("          " + c("dim", f"hint: {f.hint}"))
        out.append("")
    if report.skipped:
        out.append(c("bold", f"Not schema-validated ({len(report.skipped)}):"))
        for s in report.skipped:
            out.append(f"  {s.resource.display()}: {s.reason}")
        out.append("")
    if report.opt_outs:
        out.append(c("bold", f"Opt-outs ({len(report.opt_outs)}):"))
        for o in report.opt_outs:
            reason = f"reason: {o.reason}" if o.reason else "NO REASON (not honoured)"
            out.append(f"  {o.resource.display()}: {', '.join(o.rules)} ({reason}; {o.suppressed} finding(s) silenced)")
        out.append("")
    counts = report.counts()
    parts = [f"{counts['error']} error(s)", f"{counts['warning']} warning(s)", f"{counts['info']} info"]
    verdict = c("error", f"FAILED (--fail-on {report.fail_on})") if report.failed() else c("ok", "passed")
    out.append(
        f"{report.input}: {report.resources} resource(s) checked against Kubernetes {report.kube_version}: "
        f"{', '.join(parts)}, {len(report.skipped)} skipped, {len(report.opt_outs)} opt-out(s): {verdict}"
    )
    return "\n".join(out) + "\n"
