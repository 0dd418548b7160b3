"""jq patches cannot read the environment, cannot run forever, and their errors echo no credential (issue 11 items 1,
5, 8).

In the deploy job every workflow secret is an environment variable: a patch using `env.X` or `$ENV`
(jq 1.7 manual, "Builtin operators and functions") would write it into a ConfigMap while the PR's
diff, built without secrets, shows nothing.
"""

from __future__ import annotations

import os

import pytest

from spinops import jqpatch
from spinops.errors import InputError
from spinops.patch import apply_patch, load_patches

CANARY = "canary-jq-7d1e0b-do-not-leak"


def write_patch(tmp_path, body: str):
    d = tmp_path / "halconfig" / "patches"
    d.mkdir(parents=True)
    (d / "p.yml").write_text(body)
    return d


@pytest.mark.parametrize(
    ("body", "line", "col", "name"),
    [
        ("kind: jq\ntarget: echo.yml\npatch: |\n  .a = 1\n  | .token = env.SLACK_TOKEN\n", 5, 14, "env"),
        ("kind: jq\ntarget: echo.yml\npatch: '.token = $ENV.SLACK_TOKEN'\n", 3, 18, "$ENV"),
        ('kind: jq\ntarget: echo.yml\npatch: |\n  .t = "x-\\(env.T)"\n', 4, 13, "env"),
        ('kind: jq\ntarget: echo.yml\npatch: |\n  include "lib"; .\n', 4, 3, "include"),
    ],
)
def test_environment_and_module_access_is_a_located_error(tmp_path, body, line, col, name):
    d = write_patch(tmp_path, body)
    with pytest.raises(InputError) as e:
        load_patches(d, display_root=tmp_path)
    (p,) = [p for p in e.value.problems if "may not use" in p.message]
    assert (p.file, p.line, p.column) == ("halconfig/patches/p.yml", line, col)
    assert f"`{name}`" in p.message


def test_fields_object_keys_strings_and_comments_named_env_are_fine(tmp_path):
    d = write_patch(tmp_path, 'kind: jq\ntarget: echo.yml\npatch: |\n  .env = {env: "env"} # env\n')
    (patch,) = load_patches(d, display_root=tmp_path)
    assert apply_patch(patch, {}, "echo.yml") == {"env": {"env": "env"}}


def test_the_program_runs_with_an_empty_environment(monkeypatch):
    monkeypatch.setenv("SPINOPS_TEST_CANARY", CANARY)
    once, _ = jqpatch.evaluate("{a: $ENV.SPINOPS_TEST_CANARY, b: env.SPINOPS_TEST_CANARY}", {}, {})
    assert once == [{"a": None, "b": None}]


def test_an_endless_program_is_stopped():
    with pytest.raises(jqpatch.JqError, match="ran longer than"):
        jqpatch.evaluate("def f: f; f", {}, {}, timeout=1)


def test_an_endless_patch_is_a_located_error(tmp_path, monkeypatch):
    monkeypatch.setattr(jqpatch, "MAX_SECONDS", 1)
    d = write_patch(tmp_path, "kind: jq\ntarget: echo.yml\npatch: 'def f: f; f'\n")
    (patch,) = load_patches(d, display_root=tmp_path)
    with pytest.raises(InputError) as e:
        apply_patch(patch, {}, "echo.yml")
    (p,) = e.value.problems
    assert p.file == "halconfig/patches/p.yml" and p.line == 3 and "ran longer than" in p.message


@pytest.mark.parametrize(
    "body",
    [
        "kind: jq\ntarget: echo.yml\npatch: 'error(.slack.token)'\n",
        "kind: jq\ntarget: echo.yml\npatch: 'error({t: .slack.token})'\n",
        "kind: json-patch\ntarget: echo.yml\npatch:\n- {op: test, path: /slack/token, value: guess}\n",
    ],
)
def test_failing_patches_do_not_echo_a_credential_of_the_document(tmp_path, body):
    d = write_patch(tmp_path, body)
    (patch,) = load_patches(d, display_root=tmp_path)
    with pytest.raises(InputError) as e:
        apply_patch(patch, {"slack": {"token": CANARY}}, "echo.yml")
    assert CANARY not in str(e.value)


def test_the_environment_of_the_build_is_untouched(monkeypatch):
    monkeypatch.setenv("SPINOPS_TEST_CANARY", CANARY)
    jqpatch.evaluate(".", {}, {})
    assert os.environ["SPINOPS_TEST_CANARY"] == CANARY
