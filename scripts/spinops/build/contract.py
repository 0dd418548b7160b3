"""The runtime contract, run by `spinops build` on what it built before anything is written.

The same rule as `spinops check` (spinops.check.rules.runtime_contract), over the built manifests; its
findings become errors located at the halconfig / profile line that wrote the property, else at the
generated file.
"""

from __future__ import annotations

from pathlib import Path

from spinops import yamlio
from spinops.check.rules import Context
from spinops.check.rules import runtime_contract as rule
from spinops.check.trace import Tracer
from spinops.errors import InputError, Problem


def contract_problems(
    manifests: str, repo: Path, env: str, files_by_service: dict[str, dict[str, dict]]
) -> list[Problem]:
    """The runtime-contract warnings of the built manifests (removed properties: the service starts, without
    them); InputError with every error (a service that would not start or not work).

    files_by_service: the config files build put into each service's ConfigMap, as data; the ConfigMaps of
    the manifests are then skipped rather than parsed again (they are most of the text). The other documents are
    read with yaml-rs, as `spinops check` reads manifests (spinops.check.source), so build and check agree."""
    docs = [d for text in manifests.split("\n---\n") if "\nkind: ConfigMap\n" not in f"\n{text}\n"
            for d in [yamlio.loads_fast(text, "manifests.yaml")] if isinstance(d, dict)]
    ctx = Context(resources=docs, repo=repo)
    found = rule.violations(ctx, files_by_service)
    if not found:
        return []
    tracer = Tracer(repo, env)
    problems = []
    for (kind, name), items in sorted(found.items()):
        for v, where in items:
            loc = tracer.find_key(where["trace_key"]) if where.get("trace_key") else None
            file, line, column = (loc.file, loc.line, loc.column) if loc else (f"{kind}/{name}", None, None)
            upstream = "; ".join(v.upstream)
            problems.append(Problem(f"{v.service}: {v.message}" + (f" (upstream: {upstream})" if upstream else ""),
                                    file=file, line=line, column=column, code=f"contract:{v.rule}", hint=v.hint,
                                    severity=rule.severity_of(v)))
    if errors := [p for p in problems if p.severity == "error"]:
        raise InputError(errors)
    return problems
