"""spinops.affected: which environments a changed file affects (what the pre-commit hooks build)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spinops.affected import affected_envs
from spinops.layout import Repo

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "fixtures" / "reference"  # frozen copy of the reference installation


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    r = tmp_path_factory.mktemp("affected")
    for d in ("halconfig", "kustomize"):
        shutil.copytree(REFERENCE / d, r / d)
    return r


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("halconfig/env/staging.yml", ["staging"]),
        ("halconfig/env/qa.yml", []),  # no such environment
        ("halconfig/halconfig.yml", ["production", "staging"]),
        ("halconfig/secrets.yml", ["production", "staging"]),
        ("halconfig/patches/redis-connection.yml", ["production", "staging"]),
        ("kustomize/overlays/staging/resources.yml", ["staging"]),
        ("kustomize/overlays/production/spinops.yml", ["production"]),
        ("kustomize/base/kustomization.yml", ["production", "staging"]),
        ("kustomize/components/ha/kustomization.yml", ["production"]),  # only production lists the HA component
        ("kustomize/components/gate-https/kustomization.yml", []),  # no overlay uses it
        ("README.md", []),
        ("../elsewhere/halconfig/halconfig.yml", []),  # outside the repository
    ],
)
def test_affected_envs(repo, path, expected):
    assert affected_envs(repo, [path], Repo(repo).envs()) == expected


def test_absolute_paths_and_several_files_are_unioned(repo):
    files = [str(repo / "halconfig/env/staging.yml"), "kustomize/overlays/production/pdb.yml"]
    assert affected_envs(repo, files, Repo(repo).envs()) == ["production", "staging"]


def test_a_component_added_to_staging_then_affects_staging(tmp_path):
    for d in ("halconfig", "kustomize"):
        shutil.copytree(REFERENCE / d, tmp_path / d)
    k = tmp_path / "kustomize/overlays/staging/kustomization.yml"
    k.write_text(k.read_text() + "components:\n- ../../components/gate-https\n")
    assert affected_envs(tmp_path, ["kustomize/components/gate-https/kustomization.yml"], Repo(tmp_path).envs()) == [
        "staging"
    ]
