"""Calendar releases (2025.0.0 on) through build and check: images tagged with the version itself, from
ghcr.io/spinnaker since 2026.1.0, and the rules that read release tags."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from spinops.check.rules.runtime_contract import _defaults
from spinops.spinnaker.catalog import REGISTRY, Catalog, release
from spinops.spinnaker.images import pin_reports, release_images
from spinops_testlib import REFERENCE, run_spinops


@pytest.fixture
def repo(tmp_path):
    shutil.copytree(REFERENCE, tmp_path / "repo")
    return tmp_path / "repo"


def test_a_calendar_release_builds_from_its_registry_and_checks_clean(repo):
    hal = repo / "halconfig" / "halconfig.yml"
    hal.write_text(hal.read_text(encoding="utf-8").replace("version: 1.36.1", "version: 2026.2.3"), encoding="utf-8")
    r = run_spinops("build", "--env", "staging", "--repo", str(repo))
    assert r.returncode == 0, r.stderr
    layer = yaml.safe_load((repo / "build" / "staging" / "kustomization.yml").read_text(encoding="utf-8"))
    assert {"name": f"{REGISTRY}/echo", "newName": "ghcr.io/spinnaker/echo", "newTag": "2026.2.3"} in layer["images"]
    manifests = (repo / "build" / "staging" / "manifests.yaml").read_text(encoding="utf-8")
    assert "image: ghcr.io/spinnaker/echo:2026.2.3" in manifests and "spinnaker-community" not in manifests
    r = run_spinops("check", "--env", "staging", "--repo", str(repo), "--format", "json")
    findings = json.loads(r.stdout)["findings"]
    assert r.returncode == 0 and not [f for f in findings if f["severity"] == "error"], findings


def test_the_overlay_pinning_exactly_the_releases_image_is_not_reported():
    rel = release("2026.1.0")
    pins = {f"{REGISTRY}/echo": ("k.yml", 3, 3, {"newName": "ghcr.io/spinnaker/echo", "newTag": "2026.1.0"}),
            f"{REGISTRY}/orca": ("k.yml", 6, 3, {"newTag": "2026.1.0"})}  # the tag, but from the old registry
    runs = {"echo": True, "orca": True, "gate": True}
    images, errors = release_images(rel, runs, pins)
    assert images == {f"{REGISTRY}/gate": {"newName": "ghcr.io/spinnaker/gate", "newTag": "2026.1.0"}} and not errors
    problems = pin_reports(rel, runs, pins)  # what `spinops check` reports (rule image-pins)
    assert [(p.code, p.line) for p in problems] == [("image-pinned", 6)]
    assert "release 2026.1.0 would run ghcr.io/spinnaker/orca:2026.1.0" in problems[0].message


def test_image_pins_wants_the_calendar_image():
    rel, runs = release("2026.2.3"), {"echo": True}
    exact = {f"{REGISTRY}/echo": ("k.yml", 5, 3, {"newName": "ghcr.io/spinnaker/echo", "newTag": "2026.2.3"})}
    assert pin_reports(rel, runs, exact) == []
    [problem] = pin_reports(rel, runs, {f"{REGISTRY}/echo": ("k.yml", 5, 3, {"newTag": "spinnaker-2026.2.3"})})
    assert "release 2026.2.3 would run ghcr.io/spinnaker/echo:2026.2.3" in problem.message


def test_the_runtime_contract_finds_a_calendar_images_defaults():
    defaults, known = _defaults({"image": "ghcr.io/spinnaker/echo:2026.2.3"}, "echo", Catalog.package())
    assert known and defaults == release("2026.2.3").defaults["echo"]
    assert _defaults({"image": "ghcr.io/spinnaker/echo:2026.9.9"}, "echo", Catalog.package()) == (None, False)


def test_migrate_takes_a_calendar_version_and_names_the_catalogs_releases():
    from spinops.errors import InputError
    from spinops.migrate.halyard import release_version

    assert release_version({"version": "2026.2.3"}).data["version"] == "2026.2.3"
    assert release_version({"version": "local:2025.0.1"}).data["version"] == "2025.0.1"
    with pytest.raises(InputError) as e:
        release_version({"version": "2.38.0"})
    assert "Armory 2.38.0 was built on open-source Spinnaker 1.38" in e.value.problems[0].message
    assert e.value.problems[0].hint.endswith("the release catalog knows 1.30.0 .. 2026.2.3 (`spinops catalog list`)")


def test_the_diff_names_an_upgrade_to_a_calendar_release():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "diff"))
    from diff_helpers import deployment

    from spinops.diff import compare

    services = ("gate", "orca", "fiat")
    old = [deployment(s, image=f"{REGISTRY}/{s}:spinnaker-1.38.0") for s in services]
    new = [deployment(s, image=f"ghcr.io/spinnaker/{s}:2026.2.3") for s in services]
    assert compare(old, new).release_change() == ("1.38.0", "2026.2.3")
    odd = [deployment(s, image=f"ghcr.io/spinnaker/{s}:main-latest") for s in services]
    assert compare(old, odd).release_change() is None
