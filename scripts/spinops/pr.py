"""The PR pipeline's steps (pr.yml, pr-comment.yml), as functions a laptop can run too.

`plan`    (job `plan`): the environments (the matrix) and whether the PR changes anything deployable;
          when it does not, the "nothing to deploy" comment of every environment is written right away.
`report`  (job `diff`, one per environment): build the head (errors become annotations on the PR's
          files), check it, build the base and diff. Every outcome writes the comment
          `report/<env>.md` (marker, head SHA, link to the run) and `report/<env>.json` (metadata);
          exit 1 when the head does not build or the check fails, so the required check fails.
The comment stage (pr-comment.yml, a `workflow_run` stage with a write token) runs no repository code: its
script lives in the workflow and reads these reports as untrusted data.

The base is the merge commit's first parent: for `pull_request` GitHub checks out
refs/pull/N/merge, "the last merge commit on the GITHUB_REF branch" (github/docs,
content/actions/reference/workflows-and-actions/events-that-trigger-workflows.md, `pull_request`),
whose first parent is the base branch as it is now, so a base that moved on shows no false reverts.
For `merge_group` the workflow passes `merge_group.base_sha` ("the SHA of the merge group's parent
commit", GitHub's webhook schema).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from spinops import yamlio
from spinops.atomic import write_file
from spinops.check.output import render
from spinops.check.validate_k8s import DEFAULT_KUBE_VERSION
from spinops.diff.trees import Tree, _halconfig, _secrets, build_tree, repo_root, resolve_ref, worktree
from spinops.environments import load_environments
from spinops.errors import InputError, Problem, SpinopsError
from spinops.layout import Repo, default_env
from spinops.report.checks import summarise

#: What a change must touch to change what is deployed (the build's inputs and the tool itself).
DEPLOY_PATHS = ("halconfig/", "kustomize/", "scripts/", "noxfile.py", "pyproject.toml")
ARTIFACT = "spinops-report-<env>"


def marker(env: str) -> str:
    from spinops.report.markdown import marker as diff_marker  # noqa: PLC0415 start-up: spinops.report.markdown imports PyYAML; needed only on this path

    return diff_marker(env)


@dataclass
class Event:
    """What the workflow knows about the run (from its env: block); all optional on a laptop."""

    pr: int | None = None
    head_sha: str | None = None
    base_label: str | None = None
    run_url: str | None = None

    @classmethod
    def from_env(cls, environ=os.environ) -> Event:
        pr = environ.get("PR_NUMBER") or ""
        server, repo, run = (environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
        return cls(
            pr=int(pr) if pr.isdigit() else None,
            head_sha=environ.get("PR_HEAD_SHA") or None,
            base_label=environ.get("BASE_LABEL") or None,
            run_url=f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None,
        )

    def provenance(self) -> str:
        parts = []
        if self.head_sha:
            parts.append(f"Head `{self.head_sha[:7]}`")
        if self.run_url:
            parts.append(f"[workflow run]({self.run_url})")
        return " · ".join(parts)

    def footer(self) -> str:
        return f"<sub>{self.provenance()}</sub>\n" if self.provenance() else ""

    def sign(self, report: str) -> str:
        """The diff report with its footer line naming the head and the run as well."""
        from spinops.report.markdown import FOOTER  # noqa: PLC0415 start-up: spinops.report.markdown imports PyYAML; needed only on this path

        if not self.provenance() or not report.endswith(FOOTER):
            return report + self.footer()
        return report[: -len(FOOTER)] + FOOTER.replace("</sub>", f" {self.provenance()}.</sub>")


@dataclass
class Outcome:
    env: str
    kind: str  # diff | no-changes | no-deploy-change | build-error | base-build-error | check-error
    comment: str
    full: str
    failed: bool
    problems: list[Problem] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------
# plan


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise InputError(Problem(f"git {' '.join(args)} failed: {proc.stderr.strip()}", code="git"))
    return proc.stdout


def changed_paths(repo: Path, base: str) -> list[str]:
    return sorted(p for p in _git(repo, "diff", "--name-only", "--no-renames", base, "HEAD").splitlines() if p)


def deploys(paths: list[str]) -> bool:
    return any(p.startswith(DEPLOY_PATHS) or p in DEPLOY_PATHS for p in paths)


def no_deploy_change(env: str, paths: list[str], event: Event) -> Outcome:
    shown = ", ".join(f"`{p}`" for p in paths[:10]) + (f" and {len(paths) - 10} more" if len(paths) > 10 else "")
    body = (
        f"{marker(env)}\n### spinops diff: `{env}`\n\n**No changes to deploy**: this PR changes none of the build's "
        "inputs "
        f"({', '.join(f'`{p}`' for p in DEPLOY_PATHS)}), so `{env}` builds the same manifests as its base. "
        f"Changed: {shown or 'nothing'}.\n\n" + event.footer()
    )
    return Outcome(env, "no-deploy-change", body, body, failed=False)


def plan(repo: Path, base: str, out: Path, event: Event) -> dict:
    """The matrix and the change decision; the comments too when nothing deployable changed."""
    envs = load_environments(repo)
    paths = changed_paths(repo, base)
    decision = {"deploys": deploys(paths), "envs": [e.as_dict() for e in envs], "changed": len(paths)}
    if not decision["deploys"]:
        for e in envs:
            write_outcome(out, no_deploy_change(e.name, paths, event), event)
    return decision


# ----------------------------------------------------------------------------------------------
# report (one environment)


def _problem_list(problems: list[Problem], limit: int = 30) -> str:
    from spinops.report.markdown import _esc  # noqa: PLC0415 start-up: spinops.report.markdown imports PyYAML; needed only on this path

    lines = []
    for p in problems[:limit]:
        where = f"`{_esc(p.where())}`: " if p.file else ""
        lines.append(f"- {where}{_esc(p.message)}" + (f" ({_esc(p.hint)})" if p.hint else ""))
    if len(problems) > limit:
        lines.append(f"- ... and {len(problems) - limit} more (see the annotations and the job log)")
    return "\n".join(lines) + "\n"


def _error_comment(env: str, title: str, problems: list[Problem], event: Event) -> str:
    return f"{marker(env)}\n### spinops diff: `{env}`\n\n:x: **{title}**\n\n{_problem_list(problems)}\n{event.footer()}"


def report(repo: Path, env: str, base: str, out: Path, event: Event, *, annotate=None) -> Outcome:
    """Every step for one environment; whatever happens, one comment is written."""
    outcome = _report(Path(repo), env, base, event, annotate or (lambda problems: None))
    write_outcome(out, outcome, event)
    return outcome


def _report(repo: Path, env: str, base: str, event: Event, annotate) -> Outcome:
    from spinops.build import build_env  # noqa: PLC0415 start-up: spinops.build imports PyYAML; needed only on this path
    from spinops.diff.run import diff_trees  # noqa: PLC0415 start-up: spinops.diff.run imports PyYAML; needed only on this path
    from spinops.report.markdown import COMMENT_BUDGET, SUMMARY_BUDGET, render_markdown  # noqa: PLC0415 start-up: spinops.report.markdown imports PyYAML; needed only on this path

    paths = changed_paths(repo, base)
    if not deploys(paths):
        return no_deploy_change(env, paths, event)
    root = repo_root(repo)
    commit = resolve_ref(root, base)
    label = f"{event.base_label or base}@{commit[:7]}"
    head_label = f"head {event.head_sha[:7]}" if event.head_sha else "working tree"

    yamlio.before_threads()  # see there: yaml-rs must not be imported first in a worker thread
    checked = None
    with worktree(root, commit) as wt, ThreadPoolExecutor(max_workers=2) as pool:
        new_env = env not in Repo(wt).envs()
        fb = None if new_env else pool.submit(build_tree, wt, env, label, "base")
        fh = pool.submit(build_env, repo, env)
        head_error = fh.exception()
        if head_error is None:  # check the head while the base still builds (its kustomize on the other core)
            checked = _check(repo, env, fh.result().manifests_path, annotate)
        base_error = fb.exception() if fb is not None else None
    if head_error is not None:
        if not isinstance(head_error, SpinopsError):
            raise head_error
        annotate(head_error.problems)
        body = _error_comment(
            env,
            "The PR head does not build, so there is no diff. Fix these and push again:",
            head_error.problems,
            event,
        )
        return Outcome(env, "build-error", body, body, failed=True, problems=head_error.problems)
    head = fh.result()
    assert checked is not None
    check_json, check_failed, check_error = checked
    if check_error is not None:
        body = _error_comment(env, "`spinops check` could not run on the head's manifests:", check_error, event)
        return Outcome(env, "check-error", body, body, failed=True, problems=check_error)
    if base_error is not None:
        if not isinstance(base_error, SpinopsError):
            raise base_error
        body = _error_comment(
            env,
            f"The base ({label}) does not build, so there is no diff; the head builds and was checked.",
            base_error.problems,
            event,
        )
        return Outcome(env, "base-build-error", body, body, failed=check_failed, problems=base_error.problems)
    base_tree = fb.result() if fb is not None else Tree(label=label, root=root, manifests="")
    head_tree = Tree(label=head_label, root=repo, manifests=head.manifests, wiring=dict(head.wiring))
    head_tree.hal, head_tree.secrets = _halconfig(repo, env), _secrets(repo)
    result = diff_trees(base_tree, head_tree, env)
    if new_env:
        result.notes.append(f"environment `{env}` does not exist at {label}: every resource is new")
    if upgrade := _upgrade_summary(env, base_tree, head_tree):
        result.notes.insert(0, upgrade)  # an upgrade PR's comment starts with the upgrade report's summary

    result.check = summarise(check_json)
    comment = event.sign(render_markdown(result, budget=COMMENT_BUDGET - 500))
    full = event.sign(render_markdown(result, budget=SUMMARY_BUDGET - 500))
    return Outcome(env, "diff" if result.has_changes else "no-changes", comment, full, failed=check_failed)


def _upgrade_summary(env: str, base: Tree, head: Tree) -> str | None:
    """`spinops upgrade: 1.36.1 → 1.36.3: 9 services change version, ...` when the PR moves the release."""
    from spinops.upgrade.report import summary_line  # noqa: PLC0415 start-up: the contract, only for an upgrade PR

    old, new = ((t.hal or {}).get("version") for t in (base, head))
    return summary_line(env, old, new, base.manifests, head.manifests) if old != new else None


def _check(repo: Path, env: str, manifests: Path, annotate) -> tuple[dict | None, bool, list[Problem] | None]:
    """(the `check --format json` document, failed, problems when check could not run)."""
    from spinops.check.runner import Options, run_check  # noqa: PLC0415 start-up: spinops.check.runner imports PyYAML; needed only on this path
    from spinops.check.settings import kube_version  # noqa: PLC0415 start-up: spinops.check.settings imports difflib; needed only on this path
    from spinops.check.source import parse_manifest, read_input  # noqa: PLC0415 start-up: spinops.check.source imports PyYAML; needed only on this path

    try:
        name, path, text = read_input(str(manifests))
        manifest = parse_manifest(text, name, path)
        version = kube_version(Repo(repo), env, None, DEFAULT_KUBE_VERSION)
        report_ = run_check(manifest, Options(kube_version=version, repo=repo, env=env))
    except SpinopsError as e:
        annotate(e.problems)
        return None, True, e.problems
    annotations = render(report_, "github")
    if annotate is not None and os.environ.get("GITHUB_ACTIONS") == "true":
        sys.stdout.write(annotations)
    return json.loads(render(report_, "json")), report_.failed(), None


def write_outcome(out: Path, outcome: Outcome, event: Event) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_file(out / f"{outcome.env}-full.md", outcome.full)
    meta = {
        "env": outcome.env,
        "outcome": outcome.kind,
        "failed": outcome.failed,
        "pr": event.pr,
        "head_sha": event.head_sha,
        "run_url": event.run_url,
    }
    write_file(out / f"{outcome.env}.json", json.dumps(meta, indent=2, sort_keys=True) + "\n")
    write_file(out / f"{outcome.env}.md", outcome.comment)  # last: its presence means the rest is there


# ----------------------------------------------------------------------------------------------


def _annotate(problems: list[Problem]) -> None:
    for p in problems:
        print(
            p.github() if os.environ.get("GITHUB_ACTIONS") == "true" else p.text(),
            file=sys.stdout if os.environ.get("GITHUB_ACTIONS") == "true" else sys.stderr,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spinops.pr", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("plan", help="the environment matrix and whether anything deployable changed ($GITHUB_OUTPUT)")
    p.add_argument("--base", default=os.environ.get("SPINOPS_BASE", "HEAD^1"))
    p.add_argument("--out", default="report")
    r = sub.add_parser("report", help="build, check and diff one environment; always writes its comment")
    r.add_argument("--env", default=default_env(), help="the environment (default: $SPINOPS_ENV, else production)")
    r.add_argument("--base", default=os.environ.get("SPINOPS_BASE", "HEAD^1"))
    r.add_argument("--out", default="report")
    args = parser.parse_args(argv)
    try:
        if args.step == "plan":
            decision = plan(Path("."), args.base, Path(args.out), Event.from_env())
            lines = [
                f"deploys={'true' if decision['deploys'] else 'false'}",
                "envs=" + json.dumps([e["env"] for e in decision["envs"]]),
                "matrix=" + json.dumps(decision["envs"], separators=(",", ":")),
            ]
            if os.environ.get("GITHUB_OUTPUT"):
                with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as fh:
                    fh.write("\n".join(lines) + "\n")
            print("\n".join(lines))
            return 0
        outcome = report(Path("."), args.env, args.base, Path(args.out), Event.from_env(), annotate=_annotate)
        print(f"{args.env}: {outcome.kind}" + (" (fails the required check)" if outcome.failed else ""))
        return 1 if outcome.failed else 0
    except SpinopsError as e:
        for problem in e.problems:
            print(problem.text(), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
