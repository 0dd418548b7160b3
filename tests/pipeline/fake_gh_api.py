"""TEST DOUBLE: a fake GitHub CLI for `gh api` calls on pull-request comments. It never talks to GitHub.

Unlike fake_gh.py (scripted playback), this one keeps state, so a test can run the comment step
several times and count the comments a PR ends up with. State lives in $FAKE_GH_STATE (JSON):
`{"pulls": {"7": {"head": {"sha": "..."}}}, "comments": {"7": [{"id": 1, "body": "...", "user": {"login": "..."}}]},
"next_id": 1}`.
Every call is appended to $FAKE_GH_LOG. The token's identity is $FAKE_GH_LOGIN (default github-actions[bot]).

Understood (the REST paths GitHub documents for issue comments and pulls):
  gh api [--paginate] repos/OWNER/REPO/issues/N/comments           list
  gh api -X POST repos/OWNER/REPO/issues/N/comments --input FILE   create ({"body": ...})
  gh api -X PATCH repos/OWNER/REPO/issues/comments/ID --input FILE  update
  gh api repos/OWNER/REPO/pulls/N                                   the pull request
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path


def main() -> int:
    argv = sys.argv[1:]
    state_path = Path(os.environ["FAKE_GH_STATE"])
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    state.setdefault("comments", {})
    state.setdefault("pulls", {})
    state.setdefault("next_id", 1)
    rec: dict = {"argv": argv, "env": {k: os.environ.get(k) for k in ("GH_TOKEN", "GH_REPO")}}
    if "--input" in argv:
        rec["input"] = json.loads(Path(argv[argv.index("--input") + 1]).read_text(encoding="utf-8"))
    with open(os.environ["FAKE_GH_LOG"], "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec) + "\n")
    if not argv or argv[0] != "api":
        print(f"fake gh: only `gh api` is supported, not {argv[:1]}", file=sys.stderr)
        return 1
    method = argv[argv.index("-X") + 1] if "-X" in argv else "GET"
    path = next(a for a in argv[1:] if a.startswith("repos/"))
    login = os.environ.get("FAKE_GH_LOGIN", "github-actions[bot]")
    if m := re.fullmatch(r"repos/[^/]+/[^/]+/issues/(\d+)/comments", path):
        comments = state["comments"].setdefault(m.group(1), [])
        if method == "GET":
            print(json.dumps(comments))
        elif method == "POST":
            comment = {"id": state["next_id"], "body": rec["input"]["body"], "user": {"login": login}}
            state["next_id"] += 1
            comments.append(comment)
            print(json.dumps(comment))
        else:
            return _fail(f"{method} {path}")
    elif m := re.fullmatch(r"repos/[^/]+/[^/]+/issues/comments/(\d+)", path):
        if method != "PATCH":
            return _fail(f"{method} {path}")
        found = [c for cs in state["comments"].values() for c in cs if c["id"] == int(m.group(1))]
        if not found:
            return _fail("HTTP 404: Not Found")
        if found[0]["user"]["login"] != login:
            return _fail("HTTP 403: Resource not accessible by integration")
        found[0]["body"] = rec["input"]["body"]
        print(json.dumps(found[0]))
    elif m := re.fullmatch(r"repos/[^/]+/[^/]+/pulls/(\d+)", path):
        pull = state["pulls"].get(m.group(1))
        if pull is None:
            return _fail("HTTP 404: Not Found")
        print(json.dumps(pull))
    else:
        return _fail(f"unsupported path {path}")
    state_path.write_text(json.dumps(state))
    return 0


def _fail(message: str) -> int:
    print(f"gh: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
