"""JSON diff report: every fact of the text and markdown reports, never truncated, keys sorted."""

from __future__ import annotations

import json

from spinops.diff.compare import DiffResult

SCHEMA_VERSION = 1


def as_data(result: DiffResult) -> dict:
    return {
        "version": SCHEMA_VERSION,
        "environment": result.env,
        "live": result.live,
        "old": result.old_label,
        "new": result.new_label,
        "has_changes": result.has_changes,
        "totals": result.totals(),
        "counts": result.counts(),
        "unchanged": result.unchanged,
        "services": result.services(),
        "impact": result.impact,
        "check": result.check,
        "notes": list(result.notes),
        "changes": [c.as_dict() for c in result.changes],
    }


def render_json(result: DiffResult) -> str:
    return result.redact(json.dumps(as_data(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n")
