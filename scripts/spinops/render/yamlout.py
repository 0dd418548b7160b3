"""YAML emitter for rendered service configs, byte-compatible with Kleat's output.

Kleat turns each config into protobuf JSON and re-encodes it with gopkg.in/yaml.v2 (through
sigs.k8s.io/yaml). This module reproduces that encoder's output for JSON-like data (dict, list,
str, int, bool, float, None), written from the behaviour described in docs/rendering.md:

- mapping keys in yaml.v2's "natural" order (`natural_key_order`);
- 2-space indentation, block sequences `- ` at the indentation of the parent key, a sequence
  item's mapping starting on the dash line; empty collections as `{}` / `[]`; an empty
  document as `{}`;
- a string is plain unless a YAML reader would resolve it to another type, then double-quoted;
  plain-unsafe text (indicators, leading/trailing spaces) is single-quoted; text with a line
  feed is a literal block (`|`, `|-`, `|+`); text with control characters is double-quoted
  with escapes; long plain/quoted text is folded at spaces past column 80.

Where yaml.v2 would write something a YAML 1.1 or 1.2 reader reads back differently (a bare
carriage return or U+2028 in a single-quoted or literal scalar, a 1.1 timestamp yaml.v2 does not
recognise, `=`), we double-quote instead: reading the value back exactly matters more than bytes.

Pure Python, tuned for large configs: scalar and key renderings are cached, and a scalar is
only walked character by character when its line could exceed the folding width.
"""

from __future__ import annotations

import re
from functools import cmp_to_key

__all__ = ["dumps", "natural_key_order", "render_key", "plain_is_string"]

BEST_WIDTH = 80  # yaml.v2 default line width before folding
INDENT = 2
MAX_SIMPLE_KEY = 128  # longer keys need the explicit `? key` form

# --- what a plain scalar would resolve to -------------------------------------------------------

# yaml.v2 looks these up for plain scalars starting with one of "yYnNtTfFoO~."
_RESERVED = frozenset(
    [
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "true",
        "True",
        "TRUE",
        "on",
        "On",
        "ON",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "false",
        "False",
        "FALSE",
        "off",
        "Off",
        "OFF",
        "~",
        "null",
        "Null",
        "NULL",
        ".nan",
        ".NaN",
        ".NAN",
        ".inf",
        ".Inf",
        ".INF",
        "+.inf",
        "+.Inf",
        "+.INF",
        "-.inf",
        "-.Inf",
        "-.INF",
    ]
)


