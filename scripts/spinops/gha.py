"""GitHub Actions workflow commands: annotations, masks, groups, job summary.

Escaping follows actions/toolkit (packages/core/src/command.ts): in the message (data) `%`, CR and
LF are percent-encoded; in properties (file=, title=, ...) `:` and `,` are encoded as well.
Everything here is a no-op or plain text outside GitHub Actions, so the same code runs on a laptop.

`python -m spinops.gha summary FILE...` appends files to the job summary (the `summary` nox session).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: GitHub rejects a step summary over 1 MiB (the upload fails with an error annotation).
SUMMARY_LIMIT = 1024 * 1024


def in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **props: object) -> str:
    """`::name k=v,...::message` with toolkit escaping; properties whose value is None are left out."""
    items = [f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None]
    head = f"::{name}" + (" " + ",".join(items) if items else "")
    return f"{head}::{escape_data(message)}"


def annotation(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
    end_line: int | None = None,
    end_column: int | None = None,
    title: str | None = None,
) -> str:
    if level not in ("error", "warning", "notice"):
        raise ValueError(f"annotation level must be error, warning or notice, not {level!r}")
    return command(level, message, file=file, line=line, endLine=end_line, col=col, endColumn=end_column, title=title)


def add_masks(pieces: Iterable[str], out=None) -> None:
    """Register strings with the runner's log masking (only inside GitHub Actions: elsewhere this
    would print them). Which pieces a secret needs (its lines, its base64 form, nothing too short to
    mask) is the one masking policy's decision: spinops.credentials.Masker.runner_masks()."""
    if not in_actions():
        return
    out = out or sys.stdout
    for p in pieces:
        if p:
            print(command("add-mask", p), file=out)
    out.flush()


@contextmanager
def group(title: str, out=None) -> Iterator[None]:
    """A collapsible log group in Actions; a plain heading elsewhere."""
    out = out or sys.stdout
    if in_actions():
        print(command("group", title), file=out)
    else:
        print(f"== {title}", file=out)
    out.flush()
    try:
        yield
    finally:
        if in_actions():
            print("::endgroup::", file=out)
            out.flush()


@contextmanager
def stop_commands(out=None) -> Iterator[None]:
    """Print untrusted text (kubectl output) without the runner acting on `::` commands inside it."""
    out = out or sys.stdout
    if not in_actions():
        yield
        return
    token = uuid.uuid4().hex
    print(f"::stop-commands::{token}", file=out)
    out.flush()
    try:
        yield
    finally:
        print(f"::{token}::", file=out)
        out.flush()


def clip_summary(markdown: str, limit: int = SUMMARY_LIMIT) -> str:
    """Keep a summary under GitHub's per-step limit, cutting at a line and saying so."""
    data = markdown.encode()
    if len(data) <= limit:
        return markdown
    note = "\n\n> **Truncated**: the full report is larger than GitHub's 1 MiB job-summary limit; see the artifact.\n"
    return close_cut(data[: limit - len(note.encode()) - 16].decode(errors="ignore")) + note


def close_cut(text: str) -> str:
    """A prefix of markdown cut short: drop the partial last line and close a code fence left open."""
    text = text[: text.rfind("\n") + 1] or text
    if text.count("```") % 2:
        text += "```\n"
    return text


def append_summary(markdown: str) -> bool:
    """Append markdown to $GITHUB_STEP_SUMMARY; returns False (and does nothing) when it is not set."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(clip_summary(markdown.rstrip("\n") + "\n"))
    return True


def main(argv: list[str] | None = None) -> int:
    """`summary FILE...`: append report files to the job summary (or print them outside Actions)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2 or argv[0] != "summary":
        print("usage: python -m spinops.gha summary FILE...", file=sys.stderr)
        return 2
    missing = [f for f in argv[1:] if not Path(f).is_file()]
    if missing:
        for f in missing:
            print(f"{f}: error: no such report file (did the diff step run?)", file=sys.stderr)
        return 2
    text = "\n\n".join(Path(f).read_text(encoding="utf-8").rstrip("\n") for f in argv[1:]) + "\n"
    if not append_summary(text):
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
