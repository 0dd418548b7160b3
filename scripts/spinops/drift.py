"""Drift between main and the cluster: one GitHub issue per environment, opened, updated, closed.

Two steps, run by two jobs so the cluster credential and the issue-writing token never meet:

    python -m spinops.drift report --env ENV --out DIR   # live diff -> DIR/ENV.md + DIR/ENV.json
    python -m spinops.drift issue --in DIR               # for every DIR/*.json: sync the env's issue

`report` runs `spinops diff --live --env ENV --format markdown --output DIR/ENV.md` (exit 0 = in sync,
1 = drift, anything else = the diff failed and this step fails). `issue` calls the GitHub CLI `gh`
(preinstalled on GitHub's runners; GH_TOKEN and GH_REPO come from the workflow): when there is drift it
creates the issue or edits its body; when there is none it closes an open one with a comment.
The issue is found by its exact title among open issues with the `spinops-drift` label.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from spinops.gha import close_cut

LABEL = "spinops-drift"
#: GitHub rejects issue bodies over 65,536 characters; keep room for the header and footer.
BODY_BUDGET = 60_000


def title(env: str) -> str:
    return f"spinops drift: {env} differs from main"


def run_url() -> str | None:
    server, repo, run = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None


def issue_body(env: str, report: str) -> str:
    url = run_url()
    head = (
        f"The live cluster of **{env}** differs from what `main` renders "
        "(found by the scheduled `drift` workflow: `spinops diff --live`, Secret values masked).\n\n"
        "Either merge a PR that makes `main` match the cluster, or re-run the `deploy` workflow to put "
        "the cluster back to `main`. This issue is updated on every run and closed when the drift is gone.\n\n"
    )
    if len(report) > BODY_BUDGET:
        report = close_cut(report[:BODY_BUDGET]) + "\n> **Truncated**: the full report is in the workflow run's artifacts.\n"
    foot = f"\n\n---\nLast checked by [this run]({url}).\n" if url else "\n"
    return head + report.rstrip("\n") + foot


# --------------------------------------------------------------------------- report


def report(env: str, out: Path, repo: Path = Path(".")) -> int:
    """Run the live diff; write ENV.md and ENV.json. Returns 0 (in sync or drift) or the diff's error code."""
    out.mkdir(parents=True, exist_ok=True)
    md = out / f"{env}.md"
    cmd = [sys.executable, "-m", "spinops", "diff", "--live", "--env", env, "--format", "markdown", "--output", str(md)]
    print("+ spinops " + " ".join(cmd[3:]), flush=True)
    rc = subprocess.run(cmd, cwd=repo).returncode
    if rc not in (0, 1):
        print(f"spinops drift: error: the live diff of {env} failed (exit {rc}); the drift issue is left as it is", file=sys.stderr)
        return rc
    if not md.is_file():
        md.write_text("No differences.\n" if rc == 0 else "(the live diff wrote no report)\n", encoding="utf-8")
    (out / f"{env}.json").write_text(json.dumps({"env": env, "drift": rc == 1}, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{env}: {'drift found' if rc == 1 else 'in sync with main'}")
    return 0


# --------------------------------------------------------------------------- issue


class GhError(Exception):
    pass


def gh(*args: str) -> str:
    proc = subprocess.run(["gh", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise GhError(f"gh {' '.join(args[:2])} failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def open_issue(env: str) -> int | None:
    listed = json.loads(gh("issue", "list", "--label", LABEL, "--state", "open", "--json", "number,title", "--limit", "100") or "[]")
    numbers = sorted(i["number"] for i in listed if i.get("title") == title(env))
    return numbers[0] if numbers else None


def sync_issue(env: str, drift: bool, report_text: str) -> str:
    """Create/update/close the env's issue; returns what was done (for the log)."""
    number = open_issue(env)
    if not drift:
        if number is None:
            return f"{env}: in sync, no open drift issue"
        gh("issue", "close", str(number), "--comment", f"`spinops diff --live` finds no drift in {env} any more; closing.")
        return f"{env}: drift gone, closed #{number}"
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as fh:
        fh.write(issue_body(env, report_text))
        body = fh.name
    try:
        if number is None:
            gh("label", "create", LABEL, "--color", "D93F0B", "--description", "The cluster differs from main (spinops drift)", "--force")
            url = gh("issue", "create", "--title", title(env), "--label", LABEL, "--body-file", body).strip()
            return f"{env}: drift, opened {url}"
        gh("issue", "edit", str(number), "--body-file", body)
        return f"{env}: drift, updated #{number}"
    finally:
        os.unlink(body)


def issues(in_dir: Path) -> int:
    statuses = sorted(in_dir.glob("*.json"))
    if not statuses:
        print(f"spinops drift: error: no drift reports (*.json) in {in_dir}", file=sys.stderr)
        return 2
    failed = 0
    for path in statuses:
        st = json.loads(path.read_text(encoding="utf-8"))
        env = st["env"]
        md = path.with_suffix(".md")
        text = md.read_text(encoding="utf-8") if md.is_file() else ""
        try:
            print(sync_issue(env, bool(st["drift"]), text), flush=True)
        except GhError as e:
            print(f"spinops drift: error: {env}: {e}", file=sys.stderr)
            failed = 1
    return failed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m spinops.drift", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("report", help="live diff of one environment into DIR/ENV.md and DIR/ENV.json")
    r.add_argument("--env", required=True)
    r.add_argument("--out", type=Path, required=True)
    i = sub.add_parser("issue", help="open/update/close one issue per DIR/*.json report")
    i.add_argument("--in", dest="in_dir", type=Path, required=True)
    args = p.parse_args(argv)
    if args.cmd == "report":
        return report(args.env, args.out)
    return issues(args.in_dir)


if __name__ == "__main__":
    raise SystemExit(main())