class _Lazy:
    """A regex compiled on first use: only unusual strings need these, and start-up time counts."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        self.compiled: re.Pattern[str] | None = None

    def match(self, s: str) -> re.Match[str] | None:
        if self.compiled is None:
            self.compiled = re.compile(self.pattern)
        return self.compiled.match(s)


# Go's strconv.ParseInt(s, 0, 64) syntax (after yaml.v2 removed underscores); range ignored on purpose
_GO_INT = _Lazy(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)\Z")
_YAML_FLOAT = _Lazy(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_DOT_FLOAT = _Lazy(r"\.[0-9][0-9_]*(?:[eE][-+]?[0-9_]+)?\Z")
_BASE60 = _Lazy(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")
# yaml.v2's timestamp formats (1-2 digit fields) united with the YAML 1.1 timestamp type
_TIMESTAMP = _Lazy(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?\Z"
)
# YAML 1.1 int/float spellings yaml.v2 does not resolve but PyYAML/SnakeYAML do
_YAML11_NUM = _Lazy(r"[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+][0-9]+)?)\Z")


def plain_is_string(s: str) -> bool:
    """True when `s` written plain reads back as the same string (yaml.v2 resolve rules, YAML 1.1/1.2)."""
    if not s:
        return False  # the empty plain scalar is null
    c = s[0]
    if c in "yYnNtTfFoO~":
        return s not in _RESERVED
    if c == ".":
        return s not in _RESERVED and not _DOT_FLOAT.match(s)
    if c in "+-0123456789":
        if s in _RESERVED or _TIMESTAMP.match(s):
            return False
        bare = s.replace("_", "")
        if _GO_INT.match(bare) or _YAML_FLOAT.match(bare) or _YAML11_NUM.match(s):
            return False
        return not (":" in s and _BASE60.match(s))
    if c == "_":  # yaml-rs (YAML 1.2) drops underscores from numbers: `_1` would read as 1
        return not _YAML_FLOAT.match(s.replace("_", ""))
    # `=` (YAML 1.1 value key) and `<<` (merge key) confuse PyYAML/SnakeYAML when plain
    return s not in ("=", "<<")


# --- scalar analysis (which styles can represent the text) ---------------------------------------

_FIRST_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")
_BREAKS = frozenset("\r\n\x85\u2028\u2029")
# line breaks yaml.v2 would copy raw into single-quoted/literal text, where YAML 1.2 readers (no
# NEL/LS/PS breaks) and CR normalisation change the value: we escape them in double quotes instead
_UNSAFE_BREAKS = frozenset("\r\x85\u2028\u2029")


def _printable(ch: str) -> bool:
    o = ord(ch)
    return o == 0x0A or 0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF or (0xE000 <= o <= 0xFFFD and o != 0xFEFF)


def _analyze(s: str) -> tuple[bool, bool, bool]:
    """(block_plain_allowed, single_quoted_allowed, block_allowed) per libyaml's scalar analysis."""
    block_ind = s.startswith(("---", "..."))
    special = leading = trailing = break_space = space_break = line_breaks = False
    prev_space = prev_break = False
    preceded_ws = True
    n = len(s)
    for i, ch in enumerate(s):
        followed_ws = i + 1 >= n or s[i + 1] in " \t"
        if i == 0:
            if ch in _FIRST_INDICATORS or (ch in "?:-" and followed_ws):
                block_ind = True
        elif (ch == ":" and followed_ws) or (ch == "#" and preceded_ws):
            block_ind = True
        if not _printable(ch):
            special = True
        if ch == " ":
            if i == 0:
                leading = True
            if i == n - 1:
                trailing = True
            if prev_break:
                break_space = True
            prev_space, prev_break = True, False
        elif ch in _BREAKS:
            line_breaks = True
            if i == 0 or i == n - 1:
                leading = True  # leading/trailing break: same consequence as a leading space
            if prev_space:
                space_break = True
            prev_space, prev_break = False, True
        else:
            prev_space = prev_break = False
        preceded_ws = ch in " \t\0" or ch in _BREAKS
    plain = single = block = True
    if leading or trailing:
        plain = False
    if trailing:
        block = False
    if break_space:
        plain = single = False
    if space_break or special:
        plain = single = block = False
    if line_breaks or block_ind:
        plain = False
    if any(c in _UNSAFE_BREAKS for c in s):
        single = block = False
    return plain, single, block


# --- scalar writers ------------------------------------------------------------------------------

_ESCAPES = {
    0x00: "\\0", 0x07: "\\a", 0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0B: "\\v", 0x0C: "\\f",
    0x0D: "\\r", 0x1B: "\\e", 0x22: '\\"', 0x5C: "\\\\", 0x85: "\\N", 0x2028: "\\L", 0x2029: "\\P",
}  # fmt: skip


def _escape_char(ch: str) -> str:
    o = ord(ch)
    if o in _ESCAPES:
        return _ESCAPES[o]
    if o in (0x2028, 0x2029, 0xFEFF) or not _printable(ch):
        if o <= 0xFF:
            return f"\\x{o:02X}"
        if o <= 0xFFFF:
            return f"\\u{o:04X}"
        return f"\\U{o:08X}"
    return ch


def _needs_escape(ch: str) -> bool:
    return ch in '"\\' or ch in _BREAKS or ch == "\ufeff" or not _printable(ch)


def _double_pieces(s: str) -> list[str]:
    return [_escape_char(ch) if _needs_escape(ch) else ch for ch in s]


