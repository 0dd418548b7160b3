"""The upgrade workflow's steps (upgrade.yml), as functions a laptop can run too.

`plan` : the environments to open an upgrade PR for, as the job matrix (`spinops upgrade --format github`).
`open` : move one environment to a release, commit on the branch `spinops/upgrade-<env>` (recreated on top
         of the base branch each run), force-push it and open the PR, or update the open one: title and body
         (the upgrade report, markdown) follow the newest release.

Git pushes over `gh auth setup-git` (gh as git's credential helper for the token in GH_TOKEN), so no token is
written into a remote URL or into the checkout. A push or PR made with the workflow's GITHUB_TOKEN starts no
workflow run (github/docs, content/actions/how-tos/write-workflows/choose-when-workflows-run/trigger-a-workflow.md,
"Triggering a workflow from a workflow"): the PR's own checks (pr.yml) start when someone closes and reopens
it, or at once when GH_TOKEN is a GitHub App installation token (docs/upgrade.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from spinops.errors import InputError, Problem, SpinopsError

BRANCH = "spinops/upgrade-{env}"
#: The identity GitHub shows for commits of the Actions bot (its user id 41898282 in the noreply address).
BOT = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")


def _run(argv: list[str], cwd: Path, **kw) -> str:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise InputError(Problem(f"{' '.join(argv[:3])} failed (exit {proc.returncode}): {proc.stderr.strip()}",
                                 code="upgrade-pr"))
    return proc.stdout


def _git(repo: Path, *args: str) -> str:
    return _run(["git", "-c", f"user.name={BOT[0]}", "-c", f"user.email={BOT[1]}", *args], repo)


def open_pr(repo: Path, env: str, version: str, base: str = "main") -> str:
    """Upgrade `env` to `version` on its branch and open or update its PR; what was done, one line."""
    from spinops.upgrade import render  # noqa: PLC0415 start-up: the report, only on this path
    from spinops.upgrade.run import upgrade  # noqa: PLC0415 start-up: as above

    result = upgrade(repo, version, env)
    if not result.reports:
        return f"{env} already runs {version}: no PR"
    report, _ = result.reports[0]
    if not result.written:
        raise InputError(Problem(f"{env}: {report.summary()}: nothing to propose (see the report)", code="upgrade-pr"))
    branch = BRANCH.format(env=env)
    title = f"spinops upgrade: {env} {report.old} → {report.new}"
    _git(repo, "checkout", "-q", "-B", branch)
    _git(repo, "add", "--", *sorted(result.edits))
    _git(repo, "commit", "-q", "-m", f"{title}\n\n{report.summary()}")
    _run(["gh", "auth", "setup-git"], repo)
    _git(repo, "push", "--force", "origin", f"HEAD:refs/heads/{branch}")
    with tempfile.TemporaryDirectory(prefix="spinops-upgrade-pr-") as tmp:
        body = Path(tmp) / "body.md"
        body.write_text(render.report(result, "markdown"), encoding="utf-8")
        number = _run(["gh", "pr", "list", "--head", branch, "--base", base, "--state", "open", "--json", "number",
                       "--jq", ".[0].number // empty"], repo).strip()
        if number:
            _run(["gh", "pr", "edit", number, "--title", title, "--body-file", str(body)], repo)
            return f"updated PR #{number} ({branch}): {report.summary()}"
        _run(["gh", "pr", "create", "--base", base, "--head", branch, "--title", title, "--body-file", str(body)],
             repo)
    return f"opened a PR ({branch}): {report.summary()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spinops.upgrade.github", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    o = sub.add_parser("open", help="upgrade one environment on its branch; open or update its PR (gh, GH_TOKEN)")
    o.add_argument("--env", required=True, help="the environment")
    o.add_argument("--version", required=True, help="the release to move it to")
    o.add_argument("--base", default=os.environ.get("GITHUB_REF_NAME") or "main", help="the PR's base branch")
    args = parser.parse_args(argv)
    try:
        print(open_pr(Path("."), args.env, args.version, args.base))
        return 0
    except SpinopsError as e:
        for p in e.problems:
            print(p.text(), file=sys.stderr)
        return 2
    except ValueError as e:  # an unknown release, a downgrade, a skipped line (the catalog, versions.Refused)
        print(f"spinops.upgrade.github: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
