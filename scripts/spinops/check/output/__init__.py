"""Report formats: text (people), json (scripts), github (workflow annotations), sarif (code scanning)."""

from __future__ import annotations

from spinops.check.findings import Report
from spinops.check.output import github, jsonout, sarif, text

FORMATS = ("text", "json", "github", "sarif")


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        return jsonout.render(report)
    if fmt == "github":
        return github.render(report)
    if fmt == "sarif":
        return sarif.render(report)
    return text.render(report, color=color)
