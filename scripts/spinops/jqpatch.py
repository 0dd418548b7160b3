"""jq patch programs, run where they can read nothing but the document they patch.

A jq program can read the process environment (`env`, `$ENV`): in the deploy job, where every
workflow secret is set, a patch would write a real token into a ConfigMap while the PR's diff (built
without secrets) shows nothing. And a recursive program never ends. So:

- statically, `env`, `$ENV`, `input_filename`, `$__prog_args`, `input`/`inputs` and
  `import`/`include` (modules read from the file system) are refused at their file:line:col;
- each evaluation runs in a forked child whose environment is emptied before the program is
  compiled (libjq binds `$ENV` when it compiles), and is killed after MAX_SECONDS.

Names and semantics: jq 1.7 manual, "Builtin operators and functions" (`$ENV`, `env`,
`input_filename`, `$__prog_args`) and "Modules" (`import`, `include`).
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import time
from typing import Any

#: Longest a jq patch may run on one file (a rendered config evaluates in milliseconds).
MAX_SECONDS = 10.0
#: What a jq patch may not use, and why.
FORBIDDEN = {
    "env": "reads the process environment (every secret of the job running the build)",
    "$ENV": "reads the process environment (every secret of the job running the build)",
    "input_filename": "reads the name of the input file",
    "$__prog_args": "reads the program's arguments",
    "input": "reads further inputs (a patch has exactly one)",
    "inputs": "reads further inputs (a patch has exactly one)",
    "import": "loads jq modules from the file system",
    "include": "loads jq modules from the file system",
}
_WORD = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_]*")


class JqError(Exception):
    pass


def forbidden_uses(program: str) -> list[tuple[int, int, str]]:
    """(line, column, name), 1-based within the program, of every FORBIDDEN name used as code.

    Strings are skipped, except their `\\(...)` interpolations (code again); `.env` (a field),
    `{env: 1}` (an object key) and comments are not uses.
    """
    out: list[tuple[int, int, str]] = []
    i, n = 0, len(program)
    stack: list[int] = []  # paren depth at each open interpolation
    depth = 0
    in_string = False
    while i < n:
        c = program[i]
        if in_string:
            if c == "\\" and i + 1 < n:
                if program[i + 1] == "(":
                    stack.append(depth)
                    depth += 1
                    in_string = False
                i += 2
                continue
            if c == '"':
                in_string = False
            i += 1
            continue
        if c == '"':
            in_string = True
        elif c == "#":
            nl = program.find("\n", i)
            i = n if nl < 0 else nl
            continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if stack and depth == stack[-1]:
                stack.pop()
                in_string = True
        elif c == "$" or c.isalpha() or c == "_":
            m = _WORD.match(program, i)
            if m is None:  # `$` alone
                i += 1
                continue
            word = m.group()
            before = program[:i].rstrip()
            after = program[m.end():].lstrip()
            field = before.endswith(".") or (before.endswith(("{", ",")) and after.startswith(":"))
            if word in FORBIDDEN and not field and not program[i - 1 : i].isalnum():
                line = program.count("\n", 0, i) + 1
                out.append((line, i - (program.rfind("\n", 0, i) + 1) + 1, word))
            i = m.end()
            continue
        i += 1
    return out


def evaluate(
    program: str, args: dict, doc: Any, *, twice: bool = True, timeout: float = MAX_SECONDS
) -> tuple[list, list | None]:
    """The results of `program` on `doc` and, when `twice` and there is exactly one object, of the
    program on that result again (None when that second run fails); JqError on failure or timeout."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no environment, compile, run, answer as JSON, exit without cleanup
        try:
            os.close(r)
            os.environ.clear()
            out = _run(program, args, doc, twice)
        except BaseException as e:  # noqa: BLE001 - everything must reach the parent as a message
            out = {"error": str(e).strip() or type(e).__name__}
        try:
            data = json.dumps(out, allow_nan=False).encode()
        except (TypeError, ValueError):
            data = json.dumps({"error": "the result is not JSON data"}).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(w, view):]
        os._exit(0)
    os.close(w)
    try:
        reply = _read_until(r, time.monotonic() + timeout)
    finally:
        os.close(r)
        if reply is None:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if reply is None:
        raise JqError(f"the jq program ran longer than {timeout:g} s (endless recursion?)")
    answer = json.loads(reply or b'{"error": "the jq evaluation ended without an answer"}')
    if "error" in answer:
        raise JqError(answer["error"])
    return answer["once"], answer["twice"]


def _run(program: str, args: dict, doc: Any, twice: bool) -> dict:
    import jq  # noqa: PLC0415 start-up: jq

    compiled = jq.compile(program, args=args)
    once = compiled.input_value(doc).all()
    again = None
    if twice and len(once) == 1 and isinstance(once[0], dict):
        try:
            again = compiled.input_value(once[0]).all()
        except ValueError:
            again = None
    return {"once": once, "twice": again}


def _read_until(fd: int, deadline: float) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
