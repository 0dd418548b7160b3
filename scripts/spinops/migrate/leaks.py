"""The leak guard: no credential value may reach a tracked file. Pure: outputs and values in, hits out.

A value counts as leaked only where it stands as a value, in context, never as a mere substring:
- in a YAML output, a scalar *value* (never a key) that is the credential or holds it as a token
  (`-Dx.password=<v>`, `https://u:<v>@host`): a placeholder credential such as `secret` or `apiKey`
  also appears as a key name or inside another word (`secretAccessKey`), and that is no leak;
- in JSON, a string value; in JavaScript, a string literal; in other text (XML, packer files), a token;
- in the Markdown report (prose and commands of our own), a plain-word value only where it stands as a
  value (`password: secret`, `=secret`, `:secret@host`); any other value as a token anywhere.

A token is the value with no letter, digit or `._~+-` on either side, so `secret` is not found in
`spinnaker-secrets` or `secretKeyRef`, but is found in `pw=secret;` or `user:secret@`.
The cheap substring test runs first; only files that contain a value at all are parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from spinops import yamlio
from spinops.errors import InputError

_WORD = "A-Za-z0-9._~+\\-"
_JS_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|`(?:[^`\\]|\\.)*`")


@dataclass(frozen=True)
class Hit:
    value: str
    path: str  # the output file
    line: int | None


def token_re(value: str) -> re.Pattern:
    return re.compile(f"(?<![{_WORD}]){re.escape(value)}(?![{_WORD}])")


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _comment_hits(path: str, text: str, value: str, pat: re.Pattern) -> Iterator[Hit]:
    """A token in a `#` comment (profiles are copied with their comments); plain words only count in values."""
    if value.isalpha():
        return
    for m in pat.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        before = text[start:m.start()]
        if re.search(r"(^|\s)#", before):
            yield Hit(value, path, _line(text, m.start()))


def _yaml_hits(path: str, text: str, value: str, pat: re.Pattern) -> Iterator[Hit]:
    yield from _comment_hits(path, text, value, pat)
    try:
        doc = yamlio.load(text, path, duplicate_keys=False)
    except InputError:  # not YAML after all (we write only valid YAML): fall back to tokens
        yield from _text_hits(path, text, value, pat)
        return

    def walk(obj, p):
        if isinstance(obj, dict):
            for k, v in obj.items():
                yield from walk(v, p + (k,))
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                yield from walk(v, p + (i,))
        elif obj is not None and not isinstance(obj, bool):
            s = str(obj)
            if s == value or pat.search(s):
                yield Hit(value, path, doc.line(p))

    yield from walk(doc.data, ())


def _json_hits(path: str, text: str, value: str, pat: re.Pattern) -> Iterator[Hit]:
    try:
        json.loads(text)
    except ValueError:
        yield from _text_hits(path, text, value, pat)
        return
    yield from _js_hits(path, text, value, pat)  # JSON strings are JS string literals


def _js_hits(path: str, text: str, value: str, pat: re.Pattern) -> Iterator[Hit]:
    for m in _JS_STRING.finditer(text):
        inner = m.group(0)[1:-1]
        if inner == value or pat.search(inner):
            yield Hit(value, path, _line(text, m.start()))


def _text_hits(path: str, text: str, value: str, pat: re.Pattern) -> Iterator[Hit]:
    for m in pat.finditer(text):
        yield Hit(value, path, _line(text, m.start()))


def _markdown_hits(path: str, text: str, value: str, pat: re.Pattern) -> Iterator[Hit]:
    """Prose and our own commands use plain words (`create secret generic`): a plain-word value counts
    only where it stands as a value, after `:`/`=` or before the `@` of a URL's user-info."""
    if not value.isalpha():
        yield from _text_hits(path, text, value, pat)
        return
    as_value = re.compile(f"(?:[:=]\\s*['\"]?){re.escape(value)}(?![{_WORD}])|(?<![{_WORD}]){re.escape(value)}@")
    for m in as_value.finditer(text):
        yield Hit(value, path, _line(text, m.start()))


def find_leaks(outputs: dict[str, bytes], values: list[str]) -> list[Hit]:
    """Every place a credential value stands in context in `outputs` (tracked files: path -> bytes)."""
    hits: list[Hit] = []
    for path, content in sorted(outputs.items()):
        present = [v for v in values if v.encode() in content]
        if not present:
            continue
        text = content.decode("utf-8", "replace")
        reader = (_yaml_hits if path.endswith((".yml", ".yaml")) else _json_hits if path.endswith(".json")
                  else _js_hits if path.endswith(".js") else _markdown_hits if path.endswith(".md") else _text_hits)
        for v in present:
            hits.extend(reader(path, text, v, token_re(v)))
    return hits
