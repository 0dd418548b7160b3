"""Report formats: text (people), json (scripts), github (workflow annotations), sarif (code scanning)."""

from __future__ import annotations

from spinops.check.findings import Report

FORMATS = ("text", "json", "github", "sarif")


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        from spinops.check.output.jsonout import render as r
    elif fmt == "github":
        from spinops.check.output.github import render as r
    elif fmt == "sarif":
        from spinops.check.output.sarif import render as r
    else:
        from spinops.check.output.text import render as render_text

        return render_text(report, color=color)
    return r(report)
