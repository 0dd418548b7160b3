"""Errors are values with positions until the CLI turns them into text, JSON or annotations.

Every user-facing failure is a `Problem` (file, line, column, message, hint). A command that
fails on bad input raises `InputError` carrying all the problems it found, so one run reports
them all. Anything else that escapes a command is an internal error.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

# Exit codes shared by every command (kubectl/diff conventions where they apply).
EXIT_OK = 0
EXIT_FINDINGS = 1  # check: findings at or above --fail-on; diff: differences found
EXIT_INTERNAL = 1  # render/build/apply/migrate: an unexpected internal error
EXIT_INPUT = 2  # bad input or usage
EXIT_INTERNAL_WITH_FINDINGS = 3  # check/diff, where 1 already means "findings"


@dataclass(frozen=True)
class Problem:
    message: str
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    hint: str | None = None
    severity: str = "error"  # error | warning | info
    code: str | None = None  # a stable id, e.g. "unknown-key"
    extra: dict = field(default_factory=dict, compare=False)

    def where(self) -> str:
        parts = [self.file or "spinops"]  # not tied to a file: `spinops: error: ...`
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def text(self) -> str:
        out = f"{self.where()}: {self.severity}: {self.message}"
        if self.hint:
            out += f"\n  hint: {self.hint}"
        return out

    def github(self) -> str:
        kind = {"error": "error", "warning": "warning"}.get(self.severity, "notice")
        msg = self.message + (f"\n{self.hint}" if self.hint else "")
        line = self.line if self.file else None
        # the one implementation of workflow-command escaping
        from spinops.gha import command  # noqa: PLC0415 start-up: gha imports uuid (~6 ms); every module imports errors

        return command(
            kind, msg, file=self.file, line=line, col=self.column if line is not None else None, title=self.code
        )

    def as_dict(self) -> dict:
        d = asdict(self)
        if not d["extra"]:
            d.pop("extra")
        return d


class SpinopsError(Exception):
    """Base class of every error spinops reports to the user (never with a traceback)."""

    exit_code = EXIT_INPUT

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(p.text() for p in self.problems))


class InputError(SpinopsError):
    """Bad input: malformed files, schema violations, missing paths. Exit 2."""


class UsageError(SpinopsError):
    """Bad command-line usage. Exit 2."""


def format_problems(problems: list[Problem], fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps({"problems": [p.as_dict() for p in problems]}, indent=2, sort_keys=True)
    if fmt == "github":
        return "\n".join(p.github() for p in problems)
    return "\n".join(p.text() for p in problems)
