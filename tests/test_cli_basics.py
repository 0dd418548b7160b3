"""The CLI shell: version, usage errors, and how problems are rendered for people and for GitHub."""

from __future__ import annotations

import json

from spinops import __version__
from spinops.errors import Problem, format_problems


def test_version(spinops):
    r = spinops("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == f"spinops {__version__}"


def test_no_command_is_a_usage_error(spinops):
    r = spinops()
    assert r.returncode == 2
    assert "usage: spinops" in r.stderr


def test_unknown_command_is_a_usage_error(spinops):
    r = spinops("frobnicate")
    assert r.returncode == 2
    assert "invalid choice" in r.stderr
    assert "Traceback" not in r.stderr


def test_problem_text_names_file_line_column():
    p = Problem(
        "unknown key `acounts`", file="halconfig/halconfig.yml", line=3, column=5, hint="did you mean `accounts`?"
    )
    assert p.text() == "halconfig/halconfig.yml:3:5: error: unknown key `acounts`\n  hint: did you mean `accounts`?"


def test_github_annotation_escapes_data_and_properties():
    p = Problem("50%\nsecond line", file="a,b:c.yml", line=7, column=2, code="x")
    assert p.github() == "::error file=a%2Cb%3Ac.yml,line=7,col=2,title=x::50%25%0Asecond line"


def test_json_format_is_machine_readable():
    out = json.loads(format_problems([Problem("m", file="f", line=1, column=2, severity="warning")], "json"))
    assert out["problems"][0]["severity"] == "warning"
    assert out["problems"][0]["line"] == 1


def test_problem_without_a_file_names_the_program():
    assert Problem("unknown git ref: 'x'").text() == "spinops: error: unknown git ref: 'x'"
