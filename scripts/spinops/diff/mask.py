"""Secret values never leave the runner: structural masking plus a text safety net.

Structural masking follows kubectl diff: in a Secret, every value under `data` and `stringData`
becomes `***`; when a key's value differs between the two sides it becomes `*** (before)` on the
old side and `*** (after)` on the new one, so a rotation is visible without the value. Annotations
of a Secret that embed an object (client-side apply's last-applied-configuration holds the whole
Secret as JSON) are masked the same way.

A ConfigMap value under a credential key (spinops.credentials: `DB_PASSWORD`, `apiKey`, ...), such as
a configMapGenerator literal, is masked the same way: `spinops check` refuses it, but the diff that
shows the mistake must not publish it.

The safety net (`redactor`, spinops.credentials.Masker: the one masking policy) collects every secret
value seen on either side (raw, base64-decoded, each line of a multi-line value, JSON-escaped...) and
replaces any occurrence in the final report text with `***`: a credential pasted into an annotation
still never reaches a PR comment.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from typing import TypeGuard

from spinops.credentials import MASK, MASK_AFTER, MASK_BEFORE, Masker, is_credential_key, is_literal


def is_secret(obj: dict | None) -> TypeGuard[dict]:
    return obj is not None and bool(obj) and obj.get("kind") == "Secret" and str(obj.get("apiVersion", "")) == "v1"


def _config_credentials(obj: dict | None) -> dict | None:
    """A ConfigMap's `data` when some key of it is a credential key (a configMapGenerator literal
    `DB_PASSWORD=...`): those values are masked like a Secret's."""
    if not obj or obj.get("kind") != "ConfigMap" or not isinstance(obj.get("data"), dict):
        return None
    return obj["data"]


def _credential_entry(k, v) -> bool:
    return is_credential_key(k) and is_literal(v)


def _masked_fields(obj: dict) -> list[tuple[dict, str]]:
    """(container, key) of every secret-bearing map in a Secret: data, stringData, embedding annotations."""
    out = []
    for field in ("data", "stringData"):
        if isinstance(obj.get(field), dict):
            out.append((obj, field))
    ann = (obj.get("metadata") or {}).get("annotations")
    if isinstance(ann, dict):
        emb = {k: v for k, v in ann.items() if _embeds_object(v)}
        if emb:
            out.append((obj["metadata"], "annotations"))
    return out


def _embeds_object(value) -> bool:
    return isinstance(value, str) and value.lstrip()[:1] in ("{", "[")


def _embeds_secret(value) -> bool:
    """An annotation value that is a JSON Secret manifest (e.g. some tool's copy of one)."""
    if not _embeds_object(value):
        return False
    try:
        emb = json.loads(value)
    except ValueError:
        return False
    return isinstance(emb, dict) and emb.get("kind") == "Secret"


def _annotations(obj: dict | None) -> dict | None:
    ann = ((obj or {}).get("metadata") or {}).get("annotations")
    return ann if isinstance(ann, dict) else None


def mask_pair(old: dict | None, new: dict | None) -> None:
    """Mask the secret values of a pair of objects in place (either side may be None).

    Secrets: data, stringData and annotations that embed an object. Any other kind: annotations
    that embed a Secret manifest."""
    if not (is_secret(old) or is_secret(new)):
        _mask_maps(_annotations(old), _annotations(new), lambda k, v: _embeds_secret(v))
        _mask_maps(_config_credentials(old), _config_credentials(new), _credential_entry)
        return
    for field in ("data", "stringData"):
        a = old.get(field) if is_secret(old) and isinstance(old.get(field), dict) else None
        b = new.get(field) if is_secret(new) and isinstance(new.get(field), dict) else None
        _mask_maps(a, b, lambda k, v: True)
    a_ann = (old.get("metadata") or {}).get("annotations") if is_secret(old) else None
    b_ann = (new.get("metadata") or {}).get("annotations") if is_secret(new) else None
    _mask_maps(
        a_ann if isinstance(a_ann, dict) else None,
        b_ann if isinstance(b_ann, dict) else None,
        lambda k, v: _embeds_object(v),
    )


def _mask_maps(a: dict | None, b: dict | None, select: Callable[[str, object], bool]) -> None:
    a, b = a if a is not None else {}, b if b is not None else {}  # an absent side masks nothing
    for k in set(a) | set(b):
        in_a = k in a and select(k, a[k])
        in_b = k in b and select(k, b[k])
        if in_a and in_b and a[k] != b[k]:
            a[k], b[k] = MASK_BEFORE, MASK_AFTER
            continue
        if in_a:
            a[k] = MASK
        if in_b:
            b[k] = MASK


def secret_values(obj: dict) -> Iterable[str]:
    """Every secret string a Secret holds (or a Secret embedded in another object's annotation),
    in the forms it could appear in text."""
    if not is_secret(obj):
        for v in (_annotations(obj) or {}).values():
            if _embeds_secret(v):
                yield from _embedded_values(v)
        for k, v in (_config_credentials(obj) or {}).items():
            if _credential_entry(k, v):
                yield str(v)
        return
    for container, field in _masked_fields(obj):
        values = container[field]
        for _k, v in values.items():
            if field == "annotations":
                if _embeds_object(v):
                    yield from _embedded_values(v)
                continue
            if not isinstance(v, str):
                continue
            yield v
            if field == "data":
                decoded = _b64(v)
                if decoded is not None:
                    yield decoded


def _embedded_values(text: str) -> Iterable[str]:
    try:
        emb = json.loads(text)
    except ValueError:
        return
    if isinstance(emb, dict):
        emb.setdefault("apiVersion", "v1")
        emb.setdefault("kind", "Secret")
        yield from secret_values(emb)


def _b64(v: str) -> str | None:
    try:
        return base64.b64decode(v, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def redactor(*doc_lists: Iterable[dict]) -> Masker:
    """The text safety net of a diff: every secret value of either side (spinops.credentials' one policy)."""
    vals: list[str] = []
    for docs in doc_lists:
        for d in docs:
            vals.extend(secret_values(d))
    return Masker(vals)
