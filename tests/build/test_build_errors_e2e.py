"""Bad input through the real CLI: `spinops build --env production` on a broken copy of the repository.

Every case must print `file:line:col: error: ...` naming the file the user edits and what was expected,
exit 2, show no traceback, and leave the previous build/production exactly as it was (no stage left over).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from spinops_testlib import REFERENCE, run_spinops

pytestmark = pytest.mark.slow


def tree_digest(d: Path) -> dict[str, str]:
    return {
        str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The reference installation, built once (each case copies it, build/ included)."""
    repo = tmp_path_factory.mktemp("built")
    for d in ("halconfig", "kustomize"):
        shutil.copytree(REFERENCE / d, repo / d)
    r = run_spinops("build", "--env", "production", "--repo", str(repo))
    assert r.returncode == 0, r.stderr
    return repo


@pytest.fixture
def repo(built, tmp_path) -> Path:
    dest = tmp_path / "repo"
    shutil.copytree(built, dest)
    return dest


def append(rel: str, text: str):
    def mutate(repo: Path) -> None:
        with open(repo / rel, "a", encoding="utf-8") as fh:
            fh.write(text)

    return mutate


def replace(rel: str, old: str, new: str):
    def mutate(repo: Path) -> None:
        p = repo / rel
        text = p.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        p.write_text(text.replace(old, new, 1), encoding="utf-8")

    return mutate


def write(rel: str, data: str | bytes):
    def mutate(repo: Path) -> None:
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())

    return mutate


def remove(rel: str):
    def mutate(repo: Path) -> None:
        p = repo / rel
        shutil.rmtree(p) if p.is_dir() else p.unlink()

    return mutate


def line_of(repo: Path, rel: str, start: str) -> int:
    """1-based line of the first line of `rel` that starts with `start` (read before the mutation)."""
    lines = (repo / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(start))


def end_of(repo: Path, rel: str) -> int:
    """How many lines `rel` has (before the mutation): appended text starts on the next one."""
    return len((repo / rel).read_text(encoding="utf-8").splitlines())


OVERLAY = "kustomize/overlays/production"
KUSTOMIZATION = f"{OVERLAY}/kustomization.yml"

CASES = {
    # halconfig
    "typo in halconfig.yml": (
        replace("halconfig/halconfig.yml", "\ntimezone:", "\ntimezoen:"),
        lambda r: (
            f"halconfig/halconfig.yml:{line_of(r, 'halconfig/halconfig.yml', 'timezone:')}:1: error: unknown "
            "top-level key: `timezoen`"
        ),
        "did you mean `timezone`?",
    ),
    "typo deep in a list item": (
        replace("halconfig/halconfig.yml", "      cacheThreads: 1\n", "      cacheThread: 1\n"),
        lambda r: (
            f"halconfig/halconfig.yml:{line_of(r, 'halconfig/halconfig.yml', '      cacheThreads: 1')}:7: error: "
            "unknown key in `providers.kubernetes.accounts[0]`: `cacheThread`"
        ),
        "did you mean `cacheThreads`?",
    ),
    # patches
    "malformed patch file": (
        write("halconfig/patches/zz-bad.yml", "kind: merge\ntarget: echo.yml\npatch: [1\n"),
        "halconfig/patches/zz-bad.yml:4:1: error: malformed YAML",
        "',' or ']'",
    ),
    "patch aimed at no file": (
        write("halconfig/patches/zz-bad.yml", "kind: jq\ntarget: nosuch.yml\npatch: .a\n"),
        "halconfig/patches/zz-bad.yml:2:1: error: target 'nosuch.yml' matches no file",
        "clouddriver.yml",
    ),
    # environment overlay of the halconfig
    "unknown key in the env overlay": (
        append("halconfig/env/production.yml", "providers:\n  kubernetes:\n    enabld: true\n"),
        lambda r: (
            f"halconfig/env/production.yml:{end_of(r, 'halconfig/env/production.yml') + 3}:5: error: unknown key in "
            "`providers.kubernetes`: `enabld`"
        ),
        "did you mean `enabled`?",
    ),
    "malformed env overlay": (
        append("halconfig/env/production.yml", "foo: [\n"),
        lambda r: f"halconfig/env/production.yml:{end_of(r, 'halconfig/env/production.yml') + 1}:6: error:",
        "unclosed bracket",
    ),
    # kustomize overlay: checked before kustomize, which reports these without a position
    "malformed kustomization": (
        append(KUSTOMIZATION, "replicas: [a, b\nfoo: 1\n"),
        lambda r: (
            f"{KUSTOMIZATION}:{end_of(r, KUSTOMIZATION) + 2}:4: error: malformed YAML: did not find expected ',' or ']'"
        ),
        "while parsing a flow sequence that starts at line",
    ),
    "malformed patch in the overlay": (
        append(f"{OVERLAY}/fiat-resources.yml", "spec: {template: [\n"),
        lambda r: (
            f"{OVERLAY}/fiat-resources.yml:{end_of(r, f'{OVERLAY}/fiat-resources.yml') + 2}:1: error: malformed YAML"
        ),
        "did not find expected node content",
    ),
    "malformed resource in the base": (
        append("kustomize/base/gate/deployment.yml", "kind: [\n"),
        "kustomize/base/gate/deployment.yml:",
        "malformed YAML",
    ),
    "file listed in the overlay is missing": (
        remove(f"{OVERLAY}/pdb.yml"),
        lambda r: (
            f"{KUSTOMIZATION}:{line_of(r, KUSTOMIZATION, '- pdb.yml')}:3: error: resources entry 'pdb.yml' does not "
            "exist"
        ),
        "a file, or a directory with a kustomization",
    ),
    "binary file in the overlay": (
        write(f"{OVERLAY}/pdb.yml", bytes(range(128, 256))),
        f"{OVERLAY}/pdb.yml:1:1: error: binary file: not valid UTF-8 text",
        "",
    ),
    "resources is not a list": (
        replace(KUSTOMIZATION, "\nresources:\n", "\nresources: ../../base\nunused:\n"),
        lambda r: f"{KUSTOMIZATION}:{line_of(r, KUSTOMIZATION, 'resources:')}:12: error: `resources` must be a list",
        "followed by `- ...` items",
    ),
    # halconfig/ directories that are files: their content would be skipped without a word
    "patches is a file": (
        lambda repo: (remove("halconfig/patches")(repo), write("halconfig/patches", "kind: merge\n")(repo)),
        "halconfig/patches: error: expected a directory of patch files",
        "",
    ),
    "profiles is a file": (
        lambda repo: (remove("halconfig/profiles")(repo), write("halconfig/profiles", "a: 1\n")(repo)),
        "halconfig/profiles: error: expected a directory of profile files",
        "",
    ),
    "malformed secrets.yml": (
        write("halconfig/secrets.yml", "secrets:\n  x: [\n"),
        "halconfig/secrets.yml:3:1: error: malformed YAML",
        "",
    ),
    # what only kustomize knows: its own message, attributed to the overlay, paths relative to the repo
    "patch kustomize cannot apply": (
        append(
            KUSTOMIZATION,
            '- target: {kind: Deployment, name: gate}\n  patch: \'[{"op": "replace", "path": "/spec/nothere/x", '
            '"value": 1}]\'\n',
        ),
        f"{KUSTOMIZATION}: error: kustomize failed:",
        "doc is missing path: /spec/nothere/x",
    ),
    # the environment itself
    "missing overlay": (
        remove(OVERLAY),
        "kustomize/overlays: error: unknown environment 'production': there is no "
        "kustomize/overlays/production/kustomization.yml",
        "available environments: staging",
    ),
}


