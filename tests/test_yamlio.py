"""The one guarded YAML loader (spinops.yamlio) and every entry point that reads YAML through it.

Hostile texts: nesting deep enough to crash PyYAML's C composer and yaml-rs (SIGSEGV at ~20,000-40,000
levels, measured with PyYAML 6 / yaml-rs on this machine), "billion laughs" alias bombs, NUL bytes,
invalid UTF-8, a BOM. Each entry point must answer with a located InputError (or, for the readers that
only look for positions, quietly skip the file) and never crash or hang.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spinops import yamlio
from spinops.errors import InputError
from spinops_testlib import run_spinops

DEEP = 50_000
# 10^9 leaves once expanded, 400 bytes
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)

HOSTILE: dict[str, bytes] = {
    "deep-flow": ("k: " + "[" * DEEP + "]" * DEEP + "\n").encode(),
    "deep-flow-map": ("k: " + "{a: " * DEEP + "b" + "}" * DEEP + "\n").encode(),
    "deep-block-inline": ("k:\n" + "- " * DEEP + "x\n").encode(),
    "deep-indent": "".join(" " * i + f"k{i}:\n" for i in range(0, 600, 2)).encode() + b" " * 600 + b"x: 1\n",
    "alias-bomb": ALIAS_BOMB.encode(),
    "nul": b"a: 1\nb: \x00\n",
    "not-utf8": b"a: 1\nb: \xff\xfe\n",
}


# --------------------------------------------------------------------------------------------
# the guards themselves


@pytest.mark.parametrize("name", ["deep-flow", "deep-flow-map", "deep-block-inline", "deep-indent"])
def test_too_deep_is_refused_before_parsing_with_its_line(name):
    text = HOSTILE[name].decode()
    with pytest.raises(InputError) as e:
        yamlio.load(text, "f.yml")
    (p,) = e.value.problems
    assert p.code == "too-deep" and p.file == "f.yml" and p.line is not None


def test_nesting_within_the_limits_loads():
    depth = yamlio.MAX_FLOW_DEPTH - 2
    doc = yamlio.load("k: " + "[" * depth + "1" + "]" * depth + "\n", "f.yml")
    v = doc.data["k"]
    for _ in range(depth):
        v = v[0]
    assert v == 1


def test_brackets_inside_words_and_balanced_code_do_not_count():
    # a JavaScript-like block scalar with many balanced brackets, and brackets glued to words
    js = "    " + "f([1, {a: [2]}]); " * 400 + "\n"
    text = "settings.js: |\n" + js + "regex: a[b[c[d\n" * 200
    assert yamlio.nesting_line(text) is None


def test_alias_bomb_is_refused_quickly_by_every_reader():
    with pytest.raises(InputError) as e:
        yamlio.load(ALIAS_BOMB, "bomb.yml")
    assert e.value.problems[0].code == "yaml-too-large"
    import yaml

    with pytest.raises(yaml.YAMLError, match="alias"):
        yamlio.compose_all(ALIAS_BOMB)
    with pytest.raises(InputError) as e:
        yamlio.loads_fast(ALIAS_BOMB, "bomb.yml")
    assert e.value.problems[0].code == "alias-limit"


def test_bom_is_dropped_and_nul_and_bad_utf8_are_located(tmp_path):
    f = tmp_path / "f.yml"
    f.write_bytes(b"\xef\xbb\xbfkind: ConfigMap\n")
    assert yamlio.read(f).data == {"kind": "ConfigMap"}
    for name, line, col in (("nul", 2, 4), ("not-utf8", 2, 4)):
        f.write_bytes(HOSTILE[name])
        with pytest.raises(InputError) as e:
            yamlio.read(f, "f.yml")
        (p,) = e.value.problems
        assert (p.file, p.line, p.column, p.code) == ("f.yml", line, col, "binary-file")


def test_duplicate_keys_are_located_unless_the_last_one_wins():
    text = "a: 1\nb: 2\na: 3\n"
    with pytest.raises(InputError) as e:
        yamlio.load(text, "f.yml")
    (p,) = e.value.problems
    assert (p.line, p.column, p.code) == (3, 1, "duplicate-key")
    assert yamlio.load(text, "f.yml", duplicate_keys=False).data == {"a": 3, "b": 2}


def test_size_is_bounded_for_files_and_streams(tmp_path):
    f = tmp_path / "big.yml"
    f.write_bytes(b"a: 1\n" * 30)
    with pytest.raises(InputError) as e:
        yamlio.read_text(f, "big.yml", max_bytes=100)
    assert e.value.problems[0].code == "too-large"
    with open("/dev/zero", "rb") as zero, pytest.raises(InputError) as e:
        yamlio.read_stream(zero, "<stdin>", max_bytes=1000)
    assert e.value.problems[0].code == "too-large"


def test_symlinks_resolving_outside_the_root_are_refused(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "secret.yml"
    outside.write_text("token: canary\n")
    (root / "in.yml").write_text("a: 1\n")
    (root / "link-in.yml").symlink_to(root / "in.yml")
    (root / "link-out.yml").symlink_to(outside)
    assert yamlio.read(root / "link-in.yml", root=root).data == {"a": 1}
    with pytest.raises(InputError) as e:
        yamlio.read(root / "link-out.yml", "link-out.yml", root=root)
    (p,) = e.value.problems
    assert p.code == "outside-root" and "canary" not in p.message


def test_directories_and_fifos_are_not_read(tmp_path):
    (tmp_path / "d.yml").mkdir()
    os.mkfifo(tmp_path / "fifo.yml")
    for name in ("d.yml", "fifo.yml"):
        with pytest.raises(InputError) as e:
            yamlio.read(tmp_path / name, name)
        assert e.value.problems[0].code == "unreadable"


# --------------------------------------------------------------------------------------------
# every entry point


def _patches(tmp_path: Path, data: bytes):
    from spinops.patch import load_patches

    d = tmp_path / "halconfig" / "patches"
    d.mkdir(parents=True)
    (d / "p.yml").write_bytes(data)
    return load_patches(d, display_root=tmp_path)


def _profiles(tmp_path: Path, data: bytes):
    from spinops.profiles import load_profiles

    d = tmp_path / "halconfig" / "profiles"
    d.mkdir(parents=True)
    (d / "gate-local.yml").write_bytes(data)
    return load_profiles(tmp_path)


def _secrets(tmp_path: Path, data: bytes):
    from spinops.credentials import load_secrets

    (tmp_path / "halconfig").mkdir()
    (tmp_path / "halconfig" / "secrets.yml").write_bytes(data)
    return load_secrets(tmp_path)


def _rules(tmp_path: Path, data: bytes):
    from spinops.check.engine import load_rule_file

    (tmp_path / "rules.yml").write_bytes(data)
    return load_rule_file(tmp_path / "rules.yml")


def _manifest(tmp_path: Path, data: bytes):
    from spinops.check.source import parse_manifest

    return parse_manifest(yamlio.decode(data, "m.yaml"), "m.yaml")


def _documents(tmp_path: Path, data: bytes):
    from spinops.manifests import load_documents

    return load_documents(yamlio.decode(data, "m.yaml"))


def _halyard(tmp_path: Path, data: bytes):
    from spinops.migrate.source import parse_yaml

    return parse_yaml(yamlio.decode(data, "config"), "config")


def _halconfig(tmp_path: Path, data: bytes):
    from spinops.halconfig.source import load_file

    (tmp_path / "h.yml").write_bytes(data)
    problems: list = []
    load_file(tmp_path / "h.yml", problems)
    if problems:
        raise InputError(problems)


def _env_settings(tmp_path: Path, data: bytes):
    from spinops.check.settings import kube_version_setting
    from spinops.layout import Repo

    repo = Repo(tmp_path)
    f = repo.env_settings("dev")
    f.parent.mkdir(parents=True)
    f.write_bytes(data)
    return kube_version_setting(repo, "dev")


def _overlay(tmp_path: Path, data: bytes):
    from spinops.bundle import overlay_problems

    o = tmp_path / "kustomize" / "overlays" / "dev"
    o.mkdir(parents=True)
    (o / "kustomization.yml").write_text("resources: [patch.yml]\n")
    (o / "patch.yml").write_bytes(data)
    problems = overlay_problems(o)
    if problems:
        raise InputError(problems)


STRICT = {
    "patches": _patches,
    "profiles": _profiles,
    "secrets.yml": _secrets,
    "rule files": _rules,
    "check manifests": _manifest,
    "kustomize output": _documents,
    "halyard config": _halyard,
    "halconfig": _halconfig,
    "env settings": _env_settings,
    "overlay files": _overlay,
}


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
@pytest.mark.parametrize("entry", sorted(STRICT))
def test_every_entry_point_refuses_hostile_yaml_with_a_located_error(tmp_path, entry, hostile):
    data = HOSTILE[hostile]
    with pytest.raises(InputError) as e:
        STRICT[entry](tmp_path, data)
    assert e.value.problems and all(p.file for p in e.value.problems)


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_readers_that_only_look_for_lines_skip_hostile_files(hostile):
    from spinops.check import configfiles

    text = HOSTILE[hostile].decode("utf-8", "replace")
    assert isinstance(list(configfiles.leaves("echo.yml", text)), list)


@pytest.mark.parametrize("hostile", ["deep-flow", "deep-block-inline", "alias-bomb", "nul"])
def test_check_reads_hostile_stdin_as_a_located_exit_2(hostile):
    r = run_spinops("check", "-", input=HOSTILE[hostile].decode("utf-8", "replace").replace("\ufffd", "\x00"))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("<stdin>:") and "Traceback" not in r.stderr and "internal error" not in r.stderr


def test_check_dev_zero_ends_with_exit_2():
    r = run_spinops("check", "/dev/zero")
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("/dev/zero") and "internal error" not in r.stderr


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [("a: !!set {x, y}\n", 1, "yaml-tag"), ("a:\n  ~: 1\n", 2, "yaml-key"), ("null: 1\n", 1, "yaml-key")],
)
def test_sets_and_null_keys_are_located_errors(text, line, code):
    with pytest.raises(InputError) as e:
        yamlio.load(text, "f.yml")
    (p,) = e.value.problems
    assert (p.line, p.code) == (line, code)
