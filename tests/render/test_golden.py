"""Kleat's golden testdata: every one of the 13 files, semantically and (YAML) byte for byte.

The expected files are Kleat's own (tests/fixtures/kleat, Apache-2.0). Only our documented
deviations are applied to them before comparing (docs/rendering.md):
- echo.yml: stats.deploymentMethod names spinops;
- settings.js (deck.yml): no notification tokens.
"""

from __future__ import annotations

import pytest
import yaml

from spinops import __version__
from spinops.render import FILES, render_all, render_structs
from spinops.render.deck import NOTIFICATIONS, notification_credentials
from spinops.render.jsout import settings_payload

YAML_FILES = [f for f in FILES if f.endswith(".yml")]


def expected_struct(kleat_dir, filename: str) -> dict:
    source = {"settings.js": "deck.yml", "deck.env": "deck-env.yml"}.get(filename, filename)
    data = yaml.safe_load((kleat_dir / source).read_text()) or {}
    if filename == "echo.yml":
        data["stats"]["deploymentMethod"] = {"type": "spinops", "version": __version__}
    if filename == "settings.js":
        for block, fields in notification_credentials().items():
            for field in fields:
                data["notifications"][NOTIFICATIONS[block]].pop(field, None)
    return data


def expected_text(kleat_dir, filename: str) -> str:
    text = (kleat_dir / filename).read_text()
    if filename == "echo.yml":
        kleat = "  deploymentMethod:\n    type: kleat\n    version: unknown\n"
        assert kleat in text
        text = text.replace(kleat, f"  deploymentMethod:\n    type: spinops\n    version: {__version__}\n")
    return text


def parse(filename: str, text: str) -> dict:
    if filename == "settings.js":
        return settings_payload(text)
    if filename == "deck.env":
        return dict(line.split("=", 1) for line in text.splitlines())
    return yaml.safe_load(text)


def test_thirteen_files(kleat_hal):
    assert list(render_all(kleat_hal)) == [
        "clouddriver.yml", "echo.yml", "front50.yml", "gate.yml", "fiat.yml", "igor.yml", "kayenta.yml",
        "orca.yml", "rosco.yml", "settings.js", "deck.env", "spinnaker-monitoring.yml", "keel.yml",
    ]  # fmt: skip


@pytest.mark.parametrize("filename", list(FILES))
def test_semantically_equal_to_kleat(kleat_hal, kleat_dir, filename):
    text = render_all(kleat_hal)[filename]
    assert parse(filename, text) == expected_struct(kleat_dir, filename)


@pytest.mark.parametrize("filename", list(FILES))
def test_structs_equal_to_kleat(kleat_hal, kleat_dir, filename):
    assert render_structs(kleat_hal)[filename] == expected_struct(kleat_dir, filename)


@pytest.mark.parametrize("filename", YAML_FILES)
def test_yaml_byte_identical_to_kleat(kleat_hal, kleat_dir, filename):
    assert render_all(kleat_hal)[filename] == expected_text(kleat_dir, filename)


def test_deviations_really_change_kleats_output(kleat_dir):
    # the fixtures do carry what we deliberately change, so the tests above exercise the deviations
    deck = yaml.safe_load((kleat_dir / "deck.yml").read_text())
    assert deck["notifications"]["slack"]["token"] and deck["notifications"]["sms"]["token"]
    assert yaml.safe_load((kleat_dir / "echo.yml").read_text())["stats"]["deploymentMethod"]["type"] == "kleat"


def test_deterministic(kleat_hal):
    assert render_all(kleat_hal) == render_all(kleat_hal)


def test_serialize_matches_render_all_and_rejects_unknown_files(kleat_hal):
    from spinops.render import serialize

    texts = render_all(kleat_hal)
    assert {name: serialize(name, s) for name, s in render_structs(kleat_hal).items()} == texts
    with pytest.raises(ValueError, match="not a rendered file"):
        serialize("deck.yml", {})
