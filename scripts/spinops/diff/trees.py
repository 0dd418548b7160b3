"""The I/O edge of `spinops diff --base`: check out REF in a temporary git worktree, build both trees.

Both builds write into temporary directories (never `build/`); the worktree is removed afterwards,
also when a build fails. A failed build is bad input (exit 2) and says which side failed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from spinops.credentials import load_secrets
from spinops.errors import InputError, Problem, SpinopsError
from spinops.halconfig.load import load_halconfig
from spinops.layout import Repo


@dataclass
class Tree:
    """One built side of the comparison."""

    label: str  # `main (1a2b3c4)` / `working tree`
    root: Path
    manifests: str
    wiring: dict = field(default_factory=dict)
    hal: dict | None = None  # canonical halconfig (Hal.data), for the impact analysis
    secrets: dict = field(default_factory=dict)  # Secret name -> {source, env, files}


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=check)


def repo_root(path: Path) -> Path:
    try:
        p = _git(path, "rev-parse", "--show-toplevel", check=False)
    except FileNotFoundError:
        raise InputError("git not found on PATH: spinops diff --base needs git") from None
    if p.returncode != 0:
        raise InputError(
            Problem(
                f"not a git repository: {path}",
                file=str(path),
                hint="run spinops diff --base inside the repository (or pass --repo)",
            )
        )
    return Path(p.stdout.strip())


def resolve_ref(repo: Path, ref: str) -> str:
    p = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if p.returncode != 0 or not p.stdout.strip():
        raise InputError(
            Problem(
                f"unknown git ref: {ref!r} in {repo}",
                hint="fetch it first (e.g. `git fetch origin main` and --base origin/main; actions/checkout needs "
                     "fetch-depth: 0)",
            )
        )
    return p.stdout.strip()


def is_ancestor(repo: Path, commit: str, of: str) -> bool:
    """Whether `commit` is in the history of `of` (git merge-base --is-ancestor)."""
    return _git(repo, "merge-base", "--is-ancestor", commit, of, check=False).returncode == 0


def head_label(repo: Path) -> str:
    """`HEAD@1a2b3c4` for a clean checkout (what CI builds), else `working tree (HEAD@1a2b3c4 + changes)`."""
    p = _git(repo, "rev-parse", "--short=7", "HEAD", check=False)
    if p.returncode != 0:
        return "working tree"
    sha = p.stdout.strip()
    dirty = _git(repo, "status", "--porcelain", "--untracked-files=normal", "--", ".", check=False).stdout.strip()
    return f"working tree (HEAD@{sha} + changes)" if dirty else f"HEAD@{sha}"


_WORKTREE_PREFIX = "spinops-diff-base-"


def _remove_stale_worktrees(repo: Path) -> None:
    """Worktrees an interrupted diff left registered: ours (temp dir prefix) whose process is gone
    (its directory holds no `.pid` of a live process), removed with their directories."""
    listed = _git(repo, "worktree", "list", "--porcelain", check=False).stdout
    for line in listed.splitlines():
        if not line.startswith("worktree "):
            continue
        wt = Path(line[len("worktree "):])
        if not wt.parent.name.startswith(_WORKTREE_PREFIX) or _alive(wt.parent / ".pid"):
            continue
        _git(repo, "worktree", "remove", "--force", str(wt), check=False)
        shutil.rmtree(wt.parent, ignore_errors=True)
    _git(repo, "worktree", "prune", check=False)


def _alive(pidfile: Path) -> bool:
    try:
        os.kill(int(pidfile.read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


@contextmanager
def worktree(repo: Path, commit: str) -> Iterator[Path]:
    """A detached worktree of `commit` in a temp dir, removed (and pruned) afterwards."""
    _remove_stale_worktrees(repo)
    tmp = Path(tempfile.mkdtemp(prefix=_WORKTREE_PREFIX))
    wt = tmp / "tree"
    (tmp / ".pid").write_text(str(os.getpid()))
    p = _git(repo, "worktree", "add", "--detach", "--quiet", str(wt), commit, check=False)
    if p.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError(Problem(f"git worktree add failed: {p.stderr.strip()}", file=str(repo)))
    try:
        yield wt
    finally:
        _git(repo, "worktree", "remove", "--force", str(wt), check=False)
        shutil.rmtree(tmp, ignore_errors=True)
        _git(repo, "worktree", "prune", check=False)


def build_tree(root: Path, env: str, label: str, side: str) -> Tree:
    """Build `root` for `env` into a temp dir; errors name the side (`base`/`head`)."""
    from spinops.build import build_env  # noqa: PLC0415 start-up: PyYAML, via spinops.build

    out = Path(tempfile.mkdtemp(prefix=f"spinops-diff-{side}-"))
    try:
        try:
            # no kustomize cache: diff leaves build/ alone, and its temporary layouts never repeat
            res = build_env(root, env, out=out / env, cache=False)
        except SpinopsError as e:
            raise type(e)([_on_side(p, side, label, root) for p in e.problems]) from None
        tree = Tree(label=label, root=root, manifests=res.manifests, wiring=dict(res.wiring))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    tree.hal, tree.secrets = _halconfig(root, env), _secrets(root)
    return tree


def _on_side(p: Problem, side: str, label: str, root: Path) -> Problem:
    file = p.file
    if file:
        with suppress(ValueError):
            file = str(Path(file).resolve().relative_to(root.resolve()))
        if side == "base":
            file = f"{label}:{file}"
    return Problem(
        f"cannot build the {side} side, {label}: {p.message}",
        file=file,
        line=p.line,
        column=p.column,
        hint=p.hint,
        severity=p.severity,
        code=p.code,
    )


def _halconfig(root: Path, env: str) -> dict | None:
    """The canonical halconfig of a tree (None when the tree has none)."""
    path = Repo(root).halconfig
    if not path.exists():
        return None
    return load_halconfig(path, env).data


def _secrets(root: Path) -> dict:
    """{Secret name: {source, env, files}} of halconfig/secrets.yml (spinops.credentials); {} without one."""
    return load_secrets(root).as_dict()
