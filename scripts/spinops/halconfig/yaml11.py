"""How Kleat's YAML reader types a plain scalar, and where that differs from the fast parser's reading.

Kleat reads the halconfig with sigs.k8s.io/yaml v1.3.0 `YAMLToJSON` over gopkg.in/yaml.v2 v2.4.0 (a YAML 1.1
reader; Kleat's go.sum). `resolve` follows yaml.v2's `resolve()` (resolve.go at v2.4.0) for an untagged plain
scalar: the first character picks the candidates (`+-` sign, digits, `.`, and the letters of the words in
its table: `yYnNtTfFoO~`); any other first character (`_`, a letter) means a string. For a sign or a digit,
all `_` are removed and the text is tried with Go's `strconv.ParseInt(s, 0, 64)` (so `0x`, `0o`, `0b` and
a leading `0` for octal), `ParseUint`, then `ParseFloat` if it matches yaml.v2's `yamlStyleFloat`; a float
that overflows is an error there, so the text stays a string. A leading `.` goes to `ParseFloat` as written,
where `_` may only stand between digits. Sexagesimal `1:30` is a string (yaml.v2 does not support base 60);
timestamps stay strings when decoded into an interface (decode.go).

The YAML 1.1 type pages agree on the cases that matter here: their int and float regexps
(yaml.org/type/int.html, float.html) and SnakeYAML's Resolver (which Spring uses; its INT and FLOAT are
registered only for first characters `-+0123456789` and `.`) never read a scalar starting with `_`, or
`._5`, as a number. yaml-rs, the fast parser, does (`_1` -> 1, `._5` -> 0.5): `divergences` finds every
plain scalar the two read differently, using the positional (PyYAML) tree, only when `may_diverge` finds
such a scalar in the text.

PyYAML differs from yaml.v2 (so it is no oracle) on `1e3` and `-.5` (strings in PyYAML, floats in yaml.v2),
`-_1` (string / -1), `0o17` (string / 15) and `1:30` (90 / string).
"""

from __future__ import annotations

import contextlib
import math
import re
import struct

from spinops.errors import Problem

_SIGN_OR_DIGIT = frozenset("+-0123456789")
_WORDS = frozenset("yYnNtTfFoO~")
_TABLE = {
    **dict.fromkeys(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], True),
    **dict.fromkeys(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], False),
    **dict.fromkeys(["", "~", "null", "Null", "NULL"], None),
    **dict.fromkeys([".nan", ".NaN", ".NAN"], math.nan),
    **dict.fromkeys([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"], math.inf),
    **dict.fromkeys(["-.inf", "-.Inf", "-.INF"], -math.inf),
}
MERGE = "<<"
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_D = r"[0-9]+(?:_[0-9]+)*"  # Go: an `_` only between digits
_GO_DECIMAL_FLOAT = re.compile(rf"(?:{_D}(?:\.(?:{_D})?)?|\.{_D})(?:[eE][-+]?{_D})?")
_DIGITS = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}
INT64 = (-(2**63), 2**63 - 1)
UINT64_MAX = 2**64 - 1

#: YAML 1.2 core schema numbers (yaml.org/spec/1.2.2 10.3.2): what a YAML 1.2 reader may read as a number.
CORE_NUMBER = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
                         r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")


class Merge:
    """yaml.v2's reading of a plain `<<`: the merge key (its resolve table maps it to !!merge)."""

    def __repr__(self) -> str:
        return "MERGE"


MERGE_KEY = Merge()


def resolve(s: str) -> object:
    """What yaml.v2 v2.4.0 reads for the untagged plain scalar `s` (str, int, float, bool, None or MERGE_KEY)."""
    if s == MERGE:
        return MERGE_KEY
    if s in _TABLE:
        return _TABLE[s]
    first = s[0]
    if first == ".":
        f = _go_parse_float(s)
        return s if f is None else f
    if first not in _SIGN_OR_DIGIT:
        return s  # a letter of the table's words (`yes`, `null` handled above) or anything else: a string
    plain = s.replace("_", "")
    n = _go_parse_int(plain, 0)
    if n is not None and INT64[0] <= n <= INT64[1]:
        return n
    if n is not None and 0 <= n <= UINT64_MAX and plain[0] != "-" and plain[0] != "+":
        return n  # ParseUint: no sign
    if _YAML_STYLE_FLOAT.fullmatch(plain):
        f = _go_parse_float(plain)
        if f is not None:
            return f
    if plain.startswith("0b"):
        n = _go_parse_int(plain[2:], 2)
        if n is not None and (INT64[0] <= n <= INT64[1] or (0 <= n <= UINT64_MAX and plain[2:3] not in "+-")):
            return n
    elif plain.startswith("-0b"):
        n = _go_parse_int("-" + plain[3:], 2)
        if n is not None and INT64[0] <= n <= INT64[1]:
            return n
    return s


