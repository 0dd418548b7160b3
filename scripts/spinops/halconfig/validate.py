"""Strict validation and normalisation of halconfig data against the halconfig JSON Schema, in one walk.

The walker understands the subset of JSON Schema the halconfig schema uses ($ref, type, properties,
additionalProperties, items, enum, minimum/maximum, and `not` with required/minItems for Kleat's one
rule) plus the x-kleat-* annotations. It is written for speed (no jsonschema on the hot path: the
schema is compiled once, lazily, into small node objects) and it reports every problem in one pass.

Normalisation follows Kleat's presence rules (protobuf JSON mapping): JSON names for keys
(x-kleat-alias-of), enum numbers to names, nulls dropped, "" / 0 / zero enums dropped from plain
fields (kept in x-kleat-wrapper fields), empty lists and maps dropped, a set-but-empty mapping kept
as {}, booleans kept when set (also false). Inputs are never mutated.

Errors are returned as `Issue`s with a data path; the loader turns them into file:line:col.
"""

from __future__ import annotations

import sys

from spinops.halconfig.schema import load_schema
from spinops.halconfig.yaml11 import key_string

DROP = object()  # a value that normalises to "unset"

#: Plain scalars YAML 1.1 (Kleat, Halyard, Spring's SnakeYAML) reads as booleans; YAML 1.2 reads them as strings.
YAML11_BOOLS = frozenset(
    ["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"]
)
YAML11_TRUE = frozenset(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON"])

_TYPE_NAMES = {"boolean": "a boolean", "integer": "an integer", "string": "a string", "object": "a mapping",
               "array": "a list", "number": "a number", "null": "null"}

#: Halyard settings Kleat ignores; a hint says so instead of guessing a spelling.
HALYARD_ONLY = frozenset({"name", "deploymentEnvironment", "currentDeployment", "deploymentConfigurations",
                          "persistentStoreType", "halyardVersion", "armory", "webhooks", "plugins"})


class Issue:
    """A problem at a data path (a plain class: dataclasses cost start-up time on the render path)."""

    __slots__ = ("path", "message", "hint", "code", "key", "extra")

    def __init__(self, path: tuple, message: str, hint: str | None = None, code: str = "schema", key: bool = False,
                 extra: dict | None = None) -> None:
        self.path, self.message, self.hint, self.code = path, message, hint, code
        self.key = key  # locate the key (unknown keys) rather than the value
        self.extra = extra or {}

    def __repr__(self) -> str:
        return f"Issue({self.path!r}, {self.message!r}, hint={self.hint!r}, code={self.code!r})"


def flatten(linked) -> tuple:
    """(((None, 'a'), 'b'), 0) -> ('a', 'b', 0)."""
    out = []
    while linked is not None:
        linked, step = linked
        out.append(step)
    out.reverse()
    return tuple(out)


def describe(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean " + ("true" if v else "false")
    if isinstance(v, int):
        return f"integer {v}"
    if isinstance(v, float):
        return f"number {v!r}"
    if isinstance(v, str):
        s = v if len(v) <= 60 else v[:57] + "..."
        return "string " + repr(s)
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    return type(v).__name__


def _field(linked) -> str:
    while linked is not None:
        linked, step = linked
        if isinstance(step, str):
            return step
    return "halconfig"


def _dotted(linked) -> str:
    out = []
    for step in flatten(linked):
        if isinstance(step, int):
            out.append(f"[{step}]")
        else:
            out.append(("." if out else "") + str(step))
    return "".join(out) or "(top level)"


class Walk:
    """One validation run: collects issues and values that need a look at the YAML source."""

    __slots__ = ("issues", "ambiguous", "divergent", "root")

    def __init__(self, divergent: dict | None = None, root=None) -> None:
        self.root = root  # the compiled schema, for hints that look elsewhere in it
        self.issues: list[Issue] = []
        # paths of plain numbers YAML 1.1 reads differently, like `0777` (yaml11.reconcile; usually empty)
        self.divergent = divergent or {}
        # (path, kind, value): values whose YAML 1.1 reading differs; confirmed against the source later
        self.ambiguous: list[tuple[tuple, str, object]] = []

    def type_error(self, v, expected: str, linked) -> object:
        hint = None
        code = "wrong-type"
        if expected == "boolean" and isinstance(v, str):
            if v in YAML11_BOOLS:
                word = "true" if v in YAML11_TRUE else "false"
                hint = (
                    f"YAML 1.1 (Kleat, Halyard) reads `{v}` as a boolean; spinops reads YAML 1.2, where it is a "
                    "string: "
                    f"write {word}"
                )
                code = "yaml-1.1"
            elif v in ("true", "false", "True", "False", "TRUE", "FALSE"):
                hint = f"remove the quotes: {v.lower()}"
        elif expected == "integer" and isinstance(v, str):
            s = v.strip()
            if s[1:].isdigit() and s[0] in "+-0123456789":  # `'360'` (not `++-0`: that is no number at all)
                hint = f"write it without quotes: {int(s)} (Kleat accepts a quoted number, spinops does not)"
        elif expected == "string" and isinstance(v, (bool, int, float)):
            code = "wrong-type-scalar"  # hint completed from the YAML source (the text as written)
        elif expected == "array" and isinstance(v, dict):
            hint = "a list item starts with `- ` (e.g. `- name: ...`)"
        elif expected == "array" and isinstance(v, (str, int, float, bool)):
            hint = f"a list of one item: [{v if not isinstance(v, bool) else str(v).lower()}]"
        elif expected == "object" and isinstance(v, list):
            hint = "remove the `- `: this is a mapping of keys, not a list"
        if "${" in str(v) and isinstance(v, str) and expected in ("boolean", "integer", "number"):
            self.issues.append(
                Issue(
                    flatten(linked),
                    f"`{_field(linked)}` is {_TYPE_NAMES[expected]} field: "
                    f"placeholders work only in string fields (got {describe(v)})",
                    hint=f"write a literal {expected}; for a value that differs per environment use an overlay "
                    "(halconfig/env/<env>.yml)",
                    code="placeholder",
                )
            )
            return DROP
        self.issues.append(
            Issue(
                flatten(linked),
                f"`{_field(linked)}`: expected {_TYPE_NAMES.get(expected, expected)}, got {describe(v)}",
                hint=hint,
                code=code,
                extra={"expected": expected, "value": v},
            )
        )
        return DROP


# --------------------------------------------------------------------------- compiled schema nodes


class Node:
    __slots__ = ()

    def walk(self, v, linked, w: Walk):  # pragma: no cover - abstract
        raise NotImplementedError


class AnyNode(Node):
    """No type constraint (not used by the halconfig schema today; kept so a schema change cannot crash us)."""

    __slots__ = ()

    def walk(self, v, linked, w):
        return v


class StringNode(Node):
    __slots__ = ("wrapper",)

    def __init__(self, wrapper: bool) -> None:
        self.wrapper = wrapper

    def walk(self, v, linked, w):
        if type(v) is str:
            if v in YAML11_BOOLS:
                w.ambiguous.append((flatten(linked), "bool-word", v))
            if not v and not self.wrapper:
                return DROP
            return v
        return w.type_error(v, "string", linked)


class BoolNode(Node):
    __slots__ = ()

    def walk(self, v, linked, w):
        if type(v) is bool:
            return v  # every Kleat boolean is a BoolValue: false is kept
        return w.type_error(v, "boolean", linked)


class IntNode(Node):
    __slots__ = ("wrapper", "minimum", "maximum")

    def __init__(self, wrapper: bool, minimum, maximum) -> None:
        self.wrapper, self.minimum, self.maximum = wrapper, minimum, maximum

    def walk(self, v, linked, w):
        if type(v) is float and v.is_integer():
            # `30.0`: Kleat's YAML -> JSON step writes it as 30, and JSON Schema counts it as an integer
            v = int(v)
        if type(v) is int:
            if (self.minimum is not None and v < self.minimum) or (self.maximum is not None and v > self.maximum):
                w.issues.append(Issue(flatten(linked), f"`{_field(linked)}`: {v} is out of range "
                                      f"({self.minimum} to {self.maximum})", code="out-of-range"))
                return DROP
            if w.divergent and flatten(linked) in w.divergent:
                w.ambiguous.append((flatten(linked), "number", v))
            if v == 0 and not self.wrapper:
                return DROP
            return v
        return w.type_error(v, "integer", linked)


class NumberNode(Node):
    __slots__ = ("wrapper",)

    def __init__(self, wrapper: bool) -> None:
        self.wrapper = wrapper

    def walk(self, v, linked, w):
        if type(v) in (int, float):
            if w.divergent and flatten(linked) in w.divergent:
                w.ambiguous.append((flatten(linked), "number", v))
            if v == 0 and not self.wrapper:
                return DROP
            return v
        return w.type_error(v, "number", linked)


class EnumNode(Node):
    __slots__ = ("names", "numbers", "zero", "listed")

    def __init__(self, names: list, numbers: dict, keep_zero: bool = False) -> None:
        self.names = frozenset(names)
        self.numbers = {int(k): n for k, n in numbers.items()}
        zero = self.numbers.get(0)
        self.listed = [n for n in names if n != zero]
        self.zero = None if keep_zero else zero

    def walk(self, v, linked, w):
        if type(v) is str and v in self.names:
            return DROP if v == self.zero else v
        if type(v) is int and v in self.numbers:
            name = self.numbers[v]
            return DROP if name == self.zero else name
        if type(v) is str and "${" in v:
            w.issues.append(
                Issue(
                    flatten(linked),
                    f"`{_field(linked)}` is an enum field: placeholders work only in string fields (got {describe(v)})",
                    hint="expected one of " + ", ".join(self.listed),
                    code="placeholder",
                )
            )
            return DROP
        hint = "expected one of " + ", ".join(self.listed)
        if isinstance(v, str):
            close = [n for n in self.listed if n.lower() == v.lower()] or _close(v, self.listed)
            if close:
                hint = f"did you mean `{close[0]}`? ({hint})"
        w.issues.append(
            Issue(
                flatten(linked),
                f"`{_field(linked)}`: unknown value {describe(v)}",
                hint=hint,
                code="bad-enum",
                extra={"value": v},
            )
        )
        return DROP


class ArrayNode(Node):
    __slots__ = ("items",)

    def __init__(self, items: Node) -> None:
        self.items = items

    def walk(self, v, linked, w):
        if type(v) is not list:
            return w.type_error(v, "array", linked)
        if not v:
            return DROP
        items = self.items
        if type(items) is StringNode and all(type(x) is str for x in v):  # lists of strings: checked in bulk
            if not YAML11_BOOLS.isdisjoint(v):
                w.ambiguous.extend((flatten((linked, i)), "bool-word", x) for i, x in enumerate(v) if x in YAML11_BOOLS)
            return list(v)
        out = []
        for i, x in enumerate(v):
            if x is None:
                w.issues.append(
                    Issue(
                        flatten((linked, i)), f"`{_field(linked)}[{i}]`: a list item may not be null", code="wrong-type"
                    )
                )
                continue
            r = items.walk(x, (linked, i), w)
            if r is not DROP:  # DROP here means an error was recorded (items keep zero values)
                out.append(r)
        return out


_STR, _BOOL, _ALIAS, _STRLIST, _INT = 1, 2, 3, 4, 5  # ObjectNode property kinds with a fast path (0: none)


class ObjectNode(Node):
    """A message (closed, named properties) and/or a map (additionalProperties schema)."""

    __slots__ = ("props", "extra", "open", "names", "rule", "message")

    def __init__(self) -> None:
        self.props: dict = {}  # input key -> (output name, node)
        self.extra: Node | None = None
        self.open = False
        self.names: list[str] = []
        self.rule = None
        self.message = None

    def walk(self, v, linked, w):
        if type(v) is not dict:
            return w.type_error(v, "object", linked)
        props = self.props
        out = {}
        bools = YAML11_BOOLS
        for k, x in v.items():
            p = props.get(k)
            if p is None:
                if self.extra is not None:
                    if x is None:
                        continue
                    if type(k) is str:
                        key = k
                        if k in bools:  # `on:` is the key "true" for Kleat (YAML 1.1)
                            w.ambiguous.append((flatten((linked, k)), "bool-key", k))
                    else:
                        key = _stringify(k, (linked, k), w)
                        if key is None:
                            continue
                    r = self.extra.walk(x, (linked, k), w)
                    if r is not DROP:  # map values keep zero values: DROP means an error was recorded
                        out[key] = r
                    continue
                if self.open:
                    if x is not None:
                        out[k] = x
                    continue
                w.issues.append(self._unknown(k, linked, w.root))
                continue
            if x is None:
                continue
            name, node, kind = p
            # fast paths for the common scalars (most of a halconfig): no call, no path tuple
            if kind == _STR:
                if type(x) is str:
                    if x:
                        if x in bools:
                            w.ambiguous.append((flatten((linked, k)), "bool-word", x))
                        out[name] = x
                    continue
            elif kind == _BOOL:
                if type(x) is bool:
                    out[name] = x
                    continue
            elif kind == _STRLIST:
                if type(x) is list and all(type(i) is str for i in x):
                    if x:
                        if not bools.isdisjoint(x):
                            w.ambiguous.extend(
                                (flatten(((linked, k), i)), "bool-word", s) for i, s in enumerate(x) if s in bools
                            )
                        out[name] = list(x)
                    continue
            elif kind == _INT:
                if type(x) is int and node.minimum <= x <= node.maximum and not w.divergent:
                    if x:
                        out[name] = x
                    continue
            elif kind == _ALIAS and name in out:
                w.issues.append(Issue(flatten((linked, k)), f"`{name}` is set twice (as `{name}` and as its alias)",
                                      code="duplicate-key", key=True))
            r = node.walk(x, (linked, k), w)
            if r is not DROP:
                out[name] = r
        if not out and self.extra is not None and not props:
            return DROP  # an empty map is unset
        if self.rule is not None and _matches(out, self.rule):
            w.issues.append(Issue(flatten(linked), f"`{_dotted(linked)}`: {self.message}", code="kleat-rule"))
        return out

    def _unknown(self, k, linked, root) -> Issue:
        if k is None or not isinstance(k, (str, bool, int, float)):
            return _key_issue(k, linked)
        where = "top-level key" if linked is None else f"key in `{_dotted(linked)}`"
        ks = k if isinstance(k, str) else repr(k)
        close = (
            ([n for n in self.names if n.lower() == ks.lower()] or _close(ks, self.names)) if isinstance(k, str) else []
        )
        if close:
            hint = "did you mean " + " or ".join(f"`{c}`" for c in close[:3]) + "?"
        elif ks in HALYARD_ONLY:
            hint = f"`{ks}` is a Halyard setting; Kleat ignores it, spinops rejects it: remove it"
        elif isinstance(k, str) and (inside := where_valid(self, ks, 3)):
            here = _dotted(linked) if linked is not None else ""
            hint = f"`{ks}` belongs deeper: under " + " or ".join(
                f"`{here + '.' if here else ''}{p}`" for p in inside[:3])
        elif isinstance(k, str) and (elsewhere := where_valid(root, ks)):
            hint = f"`{ks}` belongs under " + " or ".join(f"`{p}`" for p in elsewhere[:3])
        elif len(self.names) <= 12:
            hint = "valid keys here: " + ", ".join(self.names)
        else:
            hint = "see `spinops schema` for the valid keys"
        return Issue(flatten((linked, k)), f"unknown {where}: `{ks}`", hint=hint, code="unknown-key", key=True)


def where_valid(root, name: str, max_depth: int = 4) -> list[str]:
    """Dotted paths (breadth first, shallowest first) of the mappings where `name` is a valid key."""
    if root is None:
        return []
    found: list[str] = []
    seen: set[int] = set()
    level = [("", root)]
    for _ in range(max_depth):
        nxt = []
        for prefix, node in level:
            if isinstance(node, ArrayNode):
                node, prefix = node.items, prefix + "[]"
            if not isinstance(node, ObjectNode) or id(node) in seen:
                continue
            seen.add(id(node))
            if name in node.props and prefix:
                found.append(prefix)
            for key, (_out, child, _kind) in node.props.items():
                nxt.append((f"{prefix}.{key}" if prefix else key, child))
        level = nxt
        if found:
            break
    return found


def _stringify(k, linked, w: Walk) -> str | None:
    """A non-string map key as Kleat's YAML -> JSON step writes it (`1:` -> "1", `1e3:` -> "1000", `true:` -> "true");
    None (an issue recorded) for a key Kleat cannot read: null (`~:`, `null:`) or a list or mapping."""
    if k is None or not isinstance(k, (bool, int, float)):
        w.issues.append(_key_issue(k, linked))
        return None

    if k in (float("inf"), float("-inf")):  # `.inf`, or a literal that overflows (`1e999`: a string for Kleat)
        w.ambiguous.append((flatten(linked), "inf-key", k))
    return key_string(k)


def _key_issue(k, linked) -> Issue:
    """A key Kleat cannot read: null (sigs.k8s.io/yaml YAMLToJSON: unsupported map key) or a collection (yaml.v2)."""
    if k is None:
        return Issue(flatten(linked), "a null key (`~`, `null` or an empty key): Kleat cannot read it",
                     hint="quote it if you mean the string: 'null'", code="wrong-type", key=True)
    return Issue(flatten(linked), "a list or mapping as a key: Kleat cannot read it", hint="use a string key",
                 code="wrong-type", key=True)


def _close(word: str, names: list[str]) -> list[str]:
    import difflib  # noqa: PLC0415 start-up: difflib

    return difflib.get_close_matches(word, names, n=3, cutoff=0.6)


def _matches(value: dict, rule: dict) -> bool:
    """The `not` sub-schema of Kleat's kinds/omitKinds rule: required keys + minItems on them."""
    for k in rule.get("required", ()):
        if k not in value:
            return False
    for k, sub in rule.get("properties", {}).items():
        if k in value and "minItems" in sub and (not isinstance(value[k], list) or len(value[k]) < sub["minItems"]):
            return False
    return True


# --------------------------------------------------------------------------- compilation


class Compiler:
    """Turns schema dicts into nodes, eagerly (~ms for the whole schema); `$ref` targets are compiled once.

    keep_zero: list items and map values keep "" / 0 / zero enums (protobuf drops zero values only
    from singular fields), so they compile to a variant that does not drop them.
    """

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self.defs = schema.get("$defs", {})
        self.by_ref: dict[tuple[str, bool], Node] = {}

    def node(self, s: dict, keep_zero: bool = False) -> Node:
        ref = s.get("$ref")
        if ref is not None:
            target = self.defs[ref.removeprefix("#/$defs/")]
            is_object = target.get("type") == "object" and "enum" not in target
            key = (ref, keep_zero and not is_object)
            n = self.by_ref.get(key)
            if n is None:
                if is_object:
                    n = ObjectNode()
                    self.by_ref[key] = n  # registered before filling: recursive schemas terminate
                    self._fill(n, target)
                else:
                    n = self.node(target, keep_zero)
                    self.by_ref[key] = n
            if s.get("x-kleat-wrapper") and isinstance(n, StringNode) and not n.wrapper:
                return StringNode(True)
            return n
        if "enum" in s:
            return EnumNode(s["enum"], s.get("x-kleat-enum-numbers", {}), keep_zero)
        t = s.get("type")
        wrapper = bool(s.get("x-kleat-wrapper")) or keep_zero
        if t == "object":
            n = ObjectNode()
            self._fill(n, s)
            return n
        if t == "array":
            return ArrayNode(self.node(s.get("items", {}), True))
        if t == "string":
            return StringNode(wrapper)
        if t == "boolean":
            return BoolNode()
        if t == "integer":
            return IntNode(wrapper, s.get("minimum"), s.get("maximum"))
        if t == "number":
            return NumberNode(wrapper)
        return AnyNode()

    def _fill(self, n: ObjectNode, s: dict) -> None:
        props = s.get("properties", {})
        for name, sub in props.items():
            node = self.node(sub)
            if "x-kleat-alias-of" in sub or any(q.get("x-kleat-alias-of") == name for q in props.values()):
                kind = _ALIAS
            elif type(node) is StringNode and not node.wrapper:
                kind = _STR
            elif type(node) is BoolNode:
                kind = _BOOL
            elif type(node) is ArrayNode and type(node.items) is StringNode:
                kind = _STRLIST
            elif type(node) is IntNode and not node.wrapper and node.minimum is not None and node.maximum is not None:
                kind = _INT
            else:
                kind = 0
            n.props[name] = (sys.intern(sub.get("x-kleat-alias-of", name)), node, kind)
        n.names = sorted(props)
        extra = s.get("additionalProperties", True)
        if isinstance(extra, dict):
            n.extra = self.node(extra, True)
        else:
            n.open = extra is not False
        if "not" in s:
            n.rule = s["not"]
            n.message = s.get("x-spinops-message", "matches a combination the schema forbids")


# id(schema) -> (schema, compiled root). The schema is kept alive with its node: otherwise a freed
# schema's id could be reused by another dict (a caller's own `schema=`) and get the stale node.
_ROOTS: dict[int, tuple[dict, Node]] = {}


def root_node(schema: dict) -> Node:
    hit = _ROOTS.get(id(schema))
    if hit is None:
        hit = _ROOTS[id(schema)] = (schema, Compiler(schema).node(schema))
    return hit[1]


def validate(data: dict, schema: dict | None = None, *, divergent: dict | None = None) -> tuple[dict, Walk]:
    """(normalised data, the walk with its issues and ambiguous values). Never raises on bad data."""
    if schema is None:
        schema = load_schema()
    root = root_node(schema)
    w = Walk(divergent, root)
    out = root.walk(data, None, w)
    if out is DROP:
        out = {}
    return out, w
