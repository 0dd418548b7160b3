"""Every rendered file reads back to exactly the rendered data, whatever the strings hold."""

from __future__ import annotations

import itertools

import pytest
import yaml
import yaml_rs

from spinops.render import render_all, render_structs
from spinops.render.jsout import settings_payload

NASTY = [
    "yes", "no", "on", "~", "null", "123", "0x1F", "1e3", "12:30", "2020-01-01", "", " lead", "trail ",
    "a: b", "#x", "- item", "it's", '"q"', "multi\nline\n", "tab\t", "\u2028", "\U0001f600", "${SECRET}",
    "x" * 100, " ".join(["long"] * 40), "=", "<<", "_1", "{{region}}", "@at", "%pct", "!tag", "&anchor", "*alias",
]  # fmt: skip


def _replace_strings(data, values):
    if isinstance(data, dict):
        return {k: _replace_strings(v, values) for k, v in data.items()}
    if isinstance(data, list):
        return [_replace_strings(v, values) for v in data]
    if isinstance(data, str):
        return next(values)
    return data


@pytest.mark.parametrize("offset", range(0, len(NASTY), 7))
def test_rendered_text_reads_back_to_rendered_data(kleat_hal, offset):
    hal = _replace_strings(kleat_hal, itertools.cycle(NASTY[offset:] + NASTY[:offset]))
    # deck.env cannot hold a line break (an input error, tested in test_deck_files): keep its sources
    hal["security"]["uiSecurity"] = kleat_hal["security"]["uiSecurity"]
    structs = render_structs(hal)
    texts = render_all(hal)
    for name, text in texts.items():
        if name.endswith(".yml"):
            assert yaml.safe_load(text) == structs[name], name
            assert yaml_rs.loads(text, parse_datetime=False) == structs[name], name
        elif name == "settings.js":
            assert settings_payload(text) == structs[name]
