"""A content-addressed cache of `kubectl kustomize` output, in build/.cache/kustomize/ (one file per build).

kustomize is most of a build's time (~0.4 s of CPU for the reference installation, mostly its OpenAPI
schema for strategic-merge patches), and the same inputs are often built again: `spinops build` then
`nox -s check`, a second `spinops build` after an unrelated edit, `spinops diff` of a head that was built.

The key is a sha256 over everything kustomize can read for this build:
- every file (relative path and bytes) under the layer directory and under each local directory it reaches
  through `resources`, `components`, `generators`, `transformers` and `validators`, with each directory's
  path relative to the layer. kubectl kustomize's default load restrictor, LoadRestrictionsRootOnly
  (kubernetes-sigs/kustomize api/krusty/options.go MakeDefaultOptions; docs/FAQ.md "security: file 'foo' is
  not in or below 'bar'"), lets a kustomization read files only in or below its own directory, and plugins
  are off by default (same place, DisabledPluginConfig), so those directory trees hold every input;
- the kubectl binary: its real path, size, mtime, inode and device (a new kubectl version is a new file).
No caching (kustomize simply runs) when that cannot be known: a remote resource (any entry that is not a local
file or directory), a symbolic link anywhere in
those trees, `helmCharts`, `buildMetadata` (origin annotations name paths), or a kubectl that is not an ELF
executable (a wrapper script or a test double: what it runs is unknown).

An entry is written atomically and read back only when it is a regular file (not a symlink), its first line
names the key asked for and the sha256 of the rest matches; any other entry is removed and kustomize runs.
The cache keeps the newest MAX_ENTRIES entries. An entry holds what build/<env>/manifests.yaml holds, byte for
byte, in the same git-ignored build/ (the build refuses literal credentials in the halconfig; a literal an
overlay's own generator ships, which `spinops check` flags, is in both: tests/test_no_secret_leaks.py).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from spinops.atomic import write_file
from spinops.errors import InputError
from spinops.layout import kustomization_file

FORMAT = "spinops-kustomize-cache 1"
MAX_ENTRIES = 16
#: Kustomization fields whose entries may be directories with a kustomization of their own (or remote).
_DIR_FIELDS = ("resources", "components", "generators", "transformers", "validators")
_OFF_FIELDS = ("helmCharts", "helmChartInflationGenerator", "buildMetadata")


@dataclass(frozen=True)
class Outcome:
    manifests: str
    status: str  # "hit", "miss", or "off: <why>"


def _remote(entry: str) -> bool:
    return "://" in entry or entry.startswith(("github.com", "git@", "ssh:"))


class _Off(Exception):
    """This build cannot be cached; the message says why."""


def _kubectl_identity(binary: str) -> bytes:
    path = os.path.realpath(binary if os.sep in binary else (_which(binary) or binary))
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
            st = os.fstat(fh.fileno())
    except OSError as e:
        raise _Off(f"kubectl {binary!r} cannot be read ({e.strerror})") from None
    if magic != b"\x7fELF":
        raise _Off("kubectl is not an executable binary (a wrapper or a test double)")
    return f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0{st.st_dev}".encode()


def _which(name: str) -> str | None:
    import shutil  # noqa: PLC0415 start-up: shutil only for a bare kubectl name on PATH

    return shutil.which(name)


def _reached(layer: Path) -> list[Path]:
    """The layer and every local directory it reaches (resolved), in the order first reached."""
    from spinops import yamlio  # noqa: PLC0415 start-up: yaml-rs, needed only when the cache is used

    seen: list[Path] = []
    todo = [layer.resolve()]
    while todo:
        d = todo.pop(0)
        if d in seen:
            continue
        seen.append(d)
        kfile = kustomization_file(d)
        if kfile is None:
            raise _Off(f"{d} has no kustomization")
        try:
            data = yamlio.loads_fast(yamlio.read_text(kfile), str(kfile))
        except (InputError, ValueError) as e:  # yaml-rs' YAMLDecodeError is a ValueError
            raise _Off(f"{kfile} does not parse: {e}") from None
        if not isinstance(data, dict):
            raise _Off(f"{kfile} is not a mapping")
        if off := [f for f in _OFF_FIELDS if f in data]:
            raise _Off(f"{kfile} uses {off[0]}")
        for field in _DIR_FIELDS:
            for entry in data.get(field) or []:
                if not isinstance(entry, str):
                    continue  # an inline generator/transformer config: part of the file's bytes
                target = d / entry
                if _remote(entry) or not (target.is_dir() or target.is_file()):
                    # what is not here, kustomize may fetch (`gitlab.com/org/repo?ref=v1` has no scheme either)
                    raise _Off(f"{kfile} lists the remote {field} entry {entry}")
                if target.is_dir():
                    todo.append(target.resolve())
    return seen


def _hash_tree(h, root: Path, rel: str) -> None:
    h.update(f"dir\0{rel}\0".encode())
    for top, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(top, name)
            if os.path.islink(p):
                raise _Off(f"symbolic link {p}")
        for name in sorted(files):
            p = os.path.join(top, name)
            with open(p, "rb") as fh:
                data = fh.read()
            h.update(f"file\0{os.path.relpath(p, root)}\0{len(data)}\0".encode())
            h.update(data)


def key(layer: Path, binary: str) -> str:
    """The cache key of `kubectl kustomize layer` with kubectl `binary`; raises _Off when it cannot be cached."""
    h = hashlib.sha256(FORMAT.encode() + b"\0" + _kubectl_identity(binary) + b"\0")
    for d in _reached(layer):
        _hash_tree(h, d, os.path.relpath(d, layer.resolve()))
    return h.hexdigest()


def _safe_dir(cache: Path, repo: Path) -> bool:
    """The cache directory and each of its parents up to the repository are real directories (or missing)."""
    p = Path(os.path.abspath(cache))
    top = Path(os.path.abspath(repo))
    while True:
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            st = None
        if st is not None and not stat.S_ISDIR(st.st_mode):
            return False
        if p == top or p.parent == p:
            return True
        p = p.parent


def get(cache: Path, k: str) -> str | None:
    """The manifests stored under key `k`, or None (an entry that fails any check is removed)."""
    path = cache / f"{k}.yaml"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        if path.is_symlink():
            path.unlink(missing_ok=True)
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read()
    finally:
        os.close(fd)
    head, sep, body = raw.partition(b"\n")
    if sep and head == f"{FORMAT} {k} {hashlib.sha256(body).hexdigest()}".encode():
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    path.unlink(missing_ok=True)  # tampered with, truncated, or copied from another key
    return None


def put(cache: Path, k: str, manifests: str) -> None:
    body = manifests.encode("utf-8")
    write_file(cache / f"{k}.yaml", f"{FORMAT} {k} {hashlib.sha256(body).hexdigest()}\n".encode() + body)
    entries = sorted(cache.glob("*.yaml"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        old.unlink(missing_ok=True)


def kustomize(layer: Path, cache: Path | None, repo: Path, run: Callable[[], str], binary: str) -> Outcome:
    """`run()` (kubectl kustomize of `layer`) unless the cache holds its output for the same inputs."""
    if cache is None:
        return Outcome(run(), "off: no cache directory")
    if not _safe_dir(cache, repo):
        return Outcome(run(), f"off: {cache} is not a directory of the repository")
    try:
        k = key(layer, binary)
    except _Off as e:
        return Outcome(run(), f"off: {e}")
    except OSError as e:
        return Outcome(run(), f"off: {e.strerror or e}")
    try:
        found = get(cache, k)
    except OSError:
        found = None
    if found is not None:
        return Outcome(found, "hit")
    manifests = run()
    try:
        if key(layer, binary) == k:  # an input edited while kustomize ran: its output is not stored
            put(cache, k, manifests)
    except (OSError, _Off):
        pass  # a read-only checkout: the build itself succeeded
    return Outcome(manifests, "miss")
