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

import difflib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from spinops.check import k8s
from spinops.check.jsonpath import JsonPathError, compile_kubectl, match_path
from spinops.errors import InputError, Problem
from spinops.yamlio import MAX_NODES, compose, position, read_text

OPERATORS = {
    "string": ("equal", "notequal", "set", "unset", "matches"),
    "bool": ("equal", "notequal", "set", "unset"),
    "float64": ("equal", "notequal", "set", "unset", "greaterthan", "lessthan"),
}
NEEDS_VALUE = {"equal", "notequal", "matches", "greaterthan", "lessthan"}
KEYS = ("name", "description", "kind", "field", "operator", "valueType", "value", "tags", "severity")
SEVERITIES = ("error", "warning", "info")


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
    line: int

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
    try:
        root = compose(text, max_nodes=MAX_NODES)
    except yaml.YAMLError as e:  # also a reader error (control characters), which has no marks
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line, column = position(mark) if mark else (None, None)
        what = " ".join(x for x in (getattr(e, "context", None), getattr(e, "problem", None)) if x) or str(e).splitlines()[0]
        raise InputError(Problem(f"invalid YAML: {what}", file=fname, line=line, column=column, code="invalid-rule-file")) from None
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise InputError(Problem("a rule file is a YAML list of rules (kube-lint format)", file=fname, line=position(root.start_mark)[0], code="invalid-rule-file"))
    problems: list[Problem] = []
    rules: list[LintRule] = []
    seen: dict[str, int] = {}
    for node in root.value:
        rule, errs = _parse_rule(node, fname)
        problems.extend(errs)
        if rule is None:
            continue
        if rule.name in seen:
            problems.append(Problem(f"rule {rule.name!r}: duplicate name (first defined on line {seen[rule.name]})", file=fname, line=rule.line, code="invalid-rule-file"))
            continue
        seen[rule.name] = rule.line
        rules.append(rule)
    if problems:
        raise InputError(problems)
    return rules


def _parse_rule(node, fname: str) -> tuple[LintRule | None, list[Problem]]:
    line, column = position(node.start_mark)
    if not isinstance(node, yaml.MappingNode):
        return None, [Problem("each rule must be a mapping with name, field and operator", file=fname, line=line, column=column, code="invalid-rule-file")]
    try:
        data = _construct(node)
    except yaml.YAMLError as e:
        return None, [Problem(f"invalid rule: {getattr(e, 'problem', e)}", file=fname, line=line, code="invalid-rule-file")]
    lines = {k.value: position(k.start_mark) for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    label = f"rule {data.get('name')!r}" if isinstance(data.get("name"), str) else f"rule #{line}"
    problems: list[Problem] = []

    def bad(key: str | None, msg: str, hint: str | None = None) -> None:
        ln, col = lines.get(key, (line, column)) if key else (line, column)
        problems.append(Problem(f"{label}: {msg}", file=fname, line=ln, column=col, hint=hint, code="invalid-rule-file"))

    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            bad(key, f"unknown key {key!r}", hint=f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(KEYS)}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        bad("name" if "name" in data else None, "`name` is required (a string)")
    kind = data.get("kind") or "Pod"
    if not isinstance(kind, str):
        bad("kind", "`kind` must be a string")
    value_type = data.get("valueType") or "string"
    if not isinstance(value_type, str) or value_type not in OPERATORS:
        bad("valueType", f"valueType {value_type!r} is not one of string, bool, float64")
        value_type = "string"
    operator = data.get("operator")
    if not isinstance(operator, str) or operator not in OPERATORS[value_type]:
        bad("operator" if "operator" in data else None, f"operator {operator!r} is not valid for valueType {value_type}", hint=f"one of: {', '.join(OPERATORS[value_type])}")
    field = data.get("field")
    if not isinstance(field, str) or not field.strip():
        bad("field" if "field" in data else None, "`field` is required (a kubectl-style JSONPath such as .spec.containers[*].image)")
    else:
        try:
            compile_kubectl(field)
        except JsonPathError as e:
            bad("field", str(e))
    value = data.get("value")
    if isinstance(operator, str) and operator in NEEDS_VALUE:
        if "value" not in data:
            bad(None, f"operator {operator!r} needs a `value`")
        elif value_type == "float64" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            bad("value", f"value {value!r} is not a number (valueType float64)")
        elif value_type == "bool" and not isinstance(value, bool):
            bad("value", f"value {value!r} is not a boolean (valueType bool)")
        elif value_type == "string" and not isinstance(value, str):
            bad("value", f"value {value!r} is not a string (valueType string; quote it)")
        elif operator == "matches":
            try:
                re.compile(value)
            except re.error as e:
                bad("value", f"invalid regular expression {value!r}: {e}")
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        bad("tags", "`tags` must be a list of strings")
        tags = []
    severity = data.get("severity") or "error"
    if not isinstance(severity, str) or severity not in SEVERITIES:
        bad("severity", f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    if problems:
        return None, problems
    return (
        LintRule(
            name=name,
            description=str(data.get("description") or ""),
            kind=kind,
            field=field,
            operator=operator,
            value_type=value_type,
            value=float(value) if value_type == "float64" and value is not None else value,
            tags=tuple(tags),
            severity=severity,
            file=fname,
            line=line,
        ),
        [],
    )


def _construct(node) -> dict:
    loader = yaml.SafeLoader("")
    try:
        data = loader.construct_mapping(node, deep=True)
    finally:
        loader.dispose()
    return {str(k): v for k, v in data.items()}


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
    from decimal import Decimal

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


def pod_views(resource: dict) -> Iterator[tuple[dict, callable]]:
    """The Pod(s) a Pod rule sees in `resource`, each with a function mapping a pod path to a resource path."""
    kind = resource.get("kind")
    if kind == "Pod":
        yield resource, lambda p: p
        return
    found = k8s.pod_template(resource)
    if not found:
        return
    tmpl, prefix = found
    tmeta = tmpl.get("metadata") if isinstance(tmpl.get("metadata"), dict) else {}
    meta = {**tmeta, "name": k8s.name(resource)}
    if k8s.namespace(resource):
        meta["namespace"] = k8s.namespace(resource)
    view = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": tmpl.get("spec") or {}}

    def to_resource(p: tuple) -> tuple:
        if p[:2] in (("metadata", "name"), ("metadata", "namespace")) and p[1] not in tmeta:
            return p
        return (*prefix, *p)

    yield view, to_resource


def targets(rule: LintRule, resource: dict) -> Iterator[tuple[dict, callable]]:
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
            ok = re.search(rule.value, text) is not None
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
    return {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True, "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}.get(t)


def _parse_float(t: str):
    try:
        return float(t)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def field_keys(field: str) -> tuple:
    """Every plain key a field expression names (`.spec.containers[*].env[*].value` -> spec, containers, env, value)."""
    from spinops.check.jsonpath import to_jsonpath_ng

    return tuple(m.group(1) or m.group(2) for m in re.finditer(r"\.\.?([A-Za-z_][A-Za-z0-9_]*)|\['([^']*)'\]", to_jsonpath_ng(field)))


@lru_cache(maxsize=4096)
def _fixed_prefix(field: str) -> tuple:
    """The leading plain keys of a field (`.spec.containers[*].x` -> ("spec", "containers"))."""
    from spinops.check.jsonpath import to_jsonpath_ng

    out = []
    for m in re.finditer(r"\.([A-Za-z_][A-Za-z0-9_]*)|\['([^']*)'\]|(.)", to_jsonpath_ng(field)[1:]):
        if m.group(3) is not None:
            break
        out.append(m.group(1) or m.group(2))
    return tuple(out)