# Most strings are identifiers, paths and URLs: starting with a letter, `/` or `(`, printable
# ASCII, no `: `, ` #` or trailing space or colon. They are plain unless reserved (true, null, ...).
_FAST_PLAIN = re.compile(r"[A-Za-z/(](?:[!-\"$-9;-~]|:(?! |\Z)| (?!\Z)|(?<! )#)*\Z")


def _style(s: str, simple_key: bool) -> str:
    """'plain' | 'single' | 'double' | 'literal' (yaml.v2's choice, made safe for breaks)."""
    if _FAST_PLAIN.match(s):
        return "double" if s in _RESERVED else "plain"
    plain_ok = plain_is_string(s)
    block_plain, single_ok, block_ok = _analyze(s)
    if "\n" in s:
        return "literal" if (block_ok and not simple_key) else "double"
    if plain_ok:
        if block_plain:
            return "plain"
        return "single" if single_ok else "double"
    return "double"


def _quote_single(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _quote_double(s: str) -> str:
    return '"' + "".join(_double_pieces(s)) + '"'


def _folded(style: str, s: str, column: int, indent: int) -> str:
    """Write a flow scalar starting at `column`, folding at spaces past BEST_WIDTH like libyaml."""
    pad = "\n" + " " * indent
    out: list[str] = []
    n = len(s)
    spaces = False
    if style == "double":
        out.append('"')
        column += 1
        for i, ch in enumerate(s):
            if _needs_escape(ch):
                esc = _escape_char(ch)
                out.append(esc)
                column += len(esc)
                spaces = False
            elif ch == " ":
                if not spaces and column > BEST_WIDTH and 0 < i < n - 1:
                    out.append(pad)
                    column = indent
                    if s[i + 1] == " ":
                        out.append("\\")
                        column += 1
                else:
                    out.append(ch)
                    column += 1
                spaces = True
            else:
                out.append(ch)
                column += 1
                spaces = False
        out.append('"')
        return "".join(out)
    quote = style == "single"
    if quote:
        out.append("'")
        column += 1
    for i, ch in enumerate(s):
        if ch == " ":
            nxt_space = i + 1 < n and s[i + 1] == " "
            if not spaces and column > BEST_WIDTH and not nxt_space and (not quote or 0 < i < n - 1):
                out.append(pad)
                column = indent
            else:
                out.append(" ")
                column += 1
            spaces = True
        else:
            if quote and ch == "'":
                out.append("'")
                column += 1
            out.append(ch)
            column += 1
            spaces = False
    if quote:
        out.append("'")
    return "".join(out)


def _literal(s: str, indent: int) -> str:
    hints = str(INDENT) if s[0] in " \n" else ""
    if not s.endswith("\n"):
        hints += "-"
    elif len(s) == 1 or s[-2] == "\n":
        hints += "+"
    pad = " " * indent
    body = "\n".join(pad + part if part else "" for part in s.split("\n"))
    if body.endswith("\n"):
        body = body[:-1]  # the line separator of the enclosing output supplies the last break
    return "|" + hints + "\n" + body


# value string -> (rendered text when not folded, style, may fold)
_VALUE_CACHE: dict[str, tuple[str, str, bool]] = {}
_KEY_CACHE: dict[str, str | None] = {}
_CACHE_LIMIT = 200_000


def _value_form(s: str) -> tuple[str, str, bool]:
    hit = _VALUE_CACHE.get(s)
    if hit is not None:
        return hit
    style = _style(s, simple_key=False)
    if style == "plain":
        text = s
    elif style == "single":
        text = _quote_single(s)
    elif style == "double":
        text = _quote_double(s)
    else:
        text = ""
    form = (text, style, " " in s)
    _VALUE_CACHE[s] = form
    return form


def _str_value(s: str, column: int, indent: int) -> str:
    """A string value whose first character lands at `column`; continuation lines at `indent`."""
    text, style, has_space = _value_form(s)
    if style == "literal":
        return _literal(s, indent)
    if not has_space or column + len(text) <= BEST_WIDTH + 1:
        return text
    return _folded(style, s, column, indent)


def render_key(k: str) -> str | None:
    """A mapping key as written before the colon (simple keys never fold); None when the key
    cannot be a simple key (a line break, or over 128 bytes) and needs the `? key` form."""
    try:
        return _KEY_CACHE[k]
    except KeyError:
        pass
    style = _style(k, simple_key=True)
    text = k if style == "plain" else _quote_single(k) if style == "single" else _quote_double(k)
    simple = len(text) <= MAX_SIMPLE_KEY and len(k.encode()) <= MAX_SIMPLE_KEY and not any(c in _BREAKS for c in k)
    _KEY_CACHE[k] = text if simple else None
    return _KEY_CACHE[k]


def _go_float(f: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64) as yaml.v2 writes it (.inf/.nan spelled the YAML way)."""
    if f != f:
        return ".nan"
    if f in (float("inf"), float("-inf")):
        return ".inf" if f > 0 else "-.inf"
    if f == 0:
        return "-0" if str(f).startswith("-") else "0"
    # floats do not occur in the halconfig schema; tests/render/test_imports.py keeps decimal off render's start-up
    from decimal import Decimal  # noqa: PLC0415 start-up: decimal only for a float value

    sign, digit_tuple, exp = Decimal(repr(f)).normalize().as_tuple()
    assert isinstance(exp, int)  # a finite number (nan and inf returned above)
    digits = "".join(map(str, digit_tuple))
    dp = len(digits) + exp  # position of the decimal point relative to the digits
    minus = "-" if sign else ""
    if dp - 1 < -4 or dp - 1 >= 6:  # Go switches to %e outside this exponent range (shortest form)
        e10 = dp - 1
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{minus}{mant}e{'-' if e10 < 0 else '+'}{abs(e10):02d}"
    if dp <= 0:
        return f"{minus}0.{'0' * -dp}{digits}"
    if dp >= len(digits):
        return minus + digits + "0" * (dp - len(digits))
    return f"{minus}{digits[:dp]}.{digits[dp:]}"


# --- key order ---------------------------------------------------------------------------------


def _natural_less(a: str, b: str) -> bool:
    """yaml.v2's key order for strings (see module docs): letters by code point after non-letters,
    digit runs by numeric value."""
    n = min(len(a), len(b))
    for i in range(n):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        la, lb = ca.isalpha(), cb.isalpha()
        if la and lb:
            return ca < cb
        if la or lb:
            return lb
        # neither is a letter: compare the digit runs starting here numerically
        na = nb = 0
        if ca == "0" or cb == "0":
            j = i - 1
            while j >= 0 and a[j].isdecimal():
                if a[j] != "0":
                    na = nb = 1
                    break
                j -= 1
        ia = i
        while ia < len(a) and a[ia].isdecimal():
            na = na * 10 + (ord(a[ia]) - 48)
            ia += 1
        ib = i
        while ib < len(b) and b[ib].isdecimal():
            nb = nb * 10 + (ord(b[ib]) - 48)
            ib += 1
        if na != nb:
            return na < nb
        if ia != ib:
            return ia < ib
        return ca < cb
    return len(a) < len(b)


def _natural_cmp(a: str, b: str) -> int:
    if a == b:
        return 0
    return -1 if _natural_less(a, b) else 1


_NATURAL = cmp_to_key(_natural_cmp)


def natural_key_order(keys) -> list[str]:
    """Sort keys as yaml.v2 does. All-letter keys (the usual camelCase names) sort by code point."""
    ks = list(keys)
    if all(k.isalpha() for k in ks):
        ks.sort()
    else:
        ks.sort(key=_NATURAL)
    return ks


# --- structure -------------------------------------------------------------------------------------


def _scalar(v, column: int, indent: int) -> str:
    t = type(v)
    if t is str:
        return _str_value(v, column, indent)
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return _go_float(v)
    if v is None:
        return "null"
    raise TypeError(f"cannot render {t.__name__} as YAML")


# (key insertion order, indent) -> [(key, "pad key: ", "pad key:", column of the value)], in output
# order; account lists repeat one shape thousands of times, so each shape is laid out once
_LAYOUT_CACHE: dict[tuple, list] = {}
_CACHES = (_VALUE_CACHE, _KEY_CACHE, _LAYOUT_CACHE)


def clear_caches() -> None:
    """Forget every cached rendering (the emitter benchmark measures a cold process with this)."""
    for cache in _CACHES:
        cache.clear()


def _layout(d: dict, indent: int) -> list:
    shape = (tuple(d), indent)
    layout = _LAYOUT_CACHE.get(shape)
    if layout is None:
        pad = " " * indent
        layout = []
        for k in natural_key_order(d) if len(d) > 1 else d:
            text = render_key(k)
            if text is None:
                layout.append((k, None, None, 0))
            else:
                layout.append((k, f"{pad}{text}: ", f"{pad}{text}:", indent + len(text) + 2))
        _LAYOUT_CACHE[shape] = layout
    return layout


def _mapping(d: dict, indent: int, out: list[str]) -> None:
    child = indent + INDENT
    append = out.append
    value_cache = _VALUE_CACHE
    fast_plain = _FAST_PLAIN.match
    reserved = _RESERVED
    for k, head, bare, column in _layout(d, indent):
        v = d[k]
        if head is None:
            _complex_entry(k, v, indent, out)
            continue
        t = type(v)
        if t is str:
            form = value_cache.get(v)
            if form is None:
                if fast_plain(v) and v not in reserved:  # the common case, without the call overhead
                    form = value_cache[v] = (v, "plain", " " in v)
                else:
                    form = _value_form(v)
            if form[1] == "literal" or (form[2] and column + len(form[0]) > BEST_WIDTH + 1):
                append(head + _str_value(v, column, child))
            else:
                append(head + form[0])
        elif t is dict:
            if v:
                append(bare)
                _mapping(v, child, out)
            else:
                append(head + "{}")
        elif t is list:
            if v:
                append(bare)
                _sequence(v, indent, out)
            else:
                append(head + "[]")
        elif t is bool:
            append(head + ("true" if v else "false"))
        elif t is int:
            append(head + str(v))
        else:
            append(head + _scalar(v, column, child))


def _complex_entry(k: str, v, indent: int, out: list[str]) -> None:
    # an explicit `? key` / `: value` pair: both halves are laid out like sequence items
    _item(k, indent, "? ", out)
    _item(v, indent, ": ", out)


def _item(item, indent: int, marker: str, out: list[str]) -> None:
    """One sequence item (`- `), or one half of an explicit key pair (`? ` / `: `)."""
    child = indent + INDENT
    lead = " " * indent + marker
    t = type(item)
    if t is dict and item:
        start = len(out)
        _mapping(item, child, out)
        out[start] = lead + out[start][child:]
    elif t is list and item:
        start = len(out)
        _sequence(item, child, out)
        out[start] = lead + out[start][child:]
    elif t is dict:
        out.append(lead + "{}")
    elif t is list:
        out.append(lead + "[]")
    else:
        out.append(lead + _scalar(item, child, child))


def _sequence(items: list, indent: int, out: list[str]) -> None:
    lead = " " * indent + "- "
    child = indent + INDENT
    value_cache = _VALUE_CACHE
    for item in items:
        if type(item) is str:  # lists of names are common: skip the generic item path
            form = value_cache.get(item)
            if form is None:
                if _FAST_PLAIN.match(item) and item not in _RESERVED:
                    form = value_cache[item] = (item, "plain", " " in item)
                else:
                    form = _value_form(item)
            if form[1] == "literal" or (form[2] and child + len(form[0]) > BEST_WIDTH + 1):
                out.append(lead + _str_value(item, child, child))
            else:
                out.append(lead + form[0])
        else:
            _item(item, indent, "- ", out)


def dumps(data: dict) -> str:
    """The YAML document Kleat would write for `data` (a mapping), ending with a newline."""
    if not data:
        return "{}\n"
    for cache in _CACHES:  # bounded memory in long-lived processes
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
    out: list[str] = []
    _mapping(data, 0, out)
    out.append("")
    return "\n".join(out)
