"""Reading repository files for the repository rules: through the one guarded loader, never raising
(build and check report unreadable input with positions through their own readers)."""

from __future__ import annotations

from pathlib import Path

from spinops import yamlio
from spinops.errors import InputError
from spinops.yamlio import Located


def read_yaml(repo: Path, rel: str) -> Located | None:
    """A repository file through the one guarded loader; None when it is absent or unreadable."""
    path = Path(repo) / rel
    if not path.is_file():
        return None
    try:
        return yamlio.read(path, rel, root=Path(repo))
    except InputError:
        return None


def as_dict(v) -> dict:
    return v if isinstance(v, dict) else {}
