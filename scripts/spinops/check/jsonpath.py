"""kubectl-style JSONPath (what kube-lint rule files use) on top of jsonpath-ng.

kubectl writes `.spec.containers[*].image` or `{.spec.containers[*].image}`, escapes dots in keys
as `labels.app\\.kubernetes\\.io/name`; jsonpath-ng wants `$.spec...` and quoted keys
(`labels['app.kubernetes.io/name']`). `compile_kubectl` converts and caches the parsed expression
(a parse costs ~0.6 ms; evaluating one is ~20 us).
"""

from __future__ import annotations

import re
from functools import lru_cache

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$|^\*$")


class JsonPathError(ValueError):
    pass


def to_jsonpath_ng(expr: str) -> str:
    """Convert kubectl's form to jsonpath-ng's (`.a.b[0]` -> `$.a.b[0]`)."""
    e = expr.strip()
    if e.startswith("{") and e.endswith("}"):
        e = e[1:-1].strip()
    if e.startswith("$"):
        e = e[1:]
    if not e or e == ".":
        return "$"
    if not e.startswith((".", "[")):
        e = "." + e
    out = ["$"]
    i, n = 0, len(e)
    while i < n:
        ch = e[i]
        if ch == "[":  # copy a bracket expression verbatim (filters, indexes, slices, quoted keys)
            depth, j, quote = 0, i, None
            while j < n:
                c = e[j]
                if quote:
                    if c == "\\":
                        j += 1
                    elif c == quote:
                        quote = None
                elif c in "'\"":
                    quote = c
                elif c == "[":
                    depth += 1
                elif c == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= n:
                raise JsonPathError(f"unclosed '[' in {expr!r}")
            out.append(e[i : j + 1])
            i = j + 1
        elif ch == ".":
            if e.startswith("..", i):  # recursive descent
                out.append("..")
                i += 2
                if i < n and e[i] == "[":
                    continue
            else:
                i += 1
            key, j = [], i
            while j < n and e[j] not in ".[":
                if e[j] == "\\" and j + 1 < n:
                    key.append(e[j + 1])
                    j += 2
                    continue
                key.append(e[j])
                j += 1
            name = "".join(key)
            if not name:
                raise JsonPathError(f"empty key in {expr!r}")
            if _PLAIN.match(name):
                out.append(("" if out[-1] == ".." else ".") + name)
            else:
                out.append("['" + name.replace("'", "\\'") + "']")
            i = j
        else:
            raise JsonPathError(f"unexpected {ch!r} at offset {i} in {expr!r}")
    return "".join(out)


@lru_cache(maxsize=4096)
def compile_kubectl(expr: str):
    """The parsed jsonpath-ng expression for a kubectl-style path (cached)."""
    from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError  # noqa: PLC0415 start-up: jsonpath-ng
    from jsonpath_ng.ext import parse  # noqa: PLC0415 start-up: jsonpath-ng

    converted = to_jsonpath_ng(expr)
    try:
        return parse(converted)
    except (
        JsonPathLexerError,
        JsonPathParserError,
        Exception,
    ) as e:  # jsonpath-ng raises plain Exception for some lexer errors
        raise JsonPathError(f"invalid JSONPath {expr!r}: {e}") from None


def match_path(match) -> tuple:
    """The concrete path of a jsonpath-ng match as a tuple of keys and indexes."""
    from jsonpath_ng.jsonpath import Fields, Index, Root, This  # noqa: PLC0415 start-up: jsonpath-ng

    segs: list = []
    m = match
    while m is not None and m.context is not None:
        p = m.path
        if isinstance(p, Index):
            segs.append(p.indices[0])
        elif isinstance(p, Fields):
            segs.append(p.fields[0])
        elif isinstance(p, (Root, This)):
            pass
        else:  # filters etc. resolve to an index or field in their own match; fall back to the text
            segs.append(str(p))
        m = m.context
    return tuple(reversed(segs))
