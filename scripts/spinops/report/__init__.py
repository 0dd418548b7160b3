"""Reports of a diff: text (terminal), json (machines), markdown (the PR comment, size-safe)."""

from __future__ import annotations

from spinops.atomic import write_file
from spinops.cliopts import color_diff, wants_color, write_report

FORMATS = ("text", "json", "markdown")


def render(result, fmt: str, *, budget: int | None = None) -> str:
    """Render a `spinops.diff.DiffResult`; `budget` (bytes) applies to markdown only."""
    if fmt == "json":
        from spinops.report.jsonout import render_json  # noqa: PLC0415 start-up: PyYAML, via spinops.report.jsonout

        return render_json(result)
    if fmt == "markdown":
        # start-up: PyYAML, via spinops.report.markdown
        from spinops.report.markdown import render_markdown  # noqa: PLC0415

        return render_markdown(result, budget=budget)
    from spinops.report.text import render_text  # noqa: PLC0415 start-up: PyYAML, via spinops.report.text

    return render_text(result)


def emit(result, fmt: str, *, output=None, full_output=None) -> None:
    """Write the report to `output` (atomically) or stdout (text coloured on a terminal, see spinops.cliopts),
    and the full markdown report (job summary / artifact, at most 1 MiB) to `full_output` when given."""
    # start-up: PyYAML, via spinops.report.markdown
    from spinops.report.markdown import COMMENT_BUDGET, SUMMARY_BUDGET, render_markdown  # noqa: PLC0415

    text = render(result, fmt, budget=COMMENT_BUDGET)
    full = render_markdown(result, budget=SUMMARY_BUDGET) if full_output else None
    write_report(color_diff(text) if fmt == "text" and not output and wants_color() else text, output)
    if full is not None:
        write_file(full_output, full)
