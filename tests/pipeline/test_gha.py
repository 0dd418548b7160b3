"""spinops.gha (workflow commands) and the plan differ kubectl diff runs."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest

from spinops import gha
from spinops.credentials import Masker


def test_escaping_follows_actions_toolkit():
    assert gha.escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert gha.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = gha.annotation(
        "error", "rollout failed\nevents: x", file="build/a,b.yaml", line=3, col=1, title="apply: staging"
    )
    assert line == "::error file=build/a%2Cb.yaml,line=3,col=1,title=apply%3A staging::rollout failed%0Aevents: x"
    assert gha.annotation("notice", "m") == "::notice::m"
    with pytest.raises(ValueError):
        gha.annotation("fatal", "m")


def test_add_mask_only_inside_actions_with_the_pieces_of_the_one_policy(monkeypatch, capsys):
    pieces = Masker(["s3cret"]).runner_masks()
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    gha.add_masks(pieces)
    assert capsys.readouterr().out == ""  # outside Actions, masking would just print the secret
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    gha.add_masks(Masker(["line-one\nline-two\n"]).runner_masks())
    b64 = base64.b64encode(b"line-one\nline-two\n").decode()
    assert capsys.readouterr().out.splitlines() == [
        "::add-mask::line-one%0Aline-two%0A",
        "::add-mask::line-one",
        "::add-mask::line-two",
        f"::add-mask::{b64}",
    ]
    gha.add_masks(Masker(["", "ab"]).runner_masks())
    assert capsys.readouterr().out == ""


def test_group_and_stop_commands(monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    with gha.group("apply: a,b"), gha.stop_commands():
        print("::error::from kubectl output")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "::group::apply: a,b" and out[-1] == "::endgroup::"
    token = out[1].removeprefix("::stop-commands::")
    assert len(token) == 32 and out[2] == "::error::from kubectl output" and out[3] == f"::{token}::"


def test_summary_append_and_clip(monkeypatch, tmp_path):
    path = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    assert gha.append_summary("# one")
    assert gha.append_summary("two\n")
    assert path.read_text() == "# one\ntwo\n"
    big = "```diff\n" + "+x\n" * 600_000
    clipped = gha.clip_summary(big)
    assert len(clipped.encode()) <= gha.SUMMARY_LIMIT and clipped.count("```") % 2 == 0 and "Truncated" in clipped
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    assert not gha.append_summary("x")


def test_summary_module_entry_point(tmp_path):
    rep = tmp_path / "r.md"
    rep.write_text("### staging\n")
    summary = tmp_path / "s.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "spinops.gha", "summary", str(rep)], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0 and summary.read_text() == "### staging\n"
    proc = subprocess.run(
        [sys.executable, "-m", "spinops.gha", "summary", str(tmp_path / "nope.md")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "no such report file" in proc.stderr


def test_masker_covers_raw_base64_and_lines_but_not_tiny_values():
    m = Masker(["tok-123456", "first-line\nsecond-line", "ab"])
    text = "x tok-123456 dG9rLTEyMzQ1Ng== first-line second-line ab"
    assert m(text) == "x *** *** *** *** ab"
