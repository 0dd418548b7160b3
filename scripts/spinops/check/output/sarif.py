"""SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`).

One run; `tool.driver.rules` lists every rule that ran; each finding is a result with a physical
location (the traced source file when there is one, else the manifest) and a logical location
naming the resource and JSONPath. Findings silenced by an opt-out are results with an `inSource`
suppression carrying the reason; skipped resources and opt-outs are also in `run.properties`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from spinops import __version__
from spinops.check.findings import Finding, Report

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _result(f: Finding, rule_index: dict[str, int], suppression: str | None = None) -> dict:
    res: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index[f.rule],
        "level": _LEVEL.get(f.severity, "note"),
        "message": {"text": f"{f.resource.display()}: {f.message}" + (f"\nhint: {f.hint}" if f.hint else "")},
        "locations": [],
        "partialFingerprints": {
            "spinopsFinding/v1": hashlib.sha256(
                "|".join((f.rule, f.resource.kind, f.resource.namespace, f.resource.name, f.path, f.message)).encode()
            ).hexdigest()
        },
    }
    loc: dict = {
        "logicalLocations": [{"fullyQualifiedName": f"{f.resource.display()}{f.path[1:]}", "kind": "resource"}]
    }
    best = f.best_location()
    if best and best.file != "<stdin>":
        phys: dict = {"artifactLocation": {"uri": best.file}}
        if best.line:
            phys["region"] = {"startLine": best.line, **({"startColumn": best.column} if best.column else {})}
        loc["physicalLocation"] = phys
    res["locations"].append(loc)
    if f.source and f.location and f.location.file != "<stdin>":
        rel: dict[str, Any] = {
            "id": 1,
            "physicalLocation": {"artifactLocation": {"uri": f.location.file}},
            "message": {"text": "rendered manifest"},
        }
        if f.location.line:
            rel["physicalLocation"]["region"] = {"startLine": f.location.line}
        res["relatedLocations"] = [rel]
    if suppression is not None:
        res["suppressions"] = [{"kind": "inSource", "justification": suppression}]
    return res


def as_dict(report: Report) -> dict:
    ids = sorted(report.rules)
    rule_index = {rid: i for i, rid in enumerate(ids)}
    rules = []
    for rid in ids:
        meta = report.rules[rid]
        rules.append(
            {
                "id": rid,
                "name": rid,
                "shortDescription": {"text": meta.get("description") or rid},
                "fullDescription": {"text": meta.get("help") or meta.get("description") or rid},
                "defaultConfiguration": {"level": _LEVEL.get(meta.get("severity", "error"), "note")},
            }
        )
    reasons = {o.resource.index: o.reason for o in report.opt_outs}
    results = [_result(f, rule_index) for f in report.findings]
    results += [_result(f, rule_index, reasons.get(f.resource.index) or "") for f in report.suppressed]
    run = {
        "tool": {"driver": {"name": "spinops-check", "version": __version__, "rules": rules}},
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "input": report.input,
            "kubernetesVersion": report.kube_version,
            "skipped": [s.as_dict() for s in report.skipped],
            "optOuts": [o.as_dict() for o in report.opt_outs],
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False) + "\n"
