"""Which releases an environment may move to (spinops.upgrade.versions) and the one-line edits that move it
(spinops.upgrade.edit). Expected versions are read from the catalog's release files, not copied here."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from spinops.errors import InputError
from spinops.spinnaker.catalog import UnknownRelease
from spinops.upgrade.edit import EnvRelease, drop_version, plan_edits, set_version
from spinops.upgrade.versions import Refused, check_move, newer

RELEASES = Path(__file__).resolve().parents[2] / "scripts" / "spinops" / "spinnaker" / "releases"


def catalog() -> list[str]:
    """Every release file's own `version:`, in version order."""
    versions = [yaml.safe_load(p.read_text())["version"] for p in RELEASES.glob("*.yml")]
    return sorted(versions, key=lambda v: tuple(map(int, v.split("."))))


def line(v: str) -> str:
    return v.rsplit(".", 1)[0]


def test_newer_lists_the_patches_of_the_line_then_the_next_line():
    known = catalog()
    lines = list(dict.fromkeys(line(v) for v in known))
    n = newer("1.36.1")
    assert list(n.patches) == [v for v in known if line(v) == "1.36" and int(v.split(".")[2]) > 1]
    nxt = lines[lines.index("1.36") + 1]
    assert list(n.next_line) == [v for v in known if line(v) == nxt]
    assert list(n.later_lines) == lines[lines.index(nxt) + 1:]
    assert n.newest_patch == n.patches[-1] and n.newest_minor == n.next_line[-1]


def test_the_newest_release_has_nothing_newer():
    n = newer(catalog()[-1])
    assert (n.patches, n.next_line, n.later_lines) == ((), (), ())


def test_patch_and_minor_moves_are_allowed():
    known = catalog()
    lines = list(dict.fromkeys(line(v) for v in known))
    nxt = lines[lines.index("1.36") + 1]
    assert check_move("1.36.1", "1.36.3", "staging") == "patch"
    assert check_move("1.36.1", [v for v in known if line(v) == nxt][-1], "staging") == "minor"
    assert check_move("1.36.1", "1.36.1", "staging") == "none"


def test_a_downgrade_is_refused_and_points_at_a_revert():
    with pytest.raises(Refused, match=r"staging runs 1.36.3; 1.36.1 is older: .*does not downgrade.*revert"):
        check_move("1.36.3", "1.36.1", "staging")


def test_a_skipped_minor_line_is_refused_naming_the_line_and_the_first_step():
    known = catalog()
    lines = list(dict.fromkeys(line(v) for v in known))
    skipped, target_line = lines[lines.index("1.36") + 1], lines[lines.index("1.36") + 2]
    target = [v for v in known if line(v) == target_line][0]
    first = [v for v in known if line(v) == skipped][-1]
    with pytest.raises(Refused, match=rf"skips the minor line {skipped}: .* first to {first}"):
        check_move("1.36.1", target, "production")


def test_an_unknown_release_is_the_catalogs_error_listing_the_known_ones():
    with pytest.raises(UnknownRelease, match=r"unknown Spinnaker release '1.99.0'; the catalog knows .*1\.36\.\{"):
        check_move("1.36.1", "1.99.0", "staging")


HALCONFIG = "# the reference\nversion: 1.36.1  # the release\ntimezone: UTC\n"
OVERLAY = "# yaml-language-server: $schema=x.json\n# staging's own settings\nsecurity:\n  apiSecurity: {}\n"


def test_set_version_changes_only_the_value_keeping_the_comment():
    out = set_version(HALCONFIG, "1.36.3", "halconfig/halconfig.yml")
    assert out == HALCONFIG.replace("1.36.1", "1.36.3")


def test_set_version_keeps_quotes_and_crlf():
    text = "version: '1.36.1'\r\ntimezone: UTC\r\n"
    assert set_version(text, "1.36.3", "h.yml") == "version: '1.36.3'\r\ntimezone: UTC\r\n"


def test_set_version_inserts_a_line_before_the_first_key_after_the_leading_comments():
    out = set_version(OVERLAY, "1.36.3", "halconfig/env/staging.yml")
    lines = OVERLAY.split("\n")
    assert out.split("\n") == [*lines[:2], "version: 1.36.3", *lines[2:]]


def test_set_version_on_an_empty_overlay_appends():
    assert set_version("# nothing yet\n", "1.36.3", "o.yml") == "# nothing yet\nversion: 1.36.3\n"


def test_drop_version_removes_exactly_its_line():
    assert drop_version(HALCONFIG, "h.yml") == "# the reference\ntimezone: UTC\n"


def test_a_version_written_across_lines_is_not_guessed_at():
    with pytest.raises(InputError) as e:
        set_version("version:\n  1.36.1\n", "1.36.3", "halconfig/halconfig.yml")
    p = e.value.problems[0]
    assert (p.file, p.line, p.code) == ("halconfig/halconfig.yml", 1, "upgrade-edit")


def releases(staging: str, production: str, staging_file: str = "halconfig/halconfig.yml") -> list[EnvRelease]:
    return [EnvRelease("staging", staging, staging_file, "halconfig/env/staging.yml"),
            EnvRelease("production", production, "halconfig/halconfig.yml", "halconfig/env/production.yml")]


def files(**texts: str):
    table = {"halconfig/halconfig.yml": HALCONFIG, "halconfig/env/staging.yml": OVERLAY, **texts}
    return lambda path: table.get(path, "")


def test_staging_first_writes_the_staging_overlay_only():
    edits = plan_edits(releases("1.36.1", "1.36.1"), ["staging"], "1.36.3", "halconfig/halconfig.yml", files())
    assert list(edits) == ["halconfig/env/staging.yml"]
    assert yaml.safe_load(edits["halconfig/env/staging.yml"])["version"] == "1.36.3"


def test_production_following_moves_the_base_and_drops_the_staging_override():
    staged = set_version(OVERLAY, "1.36.3", "halconfig/env/staging.yml")
    edits = plan_edits(releases("1.36.3", "1.36.1", "halconfig/env/staging.yml"), ["production"], "1.36.3",
                       "halconfig/halconfig.yml", files(**{"halconfig/env/staging.yml": staged}))
    assert edits == {"halconfig/halconfig.yml": HALCONFIG.replace("1.36.1", "1.36.3"),
                     "halconfig/env/staging.yml": OVERLAY}


def test_a_missing_overlay_is_created_with_the_version():
    edits = plan_edits(releases("1.36.1", "1.36.1"), ["production"], "1.36.3", "halconfig/halconfig.yml", files())
    assert yaml.safe_load(edits["halconfig/env/production.yml"]) == {"version": "1.36.3"}


def test_every_property_a_contract_requirement_reads_counts_as_relied_on():
    from spinops.spinnaker.contract.evaluate import requirements
    from spinops.upgrade.report import _read_by

    raw = yaml.safe_load((RELEASES.parent / "contract" / "requirements.yml").read_text())["requirements"]
    assert len(raw) == len(requirements())
    for row in raw:
        for cond in (row.get("when"), row.get("require")):
            for c in cond if isinstance(cond, list) else [cond] if cond else []:
                if "fact" in c:
                    continue
                assert (c.get("each") or c["property"]) in _read_by(cond), (row["id"], c)