def _go_parse_int(s: str, base: int) -> int | None:
    """Go's strconv.ParseInt syntax (value unbounded; the caller checks the range); `s` has no underscores."""
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if base == 0:
        base = 10
        if s[:1] == "0":
            if s[1:2] in ("x", "X"):
                base, s = 16, s[2:]
            elif s[1:2] in ("b", "B"):
                base, s = 2, s[2:]
            elif s[1:2] in ("o", "O"):
                base, s = 8, s[2:]
            else:
                base, s = 8, s[1:] or "0"
    if not s or any(c not in _DIGITS[base] for c in s):
        return None
    return sign * int(s, base)


def _go_parse_float(s: str) -> float | None:
    """Go's strconv.ParseFloat for decimal text (the only kind that reaches it here); None on error or overflow."""
    body = s[1:] if s[:1] in ("+", "-") else s
    if not _GO_DECIMAL_FLOAT.fullmatch(body):
        return None
    f = float(s.replace("_", ""))
    return None if math.isinf(f) else f


def key_string(k: object) -> str:
    """A non-string mapping key as sigs.k8s.io/yaml v1.3.0 `YAMLToJSON` writes it (yaml.go: Itoa for ints,
    FormatFloat(f, 'g', -1, 32) for floats with .inf/-.inf/.nan, true/false for booleans)."""
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, int):
        return str(k)
    if isinstance(k, float):
        if math.isnan(k):
            return ".nan"
        if math.isinf(k):
            return ".inf" if k > 0 else "-.inf"
        return _format_float32_g(k)
    return str(k)


def _format_float32_g(f: float) -> str:
    """Go's strconv.FormatFloat(f, 'g', -1, 32): the shortest decimal that reads back as the same float32."""
    if f == 0:
        return "-0" if math.copysign(1, f) < 0 else "0"
    try:
        packed = struct.pack("<f", f)
    except OverflowError:  # beyond float32: Go's float32(f) is an infinity
        return ".inf" if f > 0 else "-.inf"
    f = struct.unpack("<f", packed)[0]
    for prec in range(1, 10):
        text = f"{f:.{prec - 1}e}"
        with contextlib.suppress(OverflowError):  # a rounded-up text beyond float32 is not the shortest form
            if struct.pack("<f", float(text)) == packed:
                break
    mantissa, exp = text.split("e")
    digits = mantissa.replace(".", "").lstrip("-")
    x = int(exp)
    neg = "-" if f < 0 else ""
    if x < -4 or x >= 6:  # %e when the exponent is < -4 or >= 6 (the 'g' rule with the shortest precision)
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{neg}{m}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if x < 0:
        return f"{neg}0.{'0' * (-x - 1)}{digits}"
    whole = digits[: x + 1].ljust(x + 1, "0")
    frac = digits[x + 1 :]
    return neg + whole + ("." + frac if frac else "")


# ------------------------------------------------------------------ where yaml-rs reads a plain scalar differently

# Text that may hold a plain scalar yaml-rs reads differently: a cheap scan (three passes of ~0.4 ms per MB:
# each pattern starts with a literal character, the context before it is a look-behind): `_` or `._`
# starting a number (`_1`, `._5`); a number with a leading zero, signed or with `_` (`0120`, `-010`, `0_7`:
# octal in YAML 1.1); `0b` with a sign (`0b-1`); `_` in a number that starts with `.` (`.5_`). `_json_key`
# (a letter after the `_`) is a string for both. Not scanned: floats that overflow (`1e999`: a string for
# yaml.v2, infinity for yaml-rs; as a value it fails in every typed field, as a key the walk reports it).
_MAY_DIVERGE = (
    re.compile(r"_(?:(?<=[\s\[{,]_)[_.0-9]|(?<=[\s\[{,]\._))"),
    re.compile(r"0(?:(?<=[\s\[{,]0)[0-9_]|(?<=[\s\[{,][+-]0)[0-9_]|[bB][+-])"),
    re.compile(r"\.(?<=[\s\[{,]\.)[0-9]+_"),
)
# A plain scalar worth comparing: it starts like a number and holds no space or indicator.
_NUMBERISH = re.compile(r"[-+]?[._0-9][0-9A-Za-z_.+-]*")