def test_a_directory_that_is_no_repository(tmp_path):
    r = run_spinops("build", "--env", "production", "--repo", str(tmp_path))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(
        f"kustomize/overlays: error: {tmp_path} has no kustomize/overlays/: not a spinops repository"
    )
    assert "pass --repo DIR" in r.stderr and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_located_and_leaves_the_build_alone(repo, case):
    mutate, located, words = CASES[case]
    if callable(located):  # positions computed from the files as they are, so edits to them do not break the case
        located = located(repo)
    before = tree_digest(repo / "build")
    mutate(repo)
    r = run_spinops("build", "--env", "production", "--repo", str(repo))
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    first = r.stderr.splitlines()[0]
    assert first.startswith(located), r.stderr
    assert words in r.stderr
    assert str(repo) not in r.stderr  # names are relative to the repository
    assert tree_digest(repo / "build") == before
    # the good build's output and its kustomize cache entry (spinops.kustomize_cache), nothing else
    assert sorted(p.name for p in (repo / "build").iterdir()) == [".cache", "production"]


def test_every_broken_overlay_file_is_reported_in_one_run(repo):
    append(f"{OVERLAY}/fiat-resources.yml", "spec: {template: [\n")(repo)
    append(f"{OVERLAY}/redis.yml", "metadata: [\n")(repo)
    remove(f"{OVERLAY}/pdb.yml")(repo)
    r = run_spinops("build", "--env", "production", "--repo", str(repo), "--format", "json")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    files = {p["file"] for p in json.loads(r.stdout)["problems"]}
    assert files == {f"{OVERLAY}/fiat-resources.yml", f"{OVERLAY}/redis.yml", KUSTOMIZATION}


OUTSIDE_CANARY = "canary-outside-kustomize-5eed"


def _link_outside(rel: str, *, directory: bool = False):
    """Replace (or add) `rel` with a symlink to a file or directory outside the repository."""

    def mutate(repo: Path) -> None:
        outside = repo.parent / "outside"
        (outside / "sub").mkdir(parents=True, exist_ok=True)
        body = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\ndata:\n  environ: {OUTSIDE_CANARY}\n"
        (outside / "leak.yml").write_text(body)
        (outside / "sub" / "leak.yml").write_text(body)
        target = repo / rel
        if target.exists():
            target.unlink()
        target.symlink_to(outside / "sub" if directory else outside / "leak.yml")

    return mutate


@pytest.mark.parametrize("rel,directory", [
    (f"{OVERLAY}/pdb.yml", False),  # a listed overlay file
    ("kustomize/base/echo/deployment.yml", False),  # a file of the base
    (f"{OVERLAY}/extra", True),  # a directory, listed or not
])
def test_a_kustomize_file_linked_outside_the_repository_is_refused_before_kustomize(repo, rel, directory):
    before = tree_digest(repo / "build")
    _link_outside(rel, directory=directory)(repo)
    r = run_spinops("build", "--env", "production", "--repo", str(repo))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"{rel}: error: resolves outside the repository"), r.stderr
    assert OUTSIDE_CANARY not in r.stderr + r.stdout and "Traceback" not in r.stderr and str(repo) not in r.stderr
    assert "kustomize failed" not in r.stderr  # refused before kustomize ran
    assert tree_digest(repo / "build") == before
