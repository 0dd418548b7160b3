"""Summarise `spinops check --format json` output for the diff report (read leniently).

Accepted shapes: `{"findings": [...]}` (spinops check), `{"problems": [...]}` (spinops errors),
or a bare list; each item has a `severity` and a `message`, optionally `rule`/`code` and a
`resource` ({kind, namespace, name}) or a `file`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from spinops import yamlio
from spinops.errors import InputError, Problem

SEVERITIES = ("error", "warning", "info")
#: How many findings the PR comment lists (the rest are counted).
LISTED = 10


def load_check_results(path: Path | str) -> dict:
    """The summary of a check results file; a file that is absent is reported as missing, any other
    unreadable or malformed one is a located InputError (a directory, a FIFO, bad UTF-8, bad JSON)."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        # The check step may have failed before writing (CI runs it with continue-on-error): the
        # comment still goes out and says the results are missing, rather than no comment at all.
        print(f"{path}: warning: check results file not found; the report says so", file=sys.stderr)
        return {"counts": {}, "total": 0, "findings": [], "missing": str(path)}
    hint = "pass the file `spinops check --format json` wrote"
    text = yamlio.read_text(path, str(path))  # regular file, bounded size, UTF-8 (each a located error)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(
            Problem(f"not JSON: {e.msg}", file=str(path), line=e.lineno, column=e.colno, hint=hint)
        ) from None
    except RecursionError:
        raise InputError(Problem("JSON nested too deeply", file=str(path), hint=hint)) from None
    return summarise(data, str(path))


def summarise(data, source: str = "<check>") -> dict:
    items = data.get("findings", data.get("problems")) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InputError(Problem("expected a list of findings under `findings`", file=source))
    counts = {s: 0 for s in SEVERITIES}
    listed = []
    for it in items:
        if not isinstance(it, dict):
            continue
        sev = str(it.get("severity") or "error")
        counts[sev] = counts.get(sev, 0) + 1
        listed.append(
            {
                "severity": sev,
                "rule": str(it.get("rule") or it.get("code") or ""),
                "where": _where(it),
                "message": str(it.get("message") or ""),
                "at": _at(it),
            }
        )
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    listed.sort(key=lambda f: (rank.get(f["severity"], 9), f["where"], f["rule"], f["message"]))
    return {"counts": counts, "total": sum(counts.values()), "findings": listed}


def _where(it: dict) -> str:
    res = it.get("resource")
    if isinstance(res, dict) and res.get("kind"):
        ident = f"{res.get('kind')}/{res.get('name', '')}"
        return f"{res['namespace']}/{ident}" if res.get("namespace") else ident
    if it.get("file"):
        out = str(it["file"])
        if it.get("line"):
            out += f":{it['line']}"
        return out
    return ""


def _at(it: dict) -> str:
    """The file:line to change: the traced source of a finding, else its place in the checked file."""
    for key in ("source", "location"):
        loc = it.get(key)
        if isinstance(loc, dict) and loc.get("file"):
            return f"{loc['file']}:{loc['line']}" if loc.get("line") else str(loc["file"])
    return ""


def grouped(summary: dict) -> list[dict]:
    """Identical findings (severity, rule, message) once each, with how many and where; most severe first,
    so ten copies of one warning cannot push an error out of the comment."""
    groups: dict[tuple, dict] = {}
    for f in summary.get("findings", []):
        g = groups.setdefault((f["severity"], f["rule"], f["message"]), {**f, "count": 0, "ats": [], "wheres": []})
        g["count"] += 1
        if f.get("at") and f["at"] not in g["ats"]:
            g["ats"].append(f["at"])
        if f["where"] and f["where"] not in g["wheres"]:
            g["wheres"].append(f["where"])
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(groups.values(), key=lambda g: (rank.get(g["severity"], 9), -g["count"], g["rule"], g["message"]))


def one_line(summary: dict | None) -> str:
    """`2 errors, 1 warning` / `no findings` / `not run`."""
    if not summary:
        return "not run"
    if summary.get("missing"):
        return f"no results ({summary['missing']} not found)"
    parts = [f"{n} {s}{'' if n == 1 else 's'}" for s, n in summary["counts"].items() if n]
    return ", ".join(parts) if parts else "no findings"
