"""The kustomize cache (spinops.kustomize_cache): a build of the same inputs with the same kubectl reuses
kustomize's output byte for byte; any change of an input or of kubectl runs kustomize again; an entry that was
tampered with, a symlink or an entry of another key is never served. Real builds of a copy of the frozen
reference installation with the pinned kubectl."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from spinops import kustomize_cache as kc
from spinops import tools
from spinops.build import build_env

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "reference"
ENV = "production"


@pytest.fixture
def repo(tmp_path):
    for d in ("halconfig", "kustomize"):
        shutil.copytree(REFERENCE / d, tmp_path / "repo" / d)
    return tmp_path / "repo"


@pytest.fixture
def use_kubectl(monkeypatch):
    """Point SPINOPS_KUBECTL at `path` for the builds that follow (tools.kubectl() is cached per process)."""

    def use(path: Path | None) -> None:
        if path is None:
            monkeypatch.delenv("SPINOPS_KUBECTL", raising=False)
        else:
            monkeypatch.setenv("SPINOPS_KUBECTL", str(path))
        tools.kubectl.cache_clear()

    yield use
    tools.kubectl.cache_clear()


def _build(repo: Path) -> tuple[str, str]:
    res = build_env(repo, ENV)
    return res.kustomize_cache, res.manifests


def _entries(repo: Path) -> list[Path]:
    return sorted((repo / "build" / ".cache" / "kustomize").glob("*.yaml"))


def test_same_inputs_hit_and_give_the_same_bytes(repo):
    status, first = _build(repo)
    assert status == "miss" and len(_entries(repo)) == 1
    status, again = _build(repo)
    assert status == "hit" and again == first
    assert (repo / "build" / ENV / "manifests.yaml").read_text() == first


def test_any_input_change_runs_kustomize_again(repo):
    _build(repo)
    overlay = repo / "kustomize" / "overlays" / ENV
    fiat = overlay / "fiat-resources.yml"
    fiat.write_text(fiat.read_text().replace('cpu: "2"', 'cpu: "3"', 1))
    status, manifests = _build(repo)
    assert status == "miss" and 'cpu: "3"' in manifests
    (repo / "kustomize" / "base" / "NOTES.md").write_text("a file kustomize could read changes the key\n")
    assert _build(repo)[0] == "miss"
    ha = next(p for p in sorted((repo / "kustomize" / "components" / "ha").rglob("*.yml")))
    ha.write_text(ha.read_text() + "\n")
    assert _build(repo)[0] == "miss"
    hal = repo / "halconfig" / "halconfig.yml"
    hal.write_text(hal.read_text().replace("timezone:", "# a comment the layer does not show\ntimezone:", 1))
    assert _build(repo)[0] == "hit"  # the same layer: what kustomize reads did not change
    hal.write_text(hal.read_text().replace("timezone: ", "timezone: Europe/Paris\n_x: ", 1).replace("_x: ", "#", 1))
    status, manifests = _build(repo)
    assert status == "miss" and "Europe/Paris" in manifests
    assert _build(repo)[0] == "hit"


def test_an_overlay_this_build_does_not_read_keeps_the_entry(repo):
    _build(repo)
    other = repo / "kustomize" / "overlays" / "staging" / "kustomization.yml"
    other.write_text(other.read_text() + "# staging only\n")
    assert _build(repo)[0] == "hit"


def test_another_kubectl_binary_runs_kustomize_again(repo, tmp_path, use_kubectl):
    _, first = _build(repo)
    pinned = Path(tools.kubectl())
    copy = tmp_path / "bin" / "kubectl"
    copy.parent.mkdir()
    shutil.copy2(pinned, copy)
    use_kubectl(copy)
    status, manifests = _build(repo)
    assert status == "miss" and manifests == first  # same version, another file: not trusted to be the same
    assert _build(repo)[0] == "hit"
    replaced = tmp_path / "bin" / "kubectl.new"
    shutil.copy2(pinned, replaced)
    os.replace(replaced, copy)  # an upgrade in place: a new file under the same name
    assert _build(repo)[0] == "miss"


def test_a_kubectl_of_another_version_runs_kustomize_again(repo, use_kubectl):
    _build(repo)
    pinned = os.path.realpath(tools.kubectl())
    found = (shutil.which("kubectl", path=d) for d in os.environ.get("PATH", "").split(os.pathsep) if d)
    other = next((k for k in found if k and os.path.realpath(k) != pinned), None)
    if other is None:
        pytest.skip("no second kubectl on this machine (the gcloud SDK's is on PATH where the tests run)")
    use_kubectl(Path(other))
    assert _build(repo)[0] == "miss"


def test_a_wrapper_script_is_never_cached(repo, tmp_path, use_kubectl):
    wrapper = tmp_path / "kubectl"
    wrapper.write_text(f"#!/bin/sh\nexec {tools.kubectl()} \"$@\"\n")
    wrapper.chmod(0o755)
    use_kubectl(wrapper)
    assert _build(repo)[0] == "off: kubectl is not an executable binary (a wrapper or a test double)"
    assert _build(repo)[0].startswith("off:") and not _entries(repo)


def test_a_tampered_entry_is_never_served(repo):
    _, first = _build(repo)
    [entry] = _entries(repo)
    head, body = entry.read_text().split("\n", 1)
    entry.write_text(head + "\n" + body.replace("replicas: 2", "replicas: 20"))
    status, manifests = _build(repo)
    assert status == "miss" and manifests == first and "replicas: 20" not in manifests
    assert _build(repo)[0] == "hit"  # the entry was written again, whole


def test_an_entry_under_another_key_is_never_served(repo):
    _build(repo)
    [entry] = _entries(repo)
    fiat = repo / "kustomize" / "overlays" / ENV / "fiat-resources.yml"
    fiat.write_text(fiat.read_text().replace('cpu: "2"', 'cpu: "3"', 1))
    _build(repo)
    [new] = [p for p in _entries(repo) if p != entry]
    shutil.copy(entry, new)  # the old output filed under the new inputs' key
    status, manifests = _build(repo)
    assert status == "miss" and 'cpu: "3"' in manifests


def test_a_symlinked_entry_is_not_followed(repo, tmp_path):
    _, first = _build(repo)
    [entry] = _entries(repo)
    elsewhere = tmp_path / "planted.yaml"
    shutil.copy(entry, elsewhere)  # a valid entry, but outside the cache
    entry.unlink()
    entry.symlink_to(elsewhere)
    status, manifests = _build(repo)
    assert status == "miss" and manifests == first
    assert not entry.is_symlink()


def test_a_cache_directory_that_is_a_symlink_is_not_used(repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "build").mkdir()
    (repo / "build" / ".cache").symlink_to(outside)
    status, _ = _build(repo)
    assert status.startswith("off: ") and "not a directory of the repository" in status
    assert not any(outside.rglob("*"))


@pytest.mark.parametrize(
    ("add", "why"),
    [
        ("resources:\n- https://example.com/x.yaml\n", "lists the remote resources entry"),
        ("components:\n- gitlab.com/acme/k8s//ha?ref=v1\n", "lists the remote components entry"),
        ("buildMetadata: [originAnnotations]\n", "uses buildMetadata"),
        ("helmCharts:\n- name: x\n", "uses helmCharts"),
    ],
)
def test_what_cannot_be_known_is_not_cached(repo, tmp_path, add, why):
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "kustomization.yml").write_text(add)
    with pytest.raises(kc._Off, match=why):
        kc.key(layer, tools.kubectl())


def test_a_symlink_in_what_kustomize_reads_is_not_cached(repo):
    (repo / "kustomize" / "base" / "link.yml").symlink_to(repo / "halconfig" / "halconfig.yml")
    with pytest.raises(kc._Off, match="symbolic link"):
        kc.key(repo / "kustomize" / "overlays" / ENV, tools.kubectl())


def test_an_input_edited_while_kustomize_runs_is_not_stored(repo, tmp_path):
    overlay = repo / "kustomize" / "overlays" / ENV
    cache = repo / "build" / ".cache" / "kustomize"

    def run() -> str:
        (overlay / "pdb.yml").write_text((overlay / "pdb.yml").read_text() + "\n")
        return "kind: ConfigMap\n"

    out = kc.kustomize(overlay, cache, repo, run, tools.kubectl())
    assert out.status == "miss" and not list(cache.glob("*.yaml"))