def may_diverge(text: str) -> bool:
    """Whether the text may hold a plain scalar that yaml-rs and Kleat's yaml.v2 read differently."""
    return text[:1] in ("_", ".", "0", "+", "-") or any(p.search(text) for p in _MAY_DIVERGE)


class Divergence:
    """A plain scalar read differently by yaml-rs (`ours`) and by Kleat's yaml.v2 (`kleat`)."""

    __slots__ = ("path", "raw", "ours", "kleat", "key", "node")

    def __init__(self, path: tuple, raw: str, ours: object, kleat: object, key: bool, node) -> None:
        self.path, self.raw, self.ours, self.kleat, self.key, self.node = path, raw, ours, kleat, key, node

    @property
    def string_in_both(self) -> bool:
        """Kleat reads a string and so does YAML 1.2 (the core schema has no such number): take the string."""
        return type(self.kleat) is str and not CORE_NUMBER.fullmatch(self.raw)

    def __repr__(self) -> str:
        return f"Divergence({self.path!r}, {self.raw!r}, ours={self.ours!r}, kleat={self.kleat!r}, key={self.key})"


def same_reading(ours: object, kleat: object) -> bool:
    if isinstance(ours, bool) or isinstance(kleat, bool) or ours is None or kleat is None:
        return type(ours) is type(kleat) and ours == kleat
    if isinstance(ours, (int, float)) and isinstance(kleat, (int, float)):
        return ours == kleat or (math.isnan(ours) and math.isnan(kleat))
    return type(ours) is type(kleat) and ours == kleat


def divergences(root) -> list[Divergence]:
    """Every number-like plain scalar (value or mapping key) of the composed document that yaml-rs reads
    differently from yaml.v2, with its data path as yaml-rs read the document (keys as yaml-rs reads them)."""
    import yaml_rs  # noqa: PLC0415 start-up: yaml-rs
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode  # noqa: PLC0415 start-up: PyYAML

    found: list[tuple[tuple | None, ScalarNode, bool]] = []  # (path, node, is_key)
    keys: list[tuple[ScalarNode, list]] = []  # key nodes whose yaml-rs reading is needed for the path

    def plain(n) -> bool:
        return isinstance(n, ScalarNode) and not n.style

    def walk(node, path: tuple | None) -> None:
        if isinstance(node, MappingNode):
            for k, v in node.value:
                step: list = [k.value if isinstance(k, ScalarNode) else "?"]
                if plain(k) and k.value[:1] in "+-._0123456789~nNtTfF":  # may read as a number, boolean or null
                    keys.append((k, step))
                if plain(k) and _NUMBERISH.fullmatch(k.value):
                    found.append(((path, step), k, True))
                walk(v, (path, step))
        elif isinstance(node, SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (path, [i]))
        elif plain(node) and _NUMBERISH.fullmatch(node.value):
            found.append((path, node, False))

    if root is None:
        return []
    with contextlib.suppress(RecursionError):
        walk(root, None)
    if not found:
        return []
    batch = [k.value for k, _ in keys] + [n.value for _, n, _ in found]
    read = yaml_rs.loads("".join(f"- {s}\n" for s in batch), parse_datetime=False)
    assert isinstance(read, list)  # a block sequence of one item per scalar
    for (_, step), value in zip(keys, read, strict=False):
        step[0] = value
    out = []
    for (linked, node, is_key), ours in zip(found, read[len(keys):], strict=True):
        kleat = resolve(node.value)
        if is_key:
            ours_s = ours if type(ours) is str else key_string(ours)
            if ours is None or kleat is None or kleat is MERGE_KEY:
                continue  # null keys are reported by the schema walk
            kleat_s = kleat if type(kleat) is str else key_string(kleat)
            if ours_s == kleat_s and not (type(kleat) is int and not INT64[0] <= kleat <= INT64[1]):
                continue  # (sigs.k8s.io/yaml has no case for uint64 keys: an integer key beyond int64 is an error)
        elif same_reading(ours, kleat):
            continue
        out.append(Divergence(_flatten(linked), node.value, ours, kleat, is_key, node))
    return out


def _flatten(linked) -> tuple:
    """Path from the walk's linked pairs; a key's path ends with the key itself (its step is a 1-list)."""
    steps = []
    node = linked
    while node is not None:
        node, step = node
        steps.append(step[0])
    steps.reverse()
    return tuple(steps)


