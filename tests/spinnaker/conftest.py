"""The `upstream` fixture: Spinnaker's public sources as recorded (recorded/upstream.txt), served over real HTTP at
127.0.0.1 (recorded_upstream.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from recorded_upstream import recorded_files, serve, write_tree


@dataclass
class Upstream:
    root: Path  # the served tree: edit it to record another response
    url: str


@pytest.fixture
def upstream(tmp_path):
    root = tmp_path / "served"
    write_tree(root, recorded_files())
    with serve(root) as url:
        yield Upstream(root, url)
