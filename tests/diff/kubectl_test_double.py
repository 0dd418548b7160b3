#!/usr/bin/env python3
"""TEST DOUBLE for kubectl (never a real kubectl): records its argv and environment, replays exit codes.

Driven by environment variables:
  FAKE_KUBECTL_RECORD   append one JSON line {argv, external_diff, spinops_env, stdin} per call to this file
  FAKE_KUBECTL_CONTEXT  `config current-context` prints it (unset: fails like kubectl without a kubeconfig)
  FAKE_KUBECTL_LIVE / FAKE_KUBECTL_MERGED  for `diff`: copy these crafted directories to LIVE-*/MERGED-*
                        temp dirs and run KUBECTL_EXTERNAL_DIFF on them the way kubectl does (split on
                        spaces; extra words kept only if they match ^[a-zA-Z0-9-=]+$), exiting with its code
  FAKE_KUBECTL_DIFF_RC  otherwise `diff` prints FAKE_KUBECTL_STDERR to stderr and exits with this code
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def main(argv):
    rec = os.environ.get("FAKE_KUBECTL_RECORD")
    stdin = sys.stdin.read() if "-" in argv else None
    if rec:
        with open(rec, "a", encoding="utf-8") as fh:
            env = {k: v for k, v in os.environ.items() if k.startswith("SPINOPS_DIFF_")}
            fh.write(json.dumps({"argv": argv, "external_diff": os.environ.get("KUBECTL_EXTERNAL_DIFF"), "spinops_env": env, "stdin": stdin}) + "\n")
    if argv[:2] == ["config", "current-context"]:
        ctx = os.environ.get("FAKE_KUBECTL_CONTEXT")
        if not ctx:
            print("error: current-context is not set", file=sys.stderr)
            return 1
        print(ctx)
        return 0
    if argv[:1] == ["diff"]:
        live, merged = os.environ.get("FAKE_KUBECTL_LIVE"), os.environ.get("FAKE_KUBECTL_MERGED")
        if live and merged:
            words = os.environ.get("KUBECTL_EXTERNAL_DIFF", "diff -u -N").split(" ")
            cmd = [words[0]] + [w for w in words[1:] if re.fullmatch(r"[a-zA-Z0-9-=]+", w)]
            tmp = tempfile.mkdtemp()
            try:
                a = shutil.copytree(live, os.path.join(tmp, "LIVE-1234"))
                b = shutil.copytree(merged, os.path.join(tmp, "MERGED-5678"))
                return subprocess.run([*cmd, a, b]).returncode
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        sys.stderr.write(os.environ.get("FAKE_KUBECTL_STDERR", ""))
        return int(os.environ.get("FAKE_KUBECTL_DIFF_RC", "0"))
    print(f"kubectl test double: unexpected arguments {argv}", file=sys.stderr)
    return 99


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
