"""What every migration step reports: one `Note` per change, dropped field or manual step.

A note points at both sides: the Halyard file and data path it came from (`src_file`, `src`) and
the file and data path it went to (`out_file`, `out`). Lines are resolved only when the report is
written (source lines from PyYAML compose marks, output lines from the written files), so the
transforms stay pure data-in, data-out functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spinops.wire import dotted as _wire_dotted
from spinops.yamlio import MAX_BYTES, decode, load_plain

CHANGED = "changed"  # applied automatically
DROPPED = "dropped"  # a Halyard field with no Kleat/kustomize equivalent, removed
MANUAL = "manual"  # something left for the operator
SECRET = "secret"  # a credential moved out of the config

HALCONFIG_OUT = "halconfig/halconfig.yml"


@dataclass
class Note:
    kind: str
    message: str
    src: tuple | None = None  # data path in src_file
    out: tuple | None = None  # data path in out_file
    src_file: str = "config"  # relative to the Halyard home
    out_file: str | None = HALCONFIG_OUT
    rename: bool = False  # out is src under a new name: paths below it map across too
    topic: str = ""  # groups notes in the report (e.g. "Credentials", "Sizing")


@dataclass
class Result:
    """What a step hands on: the (new) data and its notes."""

    data: dict  # the deployment (Halyard shape on the way in, Kleat shape on the way out)
    notes: list[Note] = field(default_factory=list)


def load_yaml(text):
    """Plain YAML data, with PyYAML's C loader when it is there (outputs are re-read to check them)."""
    if isinstance(text, bytes):
        text = decode(text, "<written file>")
    return load_plain(text, "<written file>", max_nodes=MAX_BYTES)


def dotted(path: tuple | None) -> str:
    """`a.b[0].c` (spinops.wire.dotted), with a name for the empty path the report can show."""
    return _wire_dotted(path) if path else "(top level)"


def env_name(words: list[str]) -> str:
    """UPPER_SNAKE from path words: ["notifications", "githubStatus", "token"] -> NOTIFICATIONS_GITHUB_STATUS_TOKEN."""
    out = []
    for w in words:
        w = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(w))
        w = re.sub(r"[^A-Za-z0-9]+", "_", w).strip("_")
        if w:
            out.append(w.upper())
    name = "_".join(out)
    if not name or not name[0].isalpha():
        name = "S_" + name
    return name


def kebab(words: list[str]) -> str:
    out = []
    for w in words:
        w = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", str(w))
        w = re.sub(r"[^A-Za-z0-9]+", "-", w).strip("-").lower()
        if w:
            out.append(w)
    return "-".join(out)


def get(data, path: tuple, default=None):
    for p in path:
        if isinstance(data, dict) and p in data or isinstance(data, list) and isinstance(p, int) and 0 <= p < len(data):
            data = data[p]
        else:
            return default
    return data


def item_label(item, index: int) -> str:
    """How a list item is named in env names and messages: its `name`, else its index."""
    if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
        return item["name"]
    return str(index)
