"""TEST DOUBLE support: the rule playback shared by fake_kubectl.py and fake_gh.py.

A script (JSON file named by an environment variable) holds `{"rules": [{"match": [...], "stdout": "",
"stderr": "", "exit": 0, ...}]}`; the first rule whose `match` tokens all occur in argv answers the call.
The fakes run as scripts, so this module is found next to them on sys.path.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def matching_rule(argv: list[str], script_var: str, applies=lambda rule: True) -> dict | None:
    """The first rule whose `match` tokens all occur in argv (and that `applies`, for conditional rules)."""
    script = os.environ.get(script_var)
    rules = json.loads(Path(script).read_text(encoding="utf-8")).get("rules", []) if script else []
    return next((r for r in rules if all(tok in argv for tok in r.get("match", [])) and applies(r)), None)


def play(rule: dict) -> None:
    """Write the rule's canned output."""
    sys.stdout.write(rule.get("stdout", ""))
    sys.stderr.write(rule.get("stderr", ""))
