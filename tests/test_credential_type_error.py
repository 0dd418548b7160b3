"""A mistyped credential is reported by type and location only; its value is never echoed."""

from __future__ import annotations

from spinops_testlib import run_spinops


def test_numeric_token_is_located_but_not_quoted(tmp_path):
    hal = tmp_path / "halconfig.yml"
    hal.write_text("notifications:\n  slack:\n    enabled: true\n    token: 90210417731177\n", encoding="utf-8")
    for fmt in ("text", "json", "github"):
        r = run_spinops("render", str(hal), "--out", str(tmp_path / "out"), "--format", fmt)
        assert r.returncode == 2
        assert "90210417731177" not in r.stdout + r.stderr
        assert "value not shown: a credential field" in r.stdout + r.stderr
    text = run_spinops("render", str(hal), "--out", str(tmp_path / "out"))
    assert f"{hal}:4:12: error: `token`: expected a string, got a number" in text.stderr
    assert not (tmp_path / "out").exists()


def test_numeric_value_in_an_ordinary_string_field_is_quoted_for_the_fix(tmp_path):
    hal = tmp_path / "halconfig.yml"
    hal.write_text("notifications:\n  slack:\n    enabled: true\n    botName: 12345\n", encoding="utf-8")
    r = run_spinops("render", str(hal), "--out", str(tmp_path / "out"))
    assert r.returncode == 2
    assert "quote it: '12345'" in r.stderr
