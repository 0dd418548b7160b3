"""The plan's differ: which objects a server-side dry run would create, change or delete.

`python -m spinops.kube.changes LIVE MERGED` is the program `spinops apply` gives kubectl diff as
KUBECTL_EXTERNAL_DIFF (through spinops.kube.differ): kubectl writes one file per object into the two
directories; this prints one JSON line per object that differs, {"action": ..., "object": "Kind/name",
"digest": ...}, and follows diff's exit convention (0 same, 1 different, >1 trouble) because kubectl
diff passes it on.

The digest fingerprints the change (the live object and the object after the apply, without the
fields the cluster rewrites on its own: status, resourceVersion, managedFields...), so a saved plan
can tell whether the same apply would still make the same change (spinops.plan).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from spinops import yamlio
from spinops.errors import InputError

#: The name of the script kubectl runs (see spinops.kube.differ).
DIFFER_NAME = "spinops-plan-differ"
MODULE = "spinops.kube.changes"


#: Fields the API server or a controller rewrites without anyone applying anything: not part of a change.
VOLATILE_METADATA = ("resourceVersion", "generation", "managedFields", "creationTimestamp", "uid")


def _load(path: Path) -> object:
    try:
        return yamlio.load_plain(yamlio.read_text(path), str(path), max_nodes=yamlio.MAX_BYTES)
    except InputError:
        return None


def _identity(obj: object) -> str | None:
    if not isinstance(obj, dict):
        return None
    return f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"


def stable(obj: object) -> object:
    """The object without status and the metadata the cluster maintains by itself."""
    if not isinstance(obj, dict):
        return obj
    out = {k: v for k, v in obj.items() if k != "status"}
    if isinstance(out.get("metadata"), dict):
        out["metadata"] = {k: v for k, v in out["metadata"].items() if k not in VOLATILE_METADATA}
    return out


def change_digest(live: object, merged: object) -> str:
    """sha256 of the (stable) live object and the object after the apply."""
    text = json.dumps([stable(live), stable(merged)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


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
        before, after = (_load(a) if a.is_file() else None), (_load(b) if b.is_file() else None)
        ident = _identity(after if after is not None else before) or n
        print(json.dumps({"action": action, "object": ident, "digest": change_digest(before, after)}, sort_keys=True))
        differs = 1
    return differs


def read_records(stdout: str) -> list[dict]:
    """main()'s JSON lines, among kubectl's other output."""
    out = []
    for line in stdout.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if (
            isinstance(rec, dict)
            and rec.get("action") in ("create", "change", "delete")
            and isinstance(rec.get("object"), str)
        ):
            out.append(rec)
    return out


def read_changes(stdout: str) -> tuple[list[str], list[str]]:
    """main()'s lines (among kubectl's other output) -> (objects created, objects changed)."""
    recs = read_records(stdout)
    return [r["object"] for r in recs if r["action"] == "create"], [
        r["object"] for r in recs if r["action"] == "change"
    ]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
