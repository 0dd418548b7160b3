"""The bad-input corpus (tests/halconfig/bad/), each case through the real CLI: message, file:line:col,
exit code 2, no traceback, nothing written to --out."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

BAD = Path(__file__).parent / "bad"

# case -> every problem expected, in output order: (file relative to the case, line, column, message fragment[, hint
# fragment])
CASES: dict[str, list[tuple]] = {
    "malformed_flow.yml": [(None, 4, 5, "YAML syntax error: invalid indentation in flow construct")],
    "malformed_indent.yml": [
        (None, 4, 4, "YAML syntax error: while parsing a block mapping, did not find expected key")
    ],
    "malformed_tab.yml": [(None, 2, 2, "YAML syntax error: tabs disallowed")],
    "scalar_document.yml": [(None, 1, 1, "expected a mapping of halconfig sections, got a string")],
    "top_level_list.yml": [(None, 1, 1, "expected a mapping of halconfig sections, got a list")],
    "two_documents.yml": [(None, 1, 1, "several YAML documents")],
    "empty.yml": [(None, 1, 1, "empty file: expected a mapping of halconfig sections", "{}")],
    "comments_only.yml": [(None, 1, 1, "empty file: expected a mapping of halconfig sections")],
    "binary_nul.yml": [(None, 2, 6, "binary file: contains a NUL byte")],
    "latin1.yml": [(None, 2, 19, "binary file: not valid UTF-8 text")],
    "billion_laughs.yml": [(None, 2, 8, "YAML aliases expand too much (alias bomb?)")],
    "unknown_top_level.yml": [(None, 2, 1, "unknown top-level key: `provider`", "did you mean `providers`?")],
    "unknown_nested.yml": [
        (None, 4, 5, "unknown key in `providers.kubernetes`: `acounts`", "did you mean `accounts`?"),
        (None, 10, 7, "unknown key in `artifacts.github.accounts[0]`: `tokn`", "did you mean `token`"),
    ],
    "misplaced_keys.yml": [
        (None, 1, 1, "unknown top-level key: `kubernetes`", "`kubernetes` belongs deeper: under `providers`"),
        (
            None,
            7,
            7,
            "unknown key in `providers.kubernetes.accounts[0]`: `READ`",
            "belongs deeper: under `providers.kubernetes.accounts[0].permissions`",
        ),
    ],
    "halyard_leftover.yml": [(None, 1, 1, "unknown top-level key: `name`", "Halyard setting")],
    "wrong_types.yml": [
        (None, 3, 14, "`enabled`: expected a boolean, got string 'true'", "remove the quotes"),
        (None, 5, 7, "`accounts`: expected a list, got a mapping", "a list item starts with `- `"),
        (None, 7, 11, "`period`: expected an integer, got string 'five'"),
    ],
    "bad_enum.yml": [
        (None, 4, 27, "`serverSideEncryption`: unknown value string 'aes256'", "did you mean `AES256`?"),
        (None, 8, 19, "`clientAuth`: unknown value string 'MAYBE'", "expected one of NONE, WANT, NEED"),
    ],
    "duplicate_keys.yml": [
        (None, 5, 5, "duplicate key `enabled` (first set at line 4, column 5)"),
        (None, 6, 1, "duplicate key `version` (first set at line 1, column 1)"),
    ],
    "placeholder_bool.yml": [(None, 2, 10, "`chaos` is a boolean field: placeholders work only in string fields")],
    "placeholder_int.yml": [(None, 2, 11, "`period` is an integer field: placeholders work only in string fields")],
    "yaml11_yes.yml": [
        (
            None,
            2,
            22,
            "`pipelineTemplates`: expected a boolean, got string 'yes'",
            "YAML 1.1 (Kleat, Halyard) reads `yes` as a boolean",
        )
    ],
    "yaml11_on_in_string.yml": [(None, 1, 11, "ambiguous unquoted `on`: YAML 1.1", "quote it")],
    "float_in_string.yml": [(None, 1, 10, "`version`: expected a string, got number 1.2", "quote it: '1.20'")],
    "octal_int.yml": [
        (None, 2, 11, "ambiguous integer `0120`: YAML 1.1 (Kleat) reads it as octal 80, YAML 1.2 (spinops) as 120")
    ],
    # issue 18: read as Kleat's YAML 1.1 reader reads it, or say where the readings differ
    "yaml11_readings.yml": [
        (None, 6, 21, "`cacheThreads`: expected an integer, got string '_1'"),
        (None, 7, 37, "ambiguous integer `0120`: YAML 1.1 (Kleat) reads it as octal 80, YAML 1.2 (spinops) as 120"),
        (None, 12, 9, "ambiguous unquoted key `on`", "quote it: 'on'"),
        (None, 13, 9, "ambiguous unquoted key `0777`: YAML 1.1 (Kleat) reads it as 511", "quote it: '0777'"),
    ],
    "line_separator.yml": [
        (None, 2, 13, "U+2028 LINE SEPARATOR: a line break for YAML 1.1", "\\L inside double quotes")
    ],
    "merge_key_scalar.yml": [(None, 3, 5, "`<<` (the YAML merge key) needs a mapping or a list of mappings")],
    "quoted_merge_key.yml": [(None, 3, 5, "unknown key in `providers.kubernetes`: `<<`")],
    "quoted_int.yml": [(None, 2, 11, "`period`: expected an integer, got string '360'", "without quotes: 360")],
    "kinds_and_omit_kinds.yml": [(None, 5, 7, "Cannot specify both kinds and omitKinds.")],
    "null_list_item.yml": [(None, 5, 6, "`accounts[1]`: a list item may not be null")],
    "three_errors.yml": [
        (None, 3, 1, "unknown top-level key: `timezon`", "did you mean `timezone`?"),
        (None, 5, 10, "`chaos`: expected a boolean, got string 'sometimes'"),
        (None, 8, 27, "`serverSideEncryption`: unknown value string 'AES512'"),
    ],
    "fragments_conflict": [
        (
            "20-kubernetes.yml",
            3,
            21,
            "`providers.kubernetes.primaryAccount` is set differently in two fragments: here and at "
            + str(BAD / "fragments_conflict" / "10-base.yml")
            + ":5:21",
        ),
    ],
    "fragments_list_conflict": [
        (
            "b.yml",
            4,
            5,
            "`providers.kubernetes.accounts` is set differently in two fragments: here and at "
            + str(BAD / "fragments_list_conflict" / "a.yml")
            + ":4:5",
        ),
    ],
    "no_fragments": [("", None, None, "no halconfig fragments (*.yml) in this directory")],
}


def test_every_corpus_file_has_a_case():
    assert sorted(p.name for p in BAD.iterdir()) == sorted(CASES)


def _check(proc, target: Path, expected: list[tuple], out: Path) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    problems = json.loads(proc.stdout)["problems"]
    got = [(p["file"], p["line"], p["column"], p["message"], p.get("hint") or "") for p in problems]
    assert len(got) == len(expected), got
    for (file, line, col, message, hint), exp in zip(got, expected, strict=True):
        rel, eline, ecol, fragment = exp[:4]
        want_file = target if rel is None else (target / rel if rel else target)
        assert file == str(want_file)
        assert (line, col) == (eline, ecol), (message, line, col)
        assert fragment in message
        if len(exp) > 4:
            assert exp[4] in hint
    assert not out.exists(), "nothing may be written on failure"


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(case, tmp_path, spinops):
    target = BAD / case
    out = tmp_path / "out"
    proc = spinops("render", str(target), "--out", str(out), "--format", "json")
    _check(proc, target, CASES[case], out)


def test_text_format_names_file_line_col(tmp_path, spinops):
    target = BAD / "three_errors.yml"
    proc = spinops("render", str(target), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ": error: " in ln]
    assert lines == [
        f"{target}:3:1: error: unknown top-level key: `timezon`",
        f"{target}:5:10: error: `chaos`: expected a boolean, got string 'sometimes'",
        f"{target}:8:27: error: `serverSideEncryption`: unknown value string 'AES512'",
    ]
    assert "  hint: did you mean `timezone`?" in proc.stderr


def test_json_format_carries_the_data_path(tmp_path, spinops):
    proc = spinops("render", str(BAD / "unknown_nested.yml"), "--out", str(tmp_path / "out"), "--format", "json")
    problems = json.loads(proc.stdout)["problems"]
    assert [p["extra"]["path"] for p in problems] == [["providers", "kubernetes", "acounts"],
                                                      ["artifacts", "github", "accounts", 0, "tokn"]]
    assert [p["code"] for p in problems] == ["unknown-key", "unknown-key"]


def test_github_format(tmp_path, spinops):
    target = BAD / "unknown_top_level.yml"
    proc = spinops("render", str(target), "--out", str(tmp_path / "out"), "--format", "github")
    assert proc.returncode == 2
    assert proc.stdout.startswith(
        f"::error file={target},line=2,col=1,title=unknown-key::unknown top-level key: `provider`"
    )


def test_over_the_size_limit_is_refused_before_parsing(tmp_path, spinops):
    from spinops.halconfig.source import MAX_BYTES

    big = tmp_path / "big.yml"
    # valid YAML a parser would chew on for a while; refused from its size alone
    line = "# " + "x" * 97 + "\n"
    big.write_text("version: 1.30.0\n" + line * (MAX_BYTES // len(line) + 1))
    assert big.stat().st_size > MAX_BYTES
    out = tmp_path / "out"
    proc = spinops("render", str(big), "--out", str(out), "--format", "json")
    (problem,) = json.loads(proc.stdout)["problems"]
    assert proc.returncode == 2
    assert problem["file"] == str(big)
    assert problem["message"].startswith(
        f"file too large: {big.stat().st_size:,} bytes, the limit is {MAX_BYTES:,} bytes"
    )
    assert not out.exists()


def test_nesting_that_would_crash_the_parser_is_refused(tmp_path, spinops):
    deep = tmp_path / "deep.yml"
    deep.write_text("providers:\n" + "- " * 200_000 + "x\n")  # yaml-rs overflows its stack on this
    proc = spinops("render", str(deep), "--out", str(tmp_path / "out"), "--format", "json")
    assert proc.returncode == 2, proc.stderr
    (problem,) = json.loads(proc.stdout)["problems"]
    assert (problem["line"], problem["column"]) == (2, 1)
    assert "nested too deeply" in problem["message"]


def test_alias_bomb_is_refused_within_bounded_memory(tmp_path):
    """Fully expanded, the billion-laughs file is 9^8 ~ 43 million nodes (GBs); the limit stops it far below 512 MiB."""
    import resource
    import subprocess
    import sys

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, 512 * 2**20))

    proc = subprocess.run(
        [sys.executable, "-m", "spinops", "render", str(BAD / "billion_laughs.yml"), "--out", str(tmp_path / "o")],
        preexec_fn=limit_memory,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "YAML aliases expand too much" in proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr


def test_missing_path(tmp_path, spinops):
    missing = tmp_path / "nope"
    proc = spinops("render", str(missing), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"{missing}: error: no such file or directory"


def test_default_halconfig_path_is_cwd_halconfig(tmp_path, spinops):
    proc = spinops("render", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "halconfig: error: no such file or directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied(tmp_path, spinops):
    f = tmp_path / "halconfig.yml"
    f.write_text("version: 1.30.0\n")
    f.chmod(0)
    proc = spinops("render", str(f), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "cannot read: Permission denied" in proc.stderr


def test_read_error(tmp_path, spinops):
    """A path that stats as a regular file but fails to read (EIO), whoever runs the test (root included)."""
    proc = spinops("render", "/proc/self/mem", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == "/proc/self/mem: error: cannot read: Input/output error"
    assert not (tmp_path / "out").exists()


def test_not_a_regular_file(tmp_path, spinops):
    fifo = tmp_path / "fifo.yml"
    os.mkfifo(fifo)  # reading it would block: refused from its type
    proc = spinops("render", str(fifo), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"{fifo}: error: not a regular file"


def test_yaml_suffix_fragment_is_not_silently_ignored(tmp_path, spinops):
    d = tmp_path / "halconfig"
    d.mkdir()
    (d / "halconfig.yml").write_text("version: 1.30.0\n")
    (d / "artifacts.yaml").write_text("artifacts: {}\n")
    proc = spinops("render", str(d), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert f"{d / 'artifacts.yaml'}: error: halconfig fragments must be named *.yml" in proc.stderr


def test_failure_leaves_an_existing_out_dir_untouched(tmp_path, spinops):
    out = tmp_path / "out"
    out.mkdir()
    (out / "clouddriver.yml").write_text("old\n")
    proc = spinops("render", str(BAD / "three_errors.yml"), "--out", str(out))
    assert proc.returncode == 2
    assert sorted(p.name for p in out.iterdir()) == ["clouddriver.yml"]
    assert (out / "clouddriver.yml").read_text() == "old\n"
