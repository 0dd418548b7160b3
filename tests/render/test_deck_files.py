"""settings.js is valid JavaScript for any string, carries no credentials; deck.env is a plain env file."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from spinops.errors import InputError
from spinops.render import render_all, render_structs
from spinops.render.deck import NOTIFICATIONS, notification_credentials
from spinops.render.jsout import SETTINGS_PREFIX, settings_payload

NASTY = [
    "it's",
    "back\\slash",
    "</script><script>alert(1)</script>",
    "line\nbreak",
    "ls\u2028ps\u2029",
    'quote"double',
    "<!-- comment -->",
    "${SLACK_TOKEN}",
    "tab\tnul\x00",
    "emoji \U0001f600 and \u00e9",
]
NODE = shutil.which("node")


def nasty_hal(value: str) -> dict:
    return {
        "timezone": value,
        "version": value,
        "notifications": {"slack": {"enabled": True, "botName": value, "token": "TOKEN-CANARY-1"}},
        "security": {"apiSecurity": {"overrideBaseUrl": value}},
    }


def evaluate_with_node(js: str) -> dict:
    """Run settings.js in node exactly as a browser would (a script defining window.spinnakerSettings)."""
    prog = "const vm=require('vm');const ctx={window:{}};vm.runInNewContext(require('fs').readFileSync(0,'utf8'),ctx);"
    prog += "process.stdout.write(JSON.stringify(ctx.window.spinnakerSettings));"
    done = subprocess.run([NODE, "-e", prog], input=js, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("value", NASTY)
def test_settings_js_round_trips_any_string(value):
    js = render_all(nasty_hal(value))["settings.js"]
    settings = settings_payload(js)  # the Python parse of the JSON payload, always
    assert settings["defaultTimeZone"] == value
    assert settings["notifications"]["slack"]["botName"] == value
    assert settings["gateUrl"] == value
    assert settings == render_structs(nasty_hal(value))["settings.js"]
    assert "TOKEN-CANARY-1" not in js
    # nothing in the file can end an inline <script> or break a JS string; pure ASCII whatever the charset
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in js[len(SETTINGS_PREFIX) :]
    assert js.isascii()
    if NODE:
        assert evaluate_with_node(js) == settings


@pytest.mark.skipif(NODE is None, reason="node is not on PATH (the Python parse above still ran)")
def test_kleats_form_would_break_where_ours_does_not():
    # Kleat's JSON.parse('...') wrapper fails on a quote; ours evaluates
    payload = json.dumps({"defaultTimeZone": "it's"})
    kleat = f"window.spinnakerSettings = JSON.parse('{payload}');"
    prog = "const vm=require('vm');vm.runInNewContext(require('fs').readFileSync(0,'utf8'),{window:{}});"
    broken = subprocess.run([NODE, "-e", prog], input=kleat, capture_output=True, text=True, timeout=60)
    assert broken.returncode != 0
    assert evaluate_with_node(render_all(nasty_hal("it's"))["settings.js"])["defaultTimeZone"] == "it's"


def test_settings_js_carries_no_notification_credentials():
    hal = {"notifications": {
        "slack": {"enabled": True, "token": "CANARY-SLACK"},
        "twilio": {"enabled": True, "token": "CANARY-TWILIO", "account": "AC"},
        "githubStatus": {"enabled": True, "token": "CANARY-GITHUB"},
    }}  # fmt: skip
    files = render_all(hal)
    assert "CANARY" not in files["settings.js"]
    # the services that need them still get them
    assert all(f"CANARY-{n}" in files["echo.yml"] for n in ("SLACK", "TWILIO", "GITHUB"))


def test_deck_notification_credentials_come_from_the_schema():
    # today's secret fields, as the schema marks them (a new one there is dropped without a code change)
    assert notification_credentials() == {
        "githubStatus": frozenset({"token"}),
        "slack": frozenset({"token"}),
        "twilio": frozenset({"token"}),
    }


def test_settings_js_drops_every_notification_credential_the_schema_lists():
    # credential_fields() walks the whole schema independently of deck's own lookup
    from spinops.credentials import credential_fields

    hal: dict = {"notifications": {}}
    for pattern, _kind in credential_fields():
        parts = pattern.split(".")
        if parts[0] == "notifications" and len(parts) == 3 and parts[1] in NOTIFICATIONS:
            block = hal["notifications"].setdefault(parts[1], {"enabled": True})
            block[parts[2]] = f"CANARY-{parts[1]}-{parts[2]}"
    assert len(hal["notifications"]) >= 3
    settings = render_all(hal)["settings.js"]
    assert "CANARY" not in settings
    payload = settings_payload(settings)["notifications"]
    assert {NOTIFICATIONS[b] for b in hal["notifications"]} <= set(payload)  # the blocks themselves stay


def test_settings_js_deterministic_and_sorted():
    hal = {"version": "1", "timezone": "UTC", "notifications": {"slack": {"enabled": True}}}
    a, b = render_all(hal)["settings.js"], render_all(dict(reversed(list(hal.items()))))["settings.js"]
    assert a == b
    keys = list(settings_payload(a))
    assert keys == sorted(keys)


def test_deck_env_lines_in_fixed_order():
    ssl = {
        "enabled": True,
        "sslCertificatePassphrase": "${PASS}",
        "sslCertificateKeyFile": "/k",
        "sslCertificateFile": "/c",
    }
    assert (
        render_all({"security": {"uiSecurity": {"ssl": ssl}}})["deck.env"]
        == "DECK_CERT=/c\nDECK_KEY=/k\nPASSPHRASE=${PASS}\n"
    )
    assert (
        render_all({"security": {"uiSecurity": {"ssl": {"enabled": True, "sslCertificateFile": "/c"}}}})["deck.env"]
        == "DECK_CERT=/c\n"
    )
    assert render_all({})["deck.env"] == ""


def test_deck_env_refuses_a_line_break():
    ssl = {"enabled": True, "sslCertificatePassphrase": "one\nEVIL=two"}
    with pytest.raises(InputError) as err:
        render_all({"security": {"uiSecurity": {"ssl": ssl}}})
    assert "security.uiSecurity.ssl.sslCertificatePassphrase" in str(err.value)
