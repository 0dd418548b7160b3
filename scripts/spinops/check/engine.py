"""kube-lint rule files: load them strictly, evaluate them on resources.

A rule file is a YAML list of rules in kube-lint's format (viglesiasce/kube-lint):

    - name: app-label                 # identifier (required, unique)
      description: Includes a label "app"
      kind: Pod                       # kind the rule applies to; empty means Pod (kube-lint's default)
      field: .metadata.labels.app     # kubectl-style JSONPath
      operator: set                   # equal notequal set unset matches greaterthan lessthan
      valueType: string               # string (default) | bool | float64
      value: ...                      # for equal/notequal/matches/greaterthan/lessthan
      tags: [operations]

Semantics follow kube-lint: the field's values are printed the way kubectl's JSONPath prints
them (space-separated); a `string` rule compares that whole text (`set`: non-empty, `matches`:
an unanchored regular-expression search); `float64`/`bool` rules parse each value and pass when
any value satisfies the operator. A rule that does not pass is a finding.

Beyond kube-lint: a Pod rule (kind `Pod` or empty) also runs on the pod template of every
Deployment, StatefulSet, DaemonSet, ReplicaSet, Job and CronJob (the template seen as a Pod named
after its owner); `kind` may name any kind, or `*` for every resource; an optional `severity`
(error|warning|info, default error). Where kube-lint leaves "field not found" undecided for
float64/bool (it fails every operator), `unset` and `notequal` pass here, as they do for strings.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from spinops.check import k8s
from spinops.check.jsonpath import JsonPathError, compile_kubectl, match_path, to_jsonpath_ng
from spinops.errors import InputError, Problem
from spinops.yamlio import MAX_NODES, load, read_text


@dataclass(frozen=True)
class LintRule:
    name: str
    description: str
    kind: str
    field: str
    operator: str
    value_type: str
    value: object
    tags: tuple[str, ...]
    severity: str
    file: str
    line: int | None

    def applies_to(self, kind: str) -> bool:
        return self.kind in ("*", kind)


@dataclass(frozen=True)
class LintResult:
    passed: bool
    actual: str
    path: tuple  # path of the value that decided, or of the field expression's fixed prefix


def load_rule_file(path: Path | str) -> list[LintRule]:
    """Parse and check a kube-lint rule file; every problem is reported with file:line:col."""
    path = Path(path)
    fname = str(path)
    return parse_rules(read_text(path, fname), fname)


def parse_rules(text: str, fname: str) -> list[LintRule]:
    """Validate a rule file against its schema (spinops/schemas/kube-lint-rules.schema.json, the one editors get),
    then what a schema cannot say: JSONPath and regular-expression syntax, unique names."""
    from spinops import schemas  # noqa: PLC0415 start-up: difflib

    try:
        doc = load(text, fname, max_nodes=MAX_NODES, duplicate_keys=True)
    except InputError as e:
        raise InputError([replace(p, code="invalid-rule-file") for p in e.problems]) from None
    if doc.data is None:
        return []
    problems = [_labelled(doc, p) for p in schemas.problems("kube-lint-rules", doc, "invalid-rule-file")]
    if problems:
        raise InputError(problems)
    rules: list[LintRule] = []
    seen: dict[str, int | None] = {}
    for i, data in enumerate(doc.data):
        rule = _rule(data, fname, doc.line((i,)))
        bad = _rule_syntax(rule, doc, i)
        if rule.name in seen:
            bad.append(
                doc.problem(
                    (i, "name"),
                    f"rule {rule.name!r}: duplicate name (first defined on line {seen[rule.name]})",
                    code="invalid-rule-file",
                )
            )
        problems.extend(bad)
        seen.setdefault(rule.name, rule.line)
        rules.append(rule)
    if problems:
        raise InputError(problems)
    return rules


def _labelled(doc, p: Problem) -> Problem:
    """A schema problem inside a rule names the rule: `rule 'app-label': ...`."""
    starts = [(doc.line((i,)), r) for i, r in enumerate(doc.data)] if isinstance(doc.data, list) else []
    rule = next((r for line, r in reversed(starts) if line is not None and p.line is not None and line <= p.line), None)
    if isinstance(rule, dict) and isinstance(rule.get("name"), str) and rule["name"].strip():
        return replace(p, message=f"rule {rule['name']!r}: {p.message}")
    return p


def _rule(data: dict, fname: str, line: int | None) -> LintRule:
    value_type = data.get("valueType") or "string"
    value = data.get("value")
    return LintRule(
        name=data["name"],
        description=str(data.get("description") or ""),
        kind=data.get("kind") or "Pod",
        field=data["field"],
        operator=data["operator"],
        value_type=value_type,
        value=float(value) if value_type == "float64" and value is not None else value,
        tags=tuple(data.get("tags") or ()),
        severity=data.get("severity") or "error",
        file=fname,
        line=line,
    )


def _rule_syntax(rule: LintRule, doc, i: int) -> list[Problem]:
    out = []
    try:
        compile_kubectl(rule.field)
    except JsonPathError as e:
        out.append(doc.problem((i, "field"), f"rule {rule.name!r}: {e}", code="invalid-rule-file"))
    if rule.operator == "matches":
        try:
            re.compile(str(rule.value))
        except re.error as e:
            out.append(
                doc.problem(
                    (i, "value"),
                    f"rule {rule.name!r}: invalid regular expression {rule.value!r}: {e}",
                    code="invalid-rule-file",
                )
            )
    return out


def select(rules: list[LintRule], tags: list[str] | None) -> list[LintRule]:
    """Rules carrying any of `tags` (kube-lint ORs them); all rules when no tags are given."""
    if not tags:
        return list(rules)
    wanted = set(tags)
    return [r for r in rules if wanted.intersection(r.tags)]


# --- evaluation ---------------------------------------------------------------------------


def go_text(value) -> str:
    """A value printed the way kubectl's JSONPath prints it (Go's fmt %v on decoded JSON)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _go_float(float(value))
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _go_float(f: float) -> str:
    """Go's fmt %v of a float64 (shortest %g): 6379 -> "6379", 1000000 -> "1e+06", 0.00001 -> "1e-05"."""
    if math.isinf(f) or math.isnan(f):
        return {math.inf: "+Inf", -math.inf: "-Inf"}.get(f, "NaN")
    if f == 0:
        return "0"
    r = repr(f)  # shortest round-trip digits
    mant, _, exp = r.partition("e")
    digits = mant.replace("-", "").replace(".", "").lstrip("0") or "0"

    d = Decimal(r)
    e10 = d.adjusted()
    if e10 < -4 or e10 >= 6:
        digits = digits.rstrip("0") or "0"
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{'-' if f < 0 else ''}{m}e{'+' if e10 >= 0 else '-'}{abs(e10):02d}"
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def pod_views(resource: dict) -> Iterator[tuple[dict, Callable[[tuple], tuple]]]:
    """The Pod(s) a Pod rule sees in `resource`, each with a function mapping a pod path to a resource path."""
    kind = resource.get("kind")
    if kind == "Pod":
        yield resource, lambda p: p
        return
    found = k8s.pod_template(resource)
    if not found:
        return
    tmpl, prefix = found
    tmeta = tmpl.get("metadata")
    if not isinstance(tmeta, dict):
        tmeta = {}
    meta = {**tmeta, "name": k8s.name(resource)}
    if k8s.namespace(resource):
        meta["namespace"] = k8s.namespace(resource)
    view = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": tmpl.get("spec") or {}}

    def to_resource(p: tuple) -> tuple:
        if p[:2] in (("metadata", "name"), ("metadata", "namespace")) and p[1] not in tmeta:
            return p
        return (*prefix, *p)

    yield view, to_resource


