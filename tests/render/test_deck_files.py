"""settings.js is valid JavaScript for any string, carries no credentials; deck.env is a plain env file."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from spinops.errors import InputError
from spinops.render import render_all, render_structs
from spinops.render.deck import NOTIFICATION_CREDENTIALS
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


def test_deck_notification_credentials_match_the_schema():
    schema = pytest.importorskip("spinops.halconfig.schema")
    root = schema.load_schema()
    notifications = schema.resolve(root["properties"]["notifications"])
    from_schema = {}
    for block, ref in notifications["properties"].items():
        fields = schema.resolve(ref)["properties"]
        secret = tuple(
            sorted(
                f
                for f, node in fields.items()
                if node.get("x-spinops-credential") or node.get("x-spinops-credential-file")
            )
        )
        if secret:
            from_schema[block] = secret
    assert {b: tuple(sorted(f)) for b, f in NOTIFICATION_CREDENTIALS.items()} == {
        b: f for b, f in from_schema.items() if b != "microsoftteams"
    }


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
