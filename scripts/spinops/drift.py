"""Drift between the revision last deployed and the cluster: one GitHub issue per environment, opened,
updated, closed.

Two steps, run by two jobs so the cluster credential and the issue-writing token never meet:

    python -m spinops.drift report --env ENV --out DIR   # live diff -> DIR/ENV.md + DIR/ENV.json
    python -m spinops.drift issue --in DIR               # for every DIR/*.json: sync the env's issue

`report` compares the cluster with the manifests of the last good revision that `spinops apply`
stored on the environment's ApplySet parent (spinops.kube.revision), not with main: while a newer
main waits for a reviewer's approval, the cluster still (rightly) runs the deployed revision. Only
when no revision is recorded yet does it fall back to main's build (`build/ENV/manifests.yaml`), and
says so. It runs `spinops diff --live --manifests FILE --force-conflicts` (a hand `kubectl edit`
owns the edited fields; without --force-conflicts the server-side dry run fails on that conflict
instead of showing it) with the prune preview (objects the apply would delete). Exit 0 = in sync,
1 = drift; anything else is a failed check, which is written to DIR/ENV.json too, so the issue
step reports it (a drift check that fails silently is no check) and this step fails.

`issue` calls the GitHub CLI `gh` (preinstalled on GitHub's runners; GH_TOKEN and GH_REPO come from
the workflow): drift or a failed check creates the issue or edits its body; no drift closes an open
one with a comment. The issue is found by its title among open issues with the `spinops-drift` label.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from spinops.errors import InputError, Problem
from spinops.gha import close_cut
from spinops.kube.runner import Kubectl
from spinops.layout import Repo
from spinops.tools import kubectl

LABEL = "spinops-drift"
#: GitHub rejects issue bodies over 65,536 characters; keep room for the header and footer.
BODY_BUDGET = 60_000
#: Lines of a failed check's error output kept for the issue.
ERROR_LINES = 20


def title(env: str) -> str:
    return f"spinops drift: {env} differs from its deployed revision"


#: Titles earlier versions used, so their open issues are found (and updated or closed) too.
def _old_titles(env: str) -> tuple[str, ...]:
    return (f"spinops drift: {env} differs from main",)


def run_url() -> str | None:
    server, repo, run = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None


INSTRUCTIONS = (
    "**What to do.** If the change made in the cluster should stay, make it in git and merge it; the next "
    "deploy then applies it. To put the cluster back, start the `deploy` workflow **on main** (Actions → deploy → "
    "Run workflow, branch `main`): it plans main's head, shows that plan (and anything it deletes) for approval, "
    "and applies it. Do not re-run an old deploy run: it would re-apply that run's old commit, and spinops refuses "
    "it.\n\n"
    "This issue is updated on every drift run and closed when the drift is gone.\n\n"
)


def issue_body(env: str, report: str, status: dict | None = None) -> str:
    url = run_url()
    status = status or {}
    baseline = status.get("baseline") or "the deployed revision"
    if status.get("error"):
        head = (
            f"The scheduled drift check of **{env}** **failed**, so drift in {env} is currently unknown:\n\n"
            f"```text\n{status['error'].replace('```', chr(39) * 3)}\n```\n\n"
            "Fix the check (credentials, RBAC, the cluster); this issue is closed by the first check that finds no "
            "drift.\n\n"
        )
    else:
        head = (
            f"The live cluster of **{env}** differs from {baseline} "
            "(found by the scheduled `drift` workflow: `spinops diff --live --force-conflicts` with the prune preview; "
            "Secret values masked).\n\n" + INSTRUCTIONS
        )
    if len(report) > BODY_BUDGET:
        report = (
            close_cut(report[:BODY_BUDGET]) + "\n> **Truncated**: the full report is in the workflow run's artifacts.\n"
        )
    foot = f"\n\n---\nLast checked by [this run]({url}).\n" if url else "\n"
    return head + report.rstrip("\n") + foot


# --------------------------------------------------------------------------- report


def deployed_baseline(env: str, repo: Path, out: Path) -> tuple[Path, str, str]:
    """(manifests to compare with, what they are, the commit): the last good revision stored on the
    ApplySet parent, else main's build."""
    # start-up: the three bring PyYAML (spinops.kube.applyset, spinops.kube.revision, spinops.manifests)
    from spinops.kube.applyset import manifest_namespace  # noqa: PLC0415
    from spinops.kube.revision import get_parent_args, read_revision  # noqa: PLC0415
    from spinops.manifests import load_documents  # noqa: PLC0415

    main_build = Repo(repo).manifests(env)
    if not main_build.is_file():
        raise InputError(
            Problem(
                f"no build of {env}: {main_build} does not exist", str(main_build), hint=f"spinops build --env {env}"
            )
        )
    namespace = manifest_namespace(load_documents(main_build.read_text(encoding="utf-8")), None, main_build)
    proc = Kubectl(kubectl(), lambda text: text, sys.stdout).run(get_parent_args(env, namespace), quiet=True)
    if proc.returncode != 0:
        raise InputError(
            Problem(
                "reading the deployed revision failed: "
                f"{(proc.stderr.strip().splitlines() or ['kubectl get failed'])[-1]}"
            )
        )
    rev = read_revision(proc.stdout)
    if rev.last_good and rev.last_good_manifests is not None:
        path = out / f"{env}.deployed.yaml"
        path.write_text(rev.last_good_manifests, encoding="utf-8")
        return path, f"its deployed revision `{rev.last_good[:12]}` (applied {rev.last_good_at})", rev.last_good
    return main_build, "main's build (no deployed revision is recorded in the cluster yet)", ""


