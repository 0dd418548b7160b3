"""`spinops render` through the real CLI: the 13 files, deterministic bytes, fragments == one file, overlays."""

from __future__ import annotations

from pathlib import Path

import yaml

FILES = sorted(
    [
        "clouddriver.yml",
        "echo.yml",
        "front50.yml",
        "gate.yml",
        "fiat.yml",
        "igor.yml",
        "kayenta.yml",
        "orca.yml",
        "rosco.yml",
        "settings.js",
        "deck.env",
        "spinnaker-monitoring.yml",
        "keel.yml",
    ]
)
KLEAT = Path(__file__).resolve().parents[1] / "fixtures" / "kleat" / "halconfig.yml"


def tree(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_render_writes_13_files_byte_identical_across_runs(tmp_path, spinops):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        proc = spinops("render", str(KLEAT), "--out", str(out))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == proc.stderr == ""
    assert sorted(tree(a)) == FILES
    assert tree(a) == tree(b)


def test_cli_output_is_kleats_bytes(tmp_path, spinops):
    """load + render + write through the CLI reproduce Kleat's testdata output byte for byte (10 YAML files;
    echo.yml differs only in stats.deploymentMethod, a documented deviation)."""
    out = tmp_path / "out"
    assert spinops("render", str(KLEAT), "--out", str(out)).returncode == 0
    kleat = KLEAT.parent
    for name in FILES:
        if name.endswith(".yml") and name != "echo.yml":
            assert (out / name).read_bytes() == (kleat / name).read_bytes(), name
    ours, theirs = yaml.safe_load((out / "echo.yml").read_text()), yaml.safe_load((kleat / "echo.yml").read_text())
    assert ours["stats"].pop("deploymentMethod")["type"] == "spinops"
    theirs["stats"].pop("deploymentMethod")
    assert ours == theirs


def test_render_keeps_other_files_and_replaces_its_own(tmp_path, spinops):
    out = tmp_path / "out"
    out.mkdir()
    (out / "README").write_text("mine\n")
    (out / "echo.yml").write_text("stale\n")
    assert spinops("render", str(KLEAT), "--out", str(out)).returncode == 0
    assert sorted(tree(out)) == sorted([*FILES, "README"])
    assert (out / "README").read_text() == "mine\n"
    assert (out / "echo.yml").read_text() != "stale\n"


def test_fragments_render_exactly_like_the_single_file(tmp_path, spinops):
    """Kleat's testdata split into one fragment per top-level section renders to the same bytes."""
    data = yaml.safe_load(KLEAT.read_text())
    frag = tmp_path / "halconfig"
    frag.mkdir()
    for i, (section, value) in enumerate(sorted(data.items())):
        (frag / f"{i:02d}-{section}.yml").write_text(yaml.safe_dump({section: value}, sort_keys=False))
    (frag / "secrets.yml").write_text("secrets: {}\n")
    single, split = tmp_path / "single", tmp_path / "split"
    assert spinops("render", str(KLEAT), "--out", str(single)).returncode == 0
    proc = spinops("render", str(frag), "--out", str(split))
    assert proc.returncode == 0, proc.stderr
    assert tree(single) == tree(split)


def test_env_overlay(tmp_path, spinops):
    d = tmp_path / "halconfig"
    (d / "env").mkdir(parents=True)
    (d / "halconfig.yml").write_text("version: 1.30.0\ntimezone: UTC\n")
    (d / "env" / "staging.yml").write_text("version: 1.31.0\ntimezone: null\n")
    base, staging = tmp_path / "base", tmp_path / "staging"
    assert spinops("render", str(d), "--out", str(base)).returncode == 0
    assert spinops("render", str(d), "--out", str(staging), "--env", "staging").returncode == 0
    echo_base = yaml.safe_load((base / "echo.yml").read_text())
    echo_staging = yaml.safe_load((staging / "echo.yml").read_text())
    assert echo_base["stats"]["spinnakerVersion"] == "1.30.0"
    assert echo_base["scheduler"] == {"cron": {"timezone": "UTC"}}
    assert echo_staging["stats"]["spinnakerVersion"] == "1.31.0"
    assert "scheduler" not in echo_staging  # the overlay's null deleted the timezone


def test_out_is_a_file(tmp_path, spinops):
    f = tmp_path / "out"
    f.write_text("x")
    proc = spinops("render", str(KLEAT), "--out", str(f))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"{f}: error: --out exists and is not a directory"
    assert f.read_text() == "x"


def test_a_new_out_directory_is_shared_like_a_build_directory(tmp_path, spinops):
    """`render --out NEW` used to swap in mkdtemp's 0700 directory; the one staged-directory writer
    (spinops.atomic.StagedDir, also build/<env>/) leaves directories 0755 and files 0644."""
    import stat

    out = tmp_path / "new" / "out"
    proc = spinops("render", str(KLEAT), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o644}


def test_a_line_break_for_deck_env_is_located_in_the_halconfig(tmp_path, spinops):
    """deck.env has no quoting, so a value with a line break cannot be written (issue 18: the error names
    file:line:col of the value, exit 2, nothing written)."""
    hal = tmp_path / "halconfig.yml"
    hal.write_text('security:\n  uiSecurity:\n    ssl:\n      enabled: true\n      sslCertificateFile: /c\n'
                   '      sslCertificatePassphrase: "one\\nEVIL=two"\n')
    out = tmp_path / "out"
    proc = spinops("render", str(hal), "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"{hal}:6:33: error: security.uiSecurity.ssl.sslCertificatePassphrase: a line break "
                                  "cannot be written to deck.env (PASSPHRASE)"), proc.stderr
    assert "Traceback" not in proc.stderr and "EVIL" not in proc.stderr and not out.exists()
