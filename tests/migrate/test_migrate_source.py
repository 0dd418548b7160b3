"""Reading SOURCE: a ~/.hal directory or a `hal backup create` tar, and resolving file paths against it."""

from __future__ import annotations

import gzip
import tarfile

import pytest

from spinops.errors import InputError
from spinops.migrate.source import open_source, parse_yaml


def test_backup_entries_start_with_slash_and_read_like_the_directory(hal, backup):
    with tarfile.open(backup) as tar:
        names = tar.getnames()
    assert "/config" in names and all(n.startswith("/") for n in names)
    from_dir, from_tar = open_source(hal), open_source(backup)
    assert from_tar.kind == "backup" and from_dir.kind == "directory"
    assert set(from_tar.files) == {p for p in from_dir.files}  # service-logs skipped in both
    assert not any("service-logs" in p for p in from_dir.files)
    assert from_tar.files["prod/profiles/gate-local.yml"] == (hal / "prod/profiles/gate-local.yml").read_bytes()


@pytest.mark.parametrize(
    "value, rel",
    [
        ("/home/spinnaker/.hal/secrets/prod.kubeconfig", "secrets/prod.kubeconfig"),  # absolute, inside a Halyard home
        ("/root/.hal/secrets/prod.kubeconfig", "secrets/prod.kubeconfig"),  # another user's home
        ("secrets/prod.kubeconfig", "secrets/prod.kubeconfig"),  # relative: what `hal backup create` writes
        ("{%halconfig-dir%}/secrets/prod.kubeconfig", "secrets/prod.kubeconfig"),  # older backups
        ("~/.hal/secrets/prod.kubeconfig", "secrets/prod.kubeconfig"),
    ],
)
def test_file_paths_resolve_against_source(backup, hal, value, rel):
    src = open_source(backup)
    where, content = src.resolve_file(value)
    assert content == (hal / rel).read_bytes()
    assert where.endswith(f":/{rel}")


def test_paths_outside_the_home_or_escaping_it_do_not_resolve(backup):
    src = open_source(backup)
    assert src.resolve_file("/home/spinnaker/.kube/staging.config") == (None, None)
    assert src.resolve_file("/home/spinnaker/.hal/../../etc/passwd") == (None, None)
    assert src.resolve_file("../../etc/passwd") == (None, None)


def test_directory_source_reads_existing_absolute_paths(hal, tmp_path):
    f = tmp_path / "kubeconfig"
    f.write_text("apiVersion: v1\n")
    assert open_source(hal).resolve_file(str(f)) == (str(f), b"apiVersion: v1\n")


def test_not_a_halyard_home(tmp_path):
    with pytest.raises(InputError) as e:
        open_source(tmp_path)
    assert "no `config` file" in e.value.problems[0].message
    with pytest.raises(InputError) as e:
        open_source(tmp_path / "missing")
    assert e.value.problems[0].code == "unreadable"


def test_compressed_tar_is_refused_with_advice(backup, tmp_path):
    gz = tmp_path / "backup.tar.gz"
    gz.write_bytes(gzip.compress(backup.read_bytes()))
    with pytest.raises(InputError) as e:
        open_source(gz)
    assert "uncompressed" in e.value.problems[0].hint


def test_parse_yaml_keeps_lines_and_reports_syntax_errors():
    doc = parse_yaml("a:\n  b:\n  - x\n  - y: 1\n", "f.yml")
    assert doc.line(("a", "b", 1, "y")) == 4 and doc.line(("a", "b", 0)) == 3
    with pytest.raises(InputError) as e:
        parse_yaml("a: [1,\n", "bad.yml")
    p = e.value.problems[0]
    assert p.file == "bad.yml" and p.line == 2 and p.code == "yaml-syntax"


def test_parse_yaml_keeps_the_last_of_a_repeated_key_like_halyard():
    # The build's readers refuse a repeated key (spinops.yamlio.read); migrate reads what Halyard read.
    doc = parse_yaml("a: 1\nb: {c: 2}\na: 3\n", "config")
    assert doc.data == {"a": 3, "b": {"c": 2}} and doc.line(("a",)) == 3 and doc.line(("b", "c", "x")) == 2
    assert doc.problem(("b", "c"), "m").column == 5


def test_a_halyard_home_file_linked_outside_the_home_is_refused_unread(hal, tmp_path):
    import shutil

    home = tmp_path / "hal"
    shutil.copytree(hal, home, symlinks=True)
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    canary = "canary-outside-halyard-home-7a1"
    (outside / "environ").write_text(f"TOKEN={canary}\n")
    (outside / "dir" / "key").write_text(canary)
    (home / "prod" / "profiles" / "gate-local.yml").unlink()
    (home / "prod" / "profiles" / "gate-local.yml").symlink_to(outside / "environ")  # e.g. /proc/self/environ
    with pytest.raises(InputError) as e:
        open_source(home)
    (p,) = e.value.problems
    assert p.code == "outside-root" and p.file == str(home / "prod" / "profiles" / "gate-local.yml")
    assert "outside the Halyard home" in p.message and canary not in p.text()
    (home / "prod" / "profiles" / "gate-local.yml").unlink()
    (home / "secrets-link").symlink_to(outside / "dir")  # a directory
    with pytest.raises(InputError) as e:
        open_source(home)
    assert [p.file for p in e.value.problems] == [str(home / "secrets-link")]
    (home / "secrets-link").unlink()
    (home / "inside-link").symlink_to(home / "config")  # a link that stays inside is read as before
    assert open_source(home).files["inside-link"] == (home / "config").read_bytes()