def report(env: str, out: Path, repo: Path = Path(".")) -> int:
    """Run the live diff against the deployed revision; write ENV.md and ENV.json (also on failure).
    Returns 0 (in sync or drift) or the failure's exit code."""
    out.mkdir(parents=True, exist_ok=True)
    md, status_file = out / f"{env}.md", out / f"{env}.json"
    try:
        manifests, baseline, commit = deployed_baseline(env, repo, out)
    except InputError as e:
        return _failed(env, md, status_file, "\n".join(p.message for p in e.problems), 2)
    cmd = [
        sys.executable,
        "-m",
        "spinops",
        "diff",
        "--live",
        "--env",
        env,
        "--manifests",
        str(manifests),
        "--force-conflicts",
        "--format",
        "markdown",
        "--output",
        str(md),
    ]
    print("+ spinops " + " ".join(cmd[3:]), flush=True)
    proc = subprocess.run(cmd, cwd=repo, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(proc.stderr)
    rc = proc.returncode
    if rc not in (0, 1):
        tail = "\n".join(proc.stderr.strip().splitlines()[-ERROR_LINES:]) or f"exit {rc}"
        return _failed(env, md, status_file, f"spinops diff --live exited {rc}:\n{tail}", rc)
    if not md.is_file():
        md.write_text("No differences.\n" if rc == 0 else "(the live diff wrote no report)\n", encoding="utf-8")
    status = {"env": env, "drift": rc == 1, "baseline": baseline, "revision": commit}
    status_file.write_text(json.dumps(status, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{env}: {'drift found' if rc == 1 else 'in sync'} (compared with {baseline})")
    return 0


def _failed(env: str, md: Path, status_file: Path, message: str, rc: int) -> int:
    """A failed check is a status too: the issue step opens or updates the issue with it."""
    print(f"spinops drift: error: the drift check of {env} failed: {message}", file=sys.stderr)
    md.write_text(f"The drift check failed:\n\n```text\n{message}\n```\n", encoding="utf-8")
    status_file.write_text(
        json.dumps({"env": env, "drift": False, "error": message}, sort_keys=True) + "\n", encoding="utf-8"
    )
    return rc


# --------------------------------------------------------------------------- issue


class GhError(Exception):
    pass


def gh(*args: str) -> str:
    proc = subprocess.run(["gh", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise GhError(f"gh {' '.join(args[:2])} failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def open_issue(env: str) -> int | None:
    listed = json.loads(
        gh("issue", "list", "--label", LABEL, "--state", "open", "--json", "number,title", "--limit", "100") or "[]"
    )
    names = {title(env), *_old_titles(env)}
    numbers = sorted(i["number"] for i in listed if i.get("title") in names)
    return numbers[0] if numbers else None


def sync_issue(env: str, drift: bool, report_text: str, status: dict | None = None) -> str:
    """Create/update/close the env's issue; returns what was done (for the log). A failed check keeps it open."""
    status = status or {}
    number = open_issue(env)
    if not drift and not status.get("error"):
        if number is None:
            return f"{env}: in sync, no open drift issue"
        gh(
            "issue",
            "close",
            str(number),
            "--comment",
            f"`spinops diff --live` finds no drift in {env} any more (compared with "
            f"{status.get('baseline') or 'the deployed revision'}); closing.",
        )
        return f"{env}: drift gone, closed #{number}"
    what = "drift check failed" if status.get("error") else "drift"
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as fh:
        fh.write(issue_body(env, report_text, status))
        body = fh.name
    try:
        if number is None:
            gh(
                "label",
                "create",
                LABEL,
                "--color",
                "D93F0B",
                "--description",
                "The cluster differs from its deployed revision (spinops drift)",
                "--force",
            )
            url = gh("issue", "create", "--title", title(env), "--label", LABEL, "--body-file", body).strip()
            return f"{env}: {what}, opened {url}"
        gh("issue", "edit", str(number), "--title", title(env), "--body-file", body)
        return f"{env}: {what}, updated #{number}"
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
            print(sync_issue(env, bool(st.get("drift")), text, st), flush=True)
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
