"""`spinops schema` through the real CLI."""

from __future__ import annotations

import json

from spinops.halconfig.schema import load_schema, schema_text


def test_prints_the_schema(spinops):
    r = spinops("schema")
    assert r.returncode == 0, r.stderr
    assert r.stdout == schema_text()
    assert json.loads(r.stdout) == load_schema()
    assert spinops("schema").stdout == r.stdout  # deterministic


def test_out_writes_the_file(spinops, tmp_path):
    out = tmp_path / "sub" / "halconfig.schema.json"
    r = spinops("schema", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert out.read_text(encoding="utf-8") == schema_text()
    assert [p.name for p in out.parent.iterdir()] == ["halconfig.schema.json"]  # no temp file left


def test_out_into_an_unwritable_place_fails_cleanly(spinops, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = spinops("schema", "--out", str(blocker / "schema.json"))
    assert r.returncode == 2
    assert r.stderr.startswith(f"{blocker / 'schema.json'}: error: cannot write the schema")
    assert "Traceback" not in r.stderr
    assert blocker.read_text() == "x"
