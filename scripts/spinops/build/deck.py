"""Deck's files, the one kind of config that is not a Spring YAML file (`kind: deck`).

    settings.js        rendered from the halconfig (spinops.render, JavaScript)
    settings-local.js  the hand-written profile text, then patch overrides merged into window.spinnakerSettings
    deck.env           Deck's environment: its own ConfigMap `deck-env`, without PASSPHRASE, which only ever
                       comes from a Secret key (spinops.wire wires it as an env var)
"""

from __future__ import annotations

from spinops import profiles, render, wire
from spinops.build.files import ConfigFile

SETTINGS = "settings.js"
LOCAL = profiles.DECK_LOCAL
ENV = wire.DECK_ENV


def wire_data(f: ConfigFile):
    """What spinops.wire scans of a Deck file (settings-local.js: the hand-written text and the overrides)."""
    return [f.text, f.data] if f.name == LOCAL else f.data


def data_path(f: ConfigFile, path: tuple) -> tuple:
    """A path of wire_data(f) as a path of f.data (the text of settings-local.js: the empty path)."""
    return path[1:] if f.name == LOCAL else path


def ships(f: ConfigFile) -> bool:
    """settings-local.js exists only when there is something in it; the rendered files always do."""
    return f.name != LOCAL or bool(f.data or f.text)


def serialize(f: ConfigFile) -> tuple[str, str]:
    """(where, text): "env" for deck.env (the env file of ConfigMap `deck-env`, see bundle.layer_files),
    "config" for the files of `deck-config`; "" text: nothing to ship."""
    if f.name == ENV:
        env = {k: v for k, v in (f.data or {}).items() if k != wire.DECK_PASSPHRASE}
        return "env", render.serialize(ENV, env) if env else ""
    if f.name == LOCAL:
        return "config", profiles.settings_local_js(f.text, f.data or {})
    return "config", render.serialize(f.name, f.data)
