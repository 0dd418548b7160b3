"""Options that mean the same on every command: `--format` and `-o/--output` of a report, and colour.

Every command that writes a report takes `--format` (default text) and `-o/--output FILE`: the report
goes to FILE, written atomically (nothing half-written), instead of stdout; problems and progress stay
on stderr. Colour only on a terminal, never in a file, and never when NO_COLOR is set to anything
non-empty (no-color.org).
"""

from __future__ import annotations

import os
import sys

from spinops.atomic import write_file


def add_report_options(
    p, formats: tuple[str, ...], *, default: str | None = "text", default_help: str | None = None, format_help: str = ""
) -> None:
    shown = default_help or default
    p.add_argument(
        "--format",
        choices=formats,
        default=default,
        help=f"report format: {', '.join(formats)} (default: {shown}){'; ' + format_help if format_help else ''}",
    )
    p.add_argument("-o", "--output", metavar="FILE", default=None,
                   help="write the report to FILE (atomically) instead of stdout")


def write_report(text: str, output: str | None) -> None:
    """The report to `output` (atomically) or stdout."""
    if output:
        write_file(output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def wants_color(stream=None) -> bool:
    """Colour for `stream` (default stdout): a terminal, and NO_COLOR unset or empty (no-color.org)."""
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


_SGR = {"add": "32", "remove": "31", "hunk": "36", "header": "1"}


def color_diff(text: str) -> str:
    """ANSI colours for a text report holding unified diffs: + green, - red, @@ cyan, file and block headers bold."""
    out = []
    for line in text.split("\n"):
        if line.startswith(("+++ ", "--- ", "=== ")):
            style = "header"
        elif line.startswith("@@"):
            style = "hunk"
        elif line.startswith("+"):
            style = "add"
        elif line.startswith("-"):
            style = "remove"
        else:
            out.append(line)
            continue
        out.append(f"\033[{_SGR[style]}m{line}\033[0m")
    return "\n".join(out)
