"""A release a team added with `spinops catalog add` (halconfig/releases/, docs/catalog.md) is a release for the
check rules that read the catalog too, as it is for build: they read it through `Context.catalog`."""

from __future__ import annotations

from pathlib import Path

from spinops.check.rules import Context, catalog_image_tags
from spinops_testlib import ROOT

RELEASES = ROOT / "scripts" / "spinops" / "spinnaker" / "releases"


def _team_release(repo: Path) -> str:
    """Write a 1.36 patch the package lacks into the repo's halconfig/releases/ (a copy of the newest one)."""
    key = lambda v: tuple(map(int, v.split(".")))  # noqa: E731
    newest = max((p.stem for p in RELEASES.glob("1.36.*.yml")), key=key)
    team = f"1.36.{int(newest.split('.')[2]) + 1}"
    assert not (RELEASES / f"{team}.yml").exists()
    (repo / "halconfig" / "releases").mkdir(parents=True)
    (repo / "halconfig" / "releases" / f"{team}.yml").write_text((RELEASES / f"{newest}.yml").read_text()
                                                                  .replace(newest, team))
    return team


def _deployment(name: str, tag: str) -> dict:
    image = f"us-docker.pkg.dev/spinnaker-community/docker/{name}:{tag}"
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"template": {"spec": {"containers": [{"name": name, "image": image}]}}}}


def test_a_team_release_tag_is_a_real_tag_in_its_repository(tmp_path):
    team = _team_release(tmp_path)
    gate = _deployment("gate", f"spinnaker-{team}")
    assert list(catalog_image_tags.check(gate, Context(resources=[gate], repo=tmp_path))) == []
    # without the team's directory the same tag is unknown: the rule still refuses it
    [hit] = catalog_image_tags.check(gate, Context(resources=[gate], repo=tmp_path / "elsewhere"))
    assert "not a release the catalog knows" in hit.message

