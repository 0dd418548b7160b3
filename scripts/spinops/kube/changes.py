"""The plan's differ: which objects a server-side dry run would create, change or delete.

`python -m spinops.kube.changes LIVE MERGED` is the program `spinops apply` gives kubectl diff as
KUBECTL_EXTERNAL_DIFF (through spinops.kube.differ): kubectl writes one file per object into the two
directories; this prints one JSON line per object that differs, {"action": ..., "object": "Kind/name"},
and follows diff's exit convention (0 same, 1 different, >1 trouble) because kubectl diff passes it on.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from spinops import yamlio
from spinops.errors import InputError

#: The name of the script kubectl runs (see spinops.kube.differ).
DIFFER_NAME = "spinops-plan-differ"
MODULE = "spinops.kube.changes"


def _identity(path: Path) -> str | None:
    try:
        obj = yamlio.load_plain(yamlio.read_text(path), str(path), max_nodes=yamlio.MAX_BYTES)
    except InputError:
        return None
    if not isinstance(obj, dict):
        return None
    return f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"


def main(argv: Sequence[str]) -> int:
    """LIVE and MERGED dirs in, one JSON line per differing object out."""
    if len(argv) != 2:
        print(f"usage: {DIFFER_NAME} LIVE_DIR MERGED_DIR", file=sys.stderr)
        return 2
    live, merged = Path(argv[0]), Path(argv[1])
    names = sorted({p.name for p in live.iterdir()} | {p.name for p in merged.iterdir()})
    differs = 0
    for n in names:
        a, b = live / n, merged / n
        if a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes():
            continue
        action = "create" if not a.is_file() else "delete" if not b.is_file() else "change"
        ident = _identity(b if b.is_file() else a) or n
        print(json.dumps({"action": action, "object": ident}, sort_keys=True))
        differs = 1
    return differs


def read_changes(stdout: str) -> tuple[list[str], list[str]]:
    """main()'s lines (among kubectl's other output) -> (objects created, objects changed)."""
    create, change = [], []
    for line in stdout.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and rec.get("action") == "create":
            create.append(rec["object"])
        elif isinstance(rec, dict) and rec.get("action") == "change":
            change.append(rec["object"])
    return create, change


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