def reconcile(src) -> list:
    """Make a parsed file read as Kleat reads it where YAML 1.2 agrees, and collect what stays ambiguous.

    - A plain scalar that Kleat reads as a string and YAML 1.2's core schema would too (`_1`, `._5`,
      `.5_`: only yaml-rs reads a number) becomes that string in `src.data`, as a value or a key.
    - A value that both read as numbers, differently (`0120`: octal 80 in YAML 1.1, 120 here), is kept
      in `src.divergent` (path -> Divergence) for the schema walk, which reports it in number fields.
    - A value that yaml-rs reads as a string and Kleat as a number (`0b-1`), and a mapping key read
      differently (`0777:` is the key 511 for Kleat), is returned as a problem.
    """
    if src.data is None:
        return []
    found = divergences(src.root())
    problems = []
    renames = []
    for d in found:
        if d.string_in_both:
            if d.key:
                renames.append(d)
            else:
                _set(src.data, d.path, d.raw)
        elif d.key:
            line, col = d.node.start_mark.line + 1, d.node.start_mark.column + 1
            kleat = (
                "an integer key beyond 64 bits, which it cannot read"
                if type(d.kleat) is int and d.kleat > INT64[1]
                else describe(d.kleat)
            )
            problems.append(Problem(f"ambiguous unquoted key `{d.raw}`: YAML 1.1 (Kleat) reads it as {kleat}, "
                                    f"YAML 1.2 (spinops) as {describe(d.ours)}", file=src.name, line=line, column=col,
                                    code="yaml-1.1", hint=f"quote it: '{d.raw}'"))
        elif type(d.ours) is str:
            line, col = d.node.start_mark.line + 1, d.node.start_mark.column + 1
            problems.append(Problem(f"ambiguous unquoted `{d.raw}`: YAML 1.1 (Kleat) reads it as {describe(d.kleat)}, "
                                    f"YAML 1.2 (spinops) as the string '{d.raw}'", file=src.name, line=line, column=col,
                                    code="yaml-1.1", hint=f"quote it if you mean the string: '{d.raw}'"))
        else:
            src.divergent[d.path] = d
    for d in sorted(renames, key=lambda d: -len(d.path)):  # deepest first: shallower renames change their paths
        _rename(src.data, d.path, d.raw)
    return problems


def describe(v: object) -> str:
    if type(v) is str:
        return f"the string '{v}'"
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, float) else str(v)


def _parent(data, path: tuple):
    node = data
    for step in path[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _set(data, path: tuple, value) -> None:
    parent = _parent(data, path)
    if isinstance(parent, dict) and path[-1] in parent or isinstance(parent, list) and isinstance(path[-1], int):
        parent[path[-1]] = value


def _rename(data, path: tuple, new_key: str) -> None:
    parent = _parent(data, path)
    if isinstance(parent, dict) and path[-1] in parent and new_key not in parent:
        items = [(new_key if k == path[-1] and type(k) is type(path[-1]) else k, v) for k, v in parent.items()]
        parent.clear()
        parent.update(items)


# ------------------------------------------------------------------ line breaks YAML 1.1 has and YAML 1.2 has not

#: YAML 1.1 (spec 1.1 section 5.4; yaml.v2's is_break in yamlprivateh.go, SnakeYAML's scanner) counts NEL,
#: LS and PS as line breaks; YAML 1.2 (section 5.4: only CR and LF; yaml-rs) as ordinary characters.
#: yaml.v2 folds `'a<LS>   b'` to "a<LS>b" and fails on one in a plain scalar or a comment
#: (tests/fixtures/halconfig/yaml11). No reading is common to both: refused.
LINE_SEPARATORS = {"\u2028": ("LINE SEPARATOR", "\\L"), "\u2029": ("PARAGRAPH SEPARATOR", "\\P"),
                   "\x85": ("NEXT LINE (NEL)", "\\N")}


def line_separator_problem(text: str, name: str):
    """A Problem at the first U+2028, U+2029 or U+0085 in the text, or None (three substring searches)."""
    found = [i for i in (text.find(c) for c in LINE_SEPARATORS) if i >= 0]
    if not found:
        return None

    i = min(found)
    char = text[i]
    what, escape = LINE_SEPARATORS[char]
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    more = sum(text.count(c) for c in LINE_SEPARATORS) - 1
    return Problem(
        f"U+{ord(char):04X} {what}: a line break for YAML 1.1 (Kleat, Spring), an ordinary character for "
        f"YAML 1.2 (spinops); refused, as the two readings differ" + (f" ({more} more in this file)" if more else ""),
        file=name,
        line=line,
        column=col,
        code="line-separator",
        hint=f'remove it, or write it as the escape {escape} inside double quotes ("a{escape}b")',
    )
