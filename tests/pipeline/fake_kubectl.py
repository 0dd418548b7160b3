"""TEST DOUBLE: a fake `kubectl` for the pipeline tests. It never talks to a cluster.

No Kubernetes API server can run on the test machines, so `spinops apply` and `spinops diff --live`
are tested against this program instead (point SPINOPS_KUBECTL at a wrapper that runs it).

- Records every call as one JSON line in $FAKE_KUBECTL_LOG: argv, stdin, and the environment.
- Plays back the first rule of $FAKE_KUBECTL_SCRIPT (JSON) whose `match` tokens all occur in argv:
  `{"match": [...], "stdout": "", "stderr": "", "exit": 0}`. No matching rule: exit 0, no output.
- A `kubectl diff` rule may carry `"diff": {"live": {file: yaml}, "merged": {file: yaml}}`: like real
  kubectl it writes the two directories and runs $KUBECTL_EXTERNAL_DIFF (first word, plus only the
  extra words matching ^[a-zA-Z0-9-=]+$, as kubectl does; default `diff -u -N`) and exits with its code.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from fake_rules import matching_rule, play


def _differ_argv() -> list[str]:
    words = (os.environ.get("KUBECTL_EXTERNAL_DIFF") or "diff -u -N").split(" ")
    return [words[0]] + [w for w in words[1:] if re.fullmatch(r"[a-zA-Z0-9-=]+", w)]


def _run_diff(spec: dict) -> int:
    with tempfile.TemporaryDirectory(prefix="fake-kubectl-") as tmp:
        live, merged = Path(tmp, "LIVE-1"), Path(tmp, "MERGED-1")
        for d, files in ((live, spec.get("live", {})), (merged, spec.get("merged", {}))):
            d.mkdir()
            for name, text in files.items():
                (d / name).write_text(text, encoding="utf-8")
        proc = subprocess.run([*_differ_argv(), str(live), str(merged)], capture_output=True, text=True)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        return proc.returncode


def main() -> int:
    argv = sys.argv[1:]
    stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    log = os.environ.get("FAKE_KUBECTL_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"argv": argv, "stdin": stdin, "env": dict(os.environ)}) + "\n")
    rule = matching_rule(argv, "FAKE_KUBECTL_SCRIPT")
    if rule is None:
        return 0
    play(rule)
    if "diff" in rule and argv[:1] == ["diff"]:
        code = _run_diff(rule["diff"])
        return rule.get("exit", code)
    return int(rule.get("exit", 0))


if __name__ == "__main__":
    raise SystemExit(main())