def targets(rule: LintRule, resource: dict) -> Iterator[tuple[dict, Callable[[tuple], tuple]]]:
    """What a rule evaluates on: the resource itself, or for Pod rules the pod templates of workloads."""
    kind = str(resource.get("kind"))
    if rule.applies_to(kind):
        yield resource, lambda p: p
    elif rule.kind == "Pod":
        yield from pod_views(resource)


def evaluate(rule: LintRule, doc: dict) -> LintResult:
    matches = [m for m in compile_kubectl(rule.field).find(doc)]
    values = [m.value for m in matches]
    paths = [match_path(m) for m in matches]
    fixed = _fixed_prefix(rule.field)
    if rule.value_type == "string":
        text = " ".join(go_text(v) for v in values)
        op = rule.operator
        if op == "equal":
            ok = text == rule.value
        elif op == "notequal":
            ok = text != rule.value
        elif op == "set":
            ok = text != ""
        elif op == "unset":
            ok = text == ""
        else:  # matches
            ok = re.search(str(rule.value), text) is not None
        return LintResult(ok, text, paths[0] if len(paths) == 1 else fixed)
    texts = [go_text(v) for v in values]
    if not texts:
        return LintResult(rule.operator in ("unset", "notequal"), "", fixed)
    for t, p in zip(texts, paths, strict=True):
        parsed = _parse_bool(t) if rule.value_type == "bool" else _parse_float(t)
        if parsed is None:
            return LintResult(False, t, p)
        if _compare(rule, parsed):
            return LintResult(True, t, p)
    return LintResult(False, " ".join(texts), paths[0] if len(paths) == 1 else fixed)


def _compare(rule: LintRule, v) -> bool:
    op = rule.operator
    if op == "equal":
        return v == rule.value
    if op == "notequal":
        return v != rule.value
    if op == "greaterthan":
        return v > rule.value
    if op == "lessthan":
        return v < rule.value
    if op == "set":
        return bool(v)
    return not v  # unset


def _parse_bool(t: str):
    return {
        "1": True,
        "t": True,
        "T": True,
        "TRUE": True,
        "true": True,
        "True": True,
        "0": False,
        "f": False,
        "F": False,
        "FALSE": False,
        "false": False,
        "False": False,
    }.get(t)


def _parse_float(t: str):
    try:
        return float(t)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def field_keys(field: str) -> tuple:
    """Every plain key a field expression names (`.spec.containers[*].env[*].value` -> spec, containers, env, value)."""
    return tuple(
        m.group(1) or m.group(2)
        for m in re.finditer(r"\.\.?([A-Za-z_][A-Za-z0-9_]*)|\['([^']*)'\]", to_jsonpath_ng(field))
    )


@lru_cache(maxsize=4096)
def _fixed_prefix(field: str) -> tuple:
    """The leading plain keys of a field (`.spec.containers[*].x` -> ("spec", "containers"))."""
    out = []
    for m in re.finditer(r"\.([A-Za-z_][A-Za-z0-9_]*)|\['([^']*)'\]|(.)", to_jsonpath_ng(field)[1:]):
        if m.group(3) is not None:
            break
        out.append(m.group(1) or m.group(2))
    return tuple(out)
