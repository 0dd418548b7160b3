"""What `spinops check` reports: findings, skipped resources and opt-outs, in one `Report`.

Plain frozen data, so every output format (text, JSON, GitHub annotations, SARIF) renders the
same facts, and sorting makes the report deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("error", "warning", "info")
#: Lower is more severe (sort key and `--fail-on` threshold).
RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class ResourceRef:
    """Which resource a finding is about; `index` is its position in the input (0-based)."""

    kind: str
    name: str
    namespace: str = ""
    api_version: str = ""
    index: int = -1
    line: int | None = field(default=None, compare=False)  # first line of the resource in the checked file

    @classmethod
    def of(cls, obj: dict, index: int = -1, line: int | None = None) -> ResourceRef:
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            meta = {}
        return cls(
            kind=str(obj.get("kind") or ""),
            name=str(meta.get("name") or ""),
            namespace=str(meta.get("namespace") or ""),
            api_version=str(obj.get("apiVersion") or ""),
            index=index,
            line=line,
        )

    def display(self) -> str:
        ident = f"{self.kind}/{self.name}"
        return f"{self.namespace}/{ident}" if self.namespace else ident

    def as_dict(self) -> dict:
        return {"apiVersion": self.api_version, "kind": self.kind, "namespace": self.namespace, "name": self.name}


@dataclass(frozen=True)
class Location:
    """A place in a file (1-based line; column optional)."""

    file: str
    line: int | None = None
    column: int | None = None

    def display(self) -> str:
        out = self.file
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        return out

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    resource: ResourceRef
    path: str = "$"  # JSONPath into the resource, e.g. $.spec.template.spec.containers[0].resources
    location: Location | None = None  # where in the checked manifest file
    source: Location | None = None  # where it comes from (kustomize file, halconfig line), when traceable
    hint: str | None = None

    def sort_key(self) -> tuple:
        return (RANK.get(self.severity, 9), self.resource.index, self.rule, self.path, self.message)

    def best_location(self) -> Location | None:
        """The place a reviewer should look: the source file when traced, else the manifest."""
        return self.source or self.location

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "resource": self.resource.as_dict(),
            "path": self.path,
            "location": self.location.as_dict() if self.location else None,
            "source": self.source.as_dict() if self.source else None,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Skipped:
    """A resource schema validation could not check (no schema: a CRD, or a removed API)."""

    resource: ResourceRef
    reason: str
    location: Location | None = None

    def as_dict(self) -> dict:
        return {
            "resource": self.resource.as_dict(),
            "reason": self.reason,
            "location": self.location.as_dict() if self.location else None,
        }


@dataclass(frozen=True)
class OptOut:
    """A `spinops.io/ignore` annotation: which rules it silences on one resource, and why."""

    resource: ResourceRef
    rules: tuple[str, ...]
    reason: str | None
    suppressed: int = 0  # how many findings it silenced in this run
    location: Location | None = None

    def as_dict(self) -> dict:
        return {
            "resource": self.resource.as_dict(),
            "rules": list(self.rules),
            "reason": self.reason,
            "suppressed": self.suppressed,
            "location": self.location.as_dict() if self.location else None,
        }


@dataclass
class Report:
    input: str
    kube_version: str
    resources: int = 0
    findings: list[Finding] = field(default_factory=list)
    # silenced by an honoured opt-out (SARIF lists them as suppressed)
    suppressed: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    opt_outs: list[OptOut] = field(default_factory=list)
    rules: dict[str, dict] = field(default_factory=dict)  # rule id -> {"description", "severity", "help"}
    fail_on: str = "error"

    def sort(self) -> None:
        self.findings.sort(key=Finding.sort_key)
        self.suppressed.sort(key=Finding.sort_key)
        self.skipped.sort(key=lambda s: s.resource.index)
        self.opt_outs.sort(key=lambda o: o.resource.index)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out

    def failed(self) -> bool:
        limit = RANK[self.fail_on]
        return any(RANK.get(f.severity, 9) <= limit for f in self.findings)
