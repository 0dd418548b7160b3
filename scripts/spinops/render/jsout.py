"""Serializers for Deck's two files: settings.js (JavaScript) and deck.env (KEY=value lines).

settings.js: Kleat writes `window.spinnakerSettings = JSON.parse('<json>');`, which breaks as
soon as a value holds `'` or `\\`. We write the JSON as a JavaScript object literal instead:
JSON is valid JavaScript; the file is pure ASCII (non-ASCII as \\u escapes, so the charset the web
server announces does not matter, and U+2028/U+2029 cannot trouble older engines), and `<`, `>`
and `&` are escaped too, so no `</script>` or `<!--` can appear. Keys are sorted and the object
is indented, so the file is deterministic and diffs line by line.
"""

from __future__ import annotations

import json

from spinops.errors import InputError, Problem

SETTINGS_PREFIX = "window.spinnakerSettings = "
SETTINGS_SUFFIX = ";\n"

_JS_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}

#: deck.env line order (deterministic; Kleat's follows protobuf-go's field iteration)
ENV_KEYS = ("DECK_CERT", "DECK_KEY", "PASSPHRASE")
# where each deck.env value comes from, to name it in errors
ENV_SOURCES = {
    "DECK_CERT": "security.uiSecurity.ssl.sslCertificateFile",
    "DECK_KEY": "security.uiSecurity.ssl.sslCertificateKeyFile",
    "PASSPHRASE": "security.uiSecurity.ssl.sslCertificatePassphrase",
}


def settings_js(settings: dict) -> str:
    payload = json.dumps(settings, indent=2, sort_keys=True, ensure_ascii=True)
    if any(c in payload for c in _JS_UNSAFE):
        payload = "".join(_JS_UNSAFE.get(c, c) for c in payload)
    return SETTINGS_PREFIX + payload + SETTINGS_SUFFIX


def settings_payload(text: str) -> dict:
    """The settings object of a settings.js written by `settings_js` (for tests and diffs)."""
    if not (text.startswith(SETTINGS_PREFIX) and text.endswith(SETTINGS_SUFFIX)):
        raise ValueError("not a settings.js written by spinops")
    return json.loads(text[len(SETTINGS_PREFIX) : -len(SETTINGS_SUFFIX)])


def deck_env(env: dict) -> str:
    """One KEY=value line per set key (values raw, as Kleat writes them); empty when none."""
    unknown = set(env) - set(ENV_KEYS)
    if unknown:
        raise ValueError(f"unexpected deck.env keys: {sorted(unknown)}")
    lines = []
    for key in ENV_KEYS:
        value = env.get(key)
        if value is None or value == "":
            continue
        value = str(value)
        if "\n" in value or "\r" in value or "\0" in value:
            # an env file has no quoting: a line break would end the value and start a new variable
            path = ENV_SOURCES[key]
            raise InputError(
                Problem(
                    f"{path}: a line break cannot be written to deck.env ({key})",
                    hint="use a single-line value",
                    code="deck-env-value",
                    extra={"path": path.split(".")},
                )
            )
        lines.append(f"{key}={value}\n")
    return "".join(lines)
