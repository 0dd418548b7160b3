"""TEST DOUBLE: a fake `kubectl` for the pipeline tests. It never talks to a cluster.

No Kubernetes API server can run on the test machines, so `spinops apply` and `spinops diff --live`
are tested against this program instead (point SPINOPS_KUBECTL at a wrapper that runs it).

- Records every call as one JSON line in $FAKE_KUBECTL_LOG: argv, stdin, and the environment.
- Plays back the first rule of $FAKE_KUBECTL_SCRIPT (JSON) whose `match` tokens all occur in argv:
  `{"match": [...], "stdout": "", "stderr": "", "exit": 0}`. No matching rule: exit 0, no output.
- A `kubectl diff` rule may carry `"diff": {"live": {file: yaml}, "merged": {file: yaml}}`: like real
  kubectl it writes the two directories and runs $KUBECTL_EXTERNAL_DIFF (first word, plus only the
  extra words matching ^[a-zA-Z0-9-=]+$, as kubectl does; default `diff -u -N`) and exits with its code.
- With $FAKE_KUBECTL_STATE (a JSON file) it keeps the little state the deploy scenarios need: the text
  of every file a real (not dry-run) `apply -f FILE` sent (`applied`), and the ConfigMaps written by a
  server-side `apply -f -` of a partial ConfigMap as the revision field managers (their annotations and
  binaryData merged per name, as server-side apply does for fields a manager keeps sending), which
  `get configmap NAME -o json` returns. A rule may carry `"when_applied": "text"`: it answers only when
  the last applied file contains that text (e.g. a rollout that fails for a broken release only), and
  `"when_stdin": "text"`: only when the call's stdin contains it (e.g. a diff of one set of manifests).
"""

from __future__ import annotations

import fcntl
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


RECORD_MANAGERS = ("--field-manager=spinops-revision", "--field-manager=spinops-last-good")


def _file_arg(argv: list[str]) -> str | None:
    if "-f" in argv and argv.index("-f") + 1 < len(argv) and argv[argv.index("-f") + 1] != "-":
        path = Path(argv[argv.index("-f") + 1])
        return path.read_text(encoding="utf-8") if path.is_file() else None
    return None


def _state(argv: list[str], stdin: str, file_text: str | None) -> tuple[dict, bool]:
    """Update the state for a mutating call; (state, answered) where answered means stdout was written."""
    path = os.environ.get("FAKE_KUBECTL_STATE")
    if not path:
        return {}, False
    with open(path, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        state = json.loads(fh.read() or "{}")
        state.setdefault("applied", [])
        state.setdefault("configmaps", {})
        dry = any(a.startswith("--dry-run") for a in argv)
        answered = False
        if argv[:1] == ["apply"] and not dry and file_text is not None:
            state["applied"].append(file_text)
        elif argv[:1] == ["apply"] and not dry and any(m in argv for m in RECORD_MANAGERS):
            obj = json.loads(stdin)
            cm = state["configmaps"].setdefault(
                obj["metadata"]["name"],
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": obj["metadata"]["name"],
                        "namespace": obj["metadata"].get("namespace"),
                        "annotations": {},
                    },
                },
            )
            cm["metadata"]["annotations"].update(obj["metadata"].get("annotations") or {})
            if obj.get("binaryData"):
                cm.setdefault("binaryData", {}).update(obj["binaryData"])
            print(f"configmap/{obj['metadata']['name']} serverside-applied")
            answered = True
        elif argv[:2] == ["get", "configmap"] and argv[2] in state["configmaps"]:
            print(json.dumps(state["configmaps"][argv[2]]))
            answered = True
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(state))
    return state, answered


def main() -> int:
    argv = sys.argv[1:]
    stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    file_text = _file_arg(argv)
    log = os.environ.get("FAKE_KUBECTL_LOG")
    if log:  # calls may run in parallel (rollouts): one locked append per call, so lines never interleave
        with open(log, "a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.write(json.dumps({"argv": argv, "stdin": stdin, "file": file_text, "env": dict(os.environ)}) + "\n")
    state, answered = _state(argv, stdin, file_text)
    if answered:
        return 0
    last = state.get("applied", [""])[-1] if state.get("applied") else ""
    rule = matching_rule(
        argv,
        "FAKE_KUBECTL_SCRIPT",
        lambda r: (
            (r.get("when_applied") is None or r["when_applied"] in last)
            and (r.get("when_stdin") is None or r["when_stdin"] in stdin)
        ),
    )
    if rule is None:
        return 0
    play(rule)
    if "diff" in rule and argv[:1] == ["diff"]:
        code = _run_diff(rule["diff"])
        return rule.get("exit", code)
    return int(rule.get("exit", 0))


if __name__ == "__main__":
    raise SystemExit(main())
