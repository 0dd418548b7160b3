"""JSON for scripts. The schema is stable (documented in docs/check.md); `version` changes only when it breaks."""

from __future__ import annotations

import json

from spinops.check.findings import Report

SCHEMA_VERSION = 1


def as_dict(report: Report) -> dict:
    return {
        "version": SCHEMA_VERSION,
        "input": report.input,
        "kubernetesVersion": report.kube_version,
        "summary": {
            "resources": report.resources,
            "findings": report.counts(),
            "skipped": len(report.skipped),
            "optOuts": len(report.opt_outs),
            "suppressed": len(report.suppressed),
            "failOn": report.fail_on,
            "failed": report.failed(),
        },
        "findings": [f.as_dict() for f in report.findings],
        "skipped": [s.as_dict() for s in report.skipped],
        "optOuts": [o.as_dict() for o in report.opt_outs],
        "rules": {k: report.rules[k] for k in sorted(report.rules)},
    }


def render(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
