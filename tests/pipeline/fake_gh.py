"""TEST DOUBLE: a fake GitHub CLI (`gh`) for the drift tests. It never talks to GitHub.

Records each call to $FAKE_GH_LOG as a JSON line (argv, and the text of any --body-file, which the
caller deletes afterwards) and plays back the first rule in $FAKE_GH_SCRIPT whose `match` tokens all
occur in argv: `{"match": [...], "stdout": "", "stderr": "", "exit": 0}`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from fake_rules import matching_rule, play


def main() -> int:
    argv = sys.argv[1:]
    rec: dict = {"argv": argv, "env": {k: os.environ.get(k) for k in ("GH_TOKEN", "GH_REPO")}}
    if "--body-file" in argv:
        rec["body"] = Path(argv[argv.index("--body-file") + 1]).read_text(encoding="utf-8")
    with open(os.environ["FAKE_GH_LOG"], "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec) + "\n")
    rule = matching_rule(argv, "FAKE_GH_SCRIPT")
    if rule is None:
        return 0
    play(rule)
    return int(rule.get("exit", 0))


if __name__ == "__main__":
    raise SystemExit(main())
