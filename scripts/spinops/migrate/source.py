"""Read a Halyard installation: a `~/.hal` directory or an uncompressed `hal backup create` tar.

Both become the same thing: a map of paths relative to the Halyard home (`config`,
`prod/profiles/gate-local.yml`, ...) to bytes, read once. The tar's entry names start with `/`
(Halyard writes `/config`, `/prod/profiles/...`); `service-logs` directories are skipped like Halyard
skips them. Nothing is extracted to disk, so a hostile entry name (`/../x`) cannot escape; in a
directory, a symlink that resolves outside the home is refused, never read.

File paths written in the halconfig resolve against SOURCE (`resolve_file`):
- relative paths (what `hal backup create` writes) and `{%halconfig-dir%}/...` (older backups);
- absolute paths inside a Halyard home (`/home/spinnaker/.hal/secrets/x` -> `secrets/x`);
- for a directory SOURCE, any other absolute path that exists on this machine (migrate is often run
  on the Halyard host, where `~/.kube/config` is real).
"""

from __future__ import annotations

import posixpath
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from spinops import yamlio
from spinops.errors import InputError, Problem
from spinops.yamlio import Located

MAX_FILE = 16 * 1024 * 1024  # a halconfig directory holds configs and keys, never anything this big
#: Nodes a Halyard file may expand to (thousands of accounts fit; an alias bomb stops here).
MAX_NODES = 1_000_000
SKIPPED_DIRS = ("service-logs", ".cache")
HALCONFIG_DIR_PLACEHOLDER = "{%halconfig-dir%}"


@dataclass
class HalSource:
    display: str  # SOURCE as the user wrote it
    kind: str  # "directory" | "backup"
    files: dict[str, bytes] = field(default_factory=dict)  # path relative to the Halyard home -> content
    root: Path | None = None  # the directory, for a directory SOURCE

    def text(self, rel: str) -> str | None:
        data = self.files.get(rel)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(Problem("not UTF-8 text", file=self.where(rel), code="unreadable")) from None

    def where(self, rel: str) -> str:
        """How a file of this source is named in messages and the report."""
        if self.kind == "backup":
            return f"{self.display}:/{rel}"
        return str(Path(self.display) / rel)

    def listdir(self, rel_dir: str) -> list[str]:
        """Relative paths of the files directly or indirectly under `rel_dir`, sorted."""
        prefix = rel_dir.rstrip("/") + "/"
        return sorted(p for p in self.files if p.startswith(prefix))

    def resolve_file(self, value: str) -> tuple[str | None, bytes | None]:
        """(where it was found, content) of a file path from the halconfig; (None, None) if not found."""
        rel = _relative_to_home(value)
        if rel is not None and rel in self.files:
            return self.where(rel), self.files[rel]
        if self.kind == "directory" and value.startswith("/"):
            p = Path(value)
            try:
                if p.is_file() and p.stat().st_size <= MAX_FILE:
                    return str(p), p.read_bytes()
            except OSError:
                return None, None
        return None, None


def _relative_to_home(value: str) -> str | None:
    v = value.strip()
    if v.startswith(HALCONFIG_DIR_PLACEHOLDER):
        v = v[len(HALCONFIG_DIR_PLACEHOLDER) :].lstrip("/")
    elif v.startswith("~/.hal/"):
        v = v[len("~/.hal/") :]
    elif v.startswith("/"):
        marker = "/.hal/"
        if marker not in v:
            return None
        v = v.split(marker, 1)[1]
    rel = posixpath.normpath(v)
    if rel.startswith("..") or rel.startswith("/") or rel == ".":
        return None
    return rel


def open_source(source: str | Path) -> HalSource:
    """Read SOURCE (a directory or a tar file); InputError naming it when it is neither."""
    path = Path(source)
    if path.is_dir():
        return _read_dir(path, str(source))
    if path.is_file():
        return _read_tar(path, str(source))
    raise InputError(Problem("no such file or directory", file=str(source), code="unreadable",
                             hint="SOURCE is a Halyard home directory (~/.hal) or a `hal backup create` tar file"))


def _read_dir(root: Path, display: str) -> HalSource:
    src = HalSource(display, "directory", root=root)
    outside: list[Problem] = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if any(part in SKIPPED_DIRS for part in rel.split("/")[:-1]):
            continue
        if p.is_symlink():  # a link to /proc/self/environ or ~/.ssh would be copied into the repository
            try:
                yamlio.check_inside(p, root, str(Path(display) / rel), root_name="the Halyard home")
            except InputError as e:
                outside.extend(e.problems)
                continue
        if not p.is_file():
            continue
        try:
            if p.stat().st_size > MAX_FILE:
                continue
            src.files[rel] = p.read_bytes()
        except OSError as e:
            raise InputError(Problem(f"cannot read: {e.strerror or e}", file=str(p), code="unreadable")) from None
    if outside:
        raise InputError(outside)
    if "config" not in src.files:
        raise InputError(
            Problem(
                "not a Halyard home directory: there is no `config` file",
                file=display,
                code="not-halyard",
                hint="point SOURCE at ~/.hal (the directory holding `config`) or at a `hal backup create` tar",
            )
        )
    return src


def _read_tar(path: Path, display: str) -> HalSource:
    src = HalSource(display, "backup")
    try:
        with tarfile.open(path, mode="r:") as tar:  # "r:": uncompressed, like `hal backup create` writes
            for member in tar:
                if not member.isfile():
                    continue
                rel = posixpath.normpath(member.name.lstrip("/"))
                if rel.startswith("..") or any(part in SKIPPED_DIRS for part in rel.split("/")[:-1]):
                    continue
                if member.size > MAX_FILE:
                    continue
                fh = tar.extractfile(member)
                if fh is not None:
                    src.files[rel] = fh.read()
    except (tarfile.TarError, OSError) as e:
        raise InputError(
            Problem(
                f"not a readable uncompressed tar file: {e}",
                file=display,
                code="not-halyard",
                hint="`hal backup create` writes an uncompressed .tar; decompress a .tar.gz first",
            )
        ) from None
    if "config" not in src.files:
        raise InputError(
            Problem("not a `hal backup create` tar: it has no /config entry", file=display, code="not-halyard")
        )
    return src


# --------------------------------------------------------------------------------------------
# YAML with the line of every node (the one guarded loader: spinops.yamlio)


def parse_yaml(text: str, display: str) -> Located:
    """YAML 1.1 (Halyard writes with SnakeYAML; PyYAML reads the same way), with positions.

    A repeated key keeps its last value, as SnakeYAML does when Halyard reads the file.
    """
    return yamlio.load(text, display, max_nodes=MAX_NODES, duplicate_keys=False)
