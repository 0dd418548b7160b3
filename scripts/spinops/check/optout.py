"""Per-resource opt-outs: `spinops.io/ignore: rule-a,rule-b` plus a reason in `spinops.io/ignore-reason`.

An opt-out without a reason is not honoured (the findings stay) and is itself a finding, so
nobody silences a rule without saying why in the diff a reviewer reads. Naming a rule that does
not exist is a warning (a typo would otherwise silence nothing, silently).
"""

from __future__ import annotations

from dataclasses import dataclass

from spinops.check import k8s

IGNORE = "spinops.io/ignore"
REASON = "spinops.io/ignore-reason"
RULE_MISSING_REASON = "ignore-without-reason"
RULE_UNKNOWN = "ignore-unknown-rule"


@dataclass(frozen=True)
class Request:
    rules: tuple[str, ...]
    reason: str | None

    @property
    def honoured(self) -> bool:
        return bool(self.reason)


def request_of(resource: dict) -> Request | None:
    ann = k8s.annotations_of(resource)
    raw = ann.get(IGNORE)
    if raw is None:
        return None
    rules = tuple(sorted({r.strip() for r in str(raw).split(",") if r.strip()}))
    reason = ann.get(REASON)
    reason = str(reason).strip() if reason is not None and str(reason).strip() else None
    return Request(rules, reason)
