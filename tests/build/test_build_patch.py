"""Patches: each kind, `when:` conditions, idempotency and every validation error (with file:line)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from spinops.errors import InputError
from spinops.patch import apply_patches, load_patches, merge, parse_condition, parse_version, version_matches

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "fixtures" / "reference"  # frozen copy of the reference installation

CLOUDDRIVER = {
    "kubernetes": {
        "enabled": True,
        "accounts": [{"name": "spinnaker"}, {"name": "staging"}, {"name": "production"}],
    },
    "artifacts": {"github": {"enabled": True}},
}


def files():
    return {
        "clouddriver.yml": CLOUDDRIVER,
        "echo.yml": {"slack": {"enabled": True}},
        "echo-local.yml": {},
        "gate-local.yml": {"server": {"port": 1}},
        "settings-local.js": {},
    }


def write(tmp_path: Path, name: str, text: str) -> Path:
    d = tmp_path / "patches"
    d.mkdir(exist_ok=True)
    (d / name).write_text(textwrap.dedent(text))
    return d


def load(tmp_path, name, text):
    return load_patches(write(tmp_path, name, text))


def problems_of(excinfo):
    return excinfo.value.problems


# ------------------------------------------------------------------ kinds


def test_merge_deep_merges_and_null_deletes(tmp_path):
    patches = load(tmp_path, "m.yml", """\
        kind: merge
        target: clouddriver.yml
        patch:
          kubernetes:
            enabled: null
            primaryAccount: staging
        """)
    out, report = apply_patches(files(), patches, "1.36.1")
    assert out["clouddriver.yml"]["kubernetes"] == {
        "accounts": CLOUDDRIVER["kubernetes"]["accounts"],
        "primaryAccount": "staging",
    }
    assert CLOUDDRIVER["kubernetes"]["enabled"] is True  # input untouched
    assert report[0].changed == ("clouddriver.yml",)


def test_merge_glob_reaches_every_local_profile(tmp_path):
    patches = load(tmp_path, "redis.yml", """\
        kind: merge
        target: "*-local.yml"
        patch: {redis: {connection: "${services.redis.baseUrl}"}}
        """)
    out, report = apply_patches(files(), patches, "1.36.1")
    assert out["echo-local.yml"] == {"redis": {"connection": "${services.redis.baseUrl}"}}
    assert out["gate-local.yml"] == {"server": {"port": 1}, "redis": {"connection": "${services.redis.baseUrl}"}}
    assert report[0].files == ("echo-local.yml", "gate-local.yml")


def test_json_patch(tmp_path):
    patches = load(tmp_path, "j.yml", """\
        kind: json-patch
        target: clouddriver.yml
        patch:
        - op: replace
          path: /kubernetes/accounts/1/name
          value: stage
        - op: add
          path: /kubernetes/accounts/0/cacheThreads
          value: 4
        - op: remove
          path: /artifacts
        """)
    out, _ = apply_patches(files(), patches, "1.36.1")
    cd = out["clouddriver.yml"]
    assert cd["kubernetes"]["accounts"][0] == {"name": "spinnaker", "cacheThreads": 4}
    assert cd["kubernetes"]["accounts"][1]["name"] == "stage"
    assert "artifacts" not in cd


def test_jq_with_args(tmp_path):
    patches = load(tmp_path, "q.yml", """\
        kind: jq
        target: clouddriver.yml
        args: {v1: [staging, production]}
        patch: .kubernetes.accounts |= map(if (.name | IN($v1[])) then .providerVersion = "V1" else . end)
        """)
    out, _ = apply_patches(files(), patches, "1.20.3")
    accounts = out["clouddriver.yml"]["kubernetes"]["accounts"]
    assert [a.get("providerVersion") for a in accounts] == [None, "V1", "V1"]


def test_settings_local_js_target(tmp_path):
    patches = load(tmp_path, "deck.yml", """\
        kind: merge
        target: settings-local.js
        patch: {providers: {kubernetes: {defaults: {account: staging}}}}
        """)
    out, _ = apply_patches(files(), patches, "1.36.1")
    assert out["settings-local.js"] == {"providers": {"kubernetes": {"defaults": {"account": "staging"}}}}


def test_patches_apply_in_file_name_order(tmp_path):
    write(tmp_path, "20-second.yml", "kind: merge\ntarget: echo.yml\npatch: {x: second}\n")
    patches = load(tmp_path, "10-first.yml", "kind: merge\ntarget: echo.yml\npatch: {x: first, y: 1}\n")
    out, _ = apply_patches(files(), patches, "1.36.1")
    assert out["echo.yml"]["x"] == "second" and out["echo.yml"]["y"] == 1


# ------------------------------------------------------------------ when


@pytest.mark.parametrize(
    "cond, version, active",
    [
        ("<1.21", "1.20.6", True),
        ("<1.21", "1.21.0", False),
        ("<1.21", "1.36.1", False),
        ("<=1.21", "1.21", True),
        (">1.30", "1.30.1", True),
        (">=1.36.1", "1.36.1", True),
        ("==1.36.1", "1.36.1", True),
        ("==1.36", "1.36.1", False),
        ("!=1.36.1", "1.36.1", False),
        (">=1.20, <1.25", "1.24.9", True),
        (">=1.20, <1.25", "1.25.0", False),
        ("1.36.1", "spinnaker-1.36.1", True),
        ("<1.21", "master-latest-validated", False),
        (">=1.21", "master-latest-unvalidated", True),
    ],
)
def test_version_conditions(cond, version, active):
    assert version_matches(parse_condition(cond), parse_version(version)) is active


def test_when_skips_and_reports(tmp_path):
    patches = load(tmp_path, "old.yml", """\
        kind: merge
        target: clouddriver.yml
        when: {spinnakerVersion: "<1.21"}
        patch: {x: 1}
        """)
    out, report = apply_patches(files(), patches, "1.36.1")
    assert out["clouddriver.yml"] == CLOUDDRIVER
    assert report[0].skipped == "spinnakerVersion 1.36.1 does not match <1.21"
    out, report = apply_patches(files(), patches, "1.20.0")
    assert out["clouddriver.yml"]["x"] == 1 and report[0].skipped is None


def test_when_without_version_is_an_error(tmp_path):
    patches = load(
        tmp_path, "old.yml", "kind: merge\ntarget: echo.yml\nwhen:\n  spinnakerVersion: '<1.21'\npatch: {x: 1}\n"
    )
    with pytest.raises(InputError) as e:
        apply_patches(files(), patches, None)
    (p,) = problems_of(e)
    assert (Path(p.file).name, p.line) == ("old.yml", 3)
    assert "sets no `version`" in p.message


def test_bad_condition_syntax(tmp_path):
    with pytest.raises(InputError) as e:
        load(
            tmp_path, "c.yml", "kind: merge\ntarget: echo.yml\nwhen:\n  spinnakerVersion: 'about 1.2'\npatch: {x: 1}\n"
        )
    (p,) = problems_of(e)
    assert p.line == 4 and "bad version condition" in p.message


# ------------------------------------------------------------------ idempotency


@pytest.mark.parametrize(
    "text",
    [
        "kind: merge\ntarget: clouddriver.yml\npatch: {kubernetes: {primaryAccount: staging}}\n",
        "kind: json-patch\ntarget: clouddriver.yml\npatch:\n- {op: replace, path: /kubernetes/enabled, value: false}\n",
        "kind: jq\ntarget: clouddriver.yml\npatch: '.kubernetes.accounts |= map(.cacheThreads = 2)'\n",
        (REFERENCE / "halconfig/patches/kubernetes-v1-accounts.yml").read_text(),
        (REFERENCE / "halconfig/patches/redis-connection.yml").read_text(),
    ],
)
def test_patches_are_idempotent(tmp_path, text):
    patches = load(tmp_path, "p.yml", text)
    once, _ = apply_patches(files(), patches, "1.20.0")
    twice, report = apply_patches(once, patches, "1.20.0")
    assert twice == once
    assert all(not a.changed for a in report)


def test_non_idempotent_patch_is_refused(tmp_path):
    with pytest.raises(InputError) as e:
        apply_patches(files(), load(tmp_path, "append.yml", """\
            kind: json-patch
            target: clouddriver.yml
            patch:
            - op: add
              path: /kubernetes/accounts/-
              value: {name: extra}
            """), "1.36.1")
    (p,) = problems_of(e)
    assert p.code == "patch-idempotent" and p.file.endswith("append.yml") and p.line == 3


def test_non_idempotent_jq_is_refused(tmp_path):
    with pytest.raises(InputError) as e:
        apply_patches(
            files(),
            load(
                tmp_path,
                "grow.yml",
                "kind: jq\ntarget: clouddriver.yml\npatch: '.kubernetes.accounts += [{name: \"x\"}]'\n",
            ),
            "1.36.1",
        )
    assert problems_of(e)[0].code == "patch-idempotent"


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "text, line, code, words",
    [
        (
            "kind: strategic\ntarget: echo.yml\npatch: {}\n",
            1,
            "patch-kind",
            "'strategic' is not one of merge, json-patch, jq",
        ),
        ("kind: merge\npatch: {x: 1}\n", 1, "patch-target", "'target' is required"),
        ("kind: merge\ntarget: echo.yml\n", 1, "patch-shape", "'patch' is required"),
        ("kind: merge\ntarget: echo.yml\npatch: [1]\n", 3, "patch-shape", "merge patch is a mapping"),
        (
            "kind: json-patch\ntarget: echo.yml\npatch:\n- {op: frobnicate, path: /x}\n",
            4,
            "patch-shape",
            "'frobnicate' is not one of add, remove",
        ),
        (
            "kind: json-patch\ntarget: echo.yml\npatch:\n- {op: add, path: x, value: 1}\n",
            4,
            "patch-shape",
            "JSON pointer",
        ),
        (
            "kind: json-patch\ntarget: echo.yml\npatch:\n- {op: add, path: /x}\n",
            4,
            "patch-shape",
            "'value' is required",
        ),
        ("kind: jq\ntarget: echo.yml\npatch: '.a |'\n", 3, "patch-jq", "does not compile"),
        ("kind: merge\ntarget: echo.yml\ntargte: x\npatch: {}\n", 3, "patch-shape", "unknown field 'targte'"),
        (
            "kind: merge\ntarget: echo.yml\nwhen: {halyardVersion: '1'}\npatch: {}\n",
            3,
            "patch-when",
            "unknown field 'halyardVersion'",
        ),
        ("kind: merge\nkind: jq\ntarget: echo.yml\npatch: {}\n", 2, "duplicate-key", "duplicate key"),
        ("kind: merge\ntarget: [echo.yml\n", 3, "yaml-syntax", "malformed YAML"),
    ],
)
def test_malformed_patches(tmp_path, text, line, code, words):
    with pytest.raises(InputError) as e:
        load(tmp_path, "bad.yml", text)
    ps = problems_of(e)
    assert any(p.code == code and words in p.message and p.line == line and p.file.endswith("bad.yml") for p in ps), [
        p.text() for p in ps
    ]


def test_unknown_target_lists_targets(tmp_path):
    with pytest.raises(InputError) as e:
        apply_patches(
            files(), load(tmp_path, "t.yml", "kind: merge\ntarget: cloudriver.yml\npatch: {x: 1}\n"), "1.36.1"
        )
    (p,) = problems_of(e)
    assert p.line == 2 and "matches no file" in p.message and "clouddriver.yml" in p.hint


def test_json_patch_missing_path_names_the_operation_line(tmp_path):
    patches = load(tmp_path, "j.yml", """\
        kind: json-patch
        target: clouddriver.yml
        patch:
        - op: replace
          path: /kubernetes/enabled
          value: false
        - op: replace
          path: /google/enabled
          value: true
        """)
    with pytest.raises(InputError) as e:
        apply_patches(files(), patches, "1.36.1")
    (p,) = problems_of(e)
    assert p.code == "patch-apply" and p.line == 8 and "clouddriver.yml" in p.message


def test_jq_runtime_error_and_wrong_result(tmp_path):
    with pytest.raises(InputError) as e:
        apply_patches(
            files(),
            load(
                tmp_path,
                "a.yml",
                "kind: jq\ntarget: clouddriver.yml\npatch: '.kubernetes.accounts[0] | error(\"boom\")'\n",
            ),
            "1.36.1",
        )
    (p,) = problems_of(e)
    assert p.code == "patch-apply" and "boom" in p.message and p.line == 3
    with pytest.raises(InputError) as e:
        apply_patches(
            files(),
            load(tmp_path, "a.yml", "kind: jq\ntarget: clouddriver.yml\npatch: '.kubernetes.accounts[]'\n"),
            "1.36.1",
        )
    assert "exactly one object" in problems_of(e)[0].message


def test_all_problems_of_all_files_at_once(tmp_path):
    write(tmp_path, "a.yml", "kind: nope\ntarget: echo.yml\npatch: {}\n")
    with pytest.raises(InputError) as e:
        load(tmp_path, "b.yml", "kind: merge\npatch: {}\n")
    assert sorted(Path(p.file).name for p in problems_of(e)) == ["a.yml", "b.yml"]


def test_merge_is_rfc7386():
    assert merge({"a": {"b": 1, "c": 2}, "l": [1]}, {"a": {"b": None, "d": 3}, "l": [2]}) == {
        "a": {"c": 2, "d": 3},
        "l": [2],
    }


def test_reference_patches_load():
    patches = load_patches(REFERENCE / "halconfig" / "patches", display_root=REFERENCE)
    assert {p.kind for p in patches} == {"merge", "jq"}
    assert all(p.file.startswith("halconfig/patches/") for p in patches)


def test_exclude(tmp_path):
    fs = {**files(), "spinnaker-local.yml": {}}
    patches = load(
        tmp_path, "e.yml", "kind: merge\ntarget: '*-local.yml'\nexclude: [spinnaker-local.yml]\npatch: {a: 1}\n"
    )
    out, report = apply_patches(fs, patches, "1.36.1")
    assert report[0].files == ("echo-local.yml", "gate-local.yml") and out["spinnaker-local.yml"] == {}
    with pytest.raises(InputError) as e:
        apply_patches(
            fs, load(tmp_path, "e.yml", "kind: merge\ntarget: echo.yml\nexclude: 'echo*'\npatch: {a: 1}\n"), "1.36.1"
        )
    assert problems_of(e)[0].line == 3


def test_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
        f"*a{i - 1}, *a{i - 1}]"
        for i in range(1, 9)
    ]
    with pytest.raises(InputError) as e:
        load(tmp_path, "bomb.yml", "\n".join(lines) + "\nkind: merge\n")
    assert problems_of(e)[0].code == "yaml-too-large"


def test_empty_patch_file(tmp_path):
    with pytest.raises(InputError) as e:
        load(tmp_path, "empty.yml", "# nothing yet\n")
    assert "empty patch file" in problems_of(e)[0].message
