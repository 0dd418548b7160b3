"""`spinops diff --base REF`: build REF and the working tree, compare, add the halconfig impact."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from spinops import yamlio
from spinops.check.repository import DEPLOY_WORKFLOW, apply_steps, read_yaml
from spinops.credentials import credential_paths
from spinops.diff import impact
from spinops.diff.compare import DiffResult, compare
from spinops.diff.trees import Tree, build_tree, head_label, repo_root, resolve_ref, worktree
from spinops.errors import InputError, SpinopsError
from spinops.layout import Repo
from spinops.manifests import load_documents
from spinops.render import SECTIONS


def diff_against_ref(repo: Path, ref: str, env: str, *, context: int = 3) -> DiffResult:
    root = repo_root(repo)
    commit = resolve_ref(root, ref)
    # the working tree may be a subdirectory of the git repository (monorepos)
    sub = Path(repo).resolve().relative_to(root.resolve()) if Path(repo).resolve() != root.resolve() else Path()
    base_label = f"{ref}@{commit[:7]}"
    # Two builds side by side: each is mostly a kustomize subprocess, so threads overlap them.
    yamlio.before_threads()
    with worktree(root, commit) as wt, ThreadPoolExecutor(max_workers=2) as pool:
        new_env = env not in Repo(wt / sub).envs()  # a PR that adds an environment: all of it is new
        removed_env = not new_env and env not in Repo(Path(repo)).envs()  # one that removes it: all of it goes
        fb = None if new_env else pool.submit(build_tree, wt / sub, env, base_label, "base")
        fh = None if removed_env else pool.submit(build_tree, Path(repo), env, head_label(Path(repo)), "head")
        errors = [f.exception() for f in (fb, fh) if f is not None]
    failed = [e for e in errors if e is not None]
    broken = [e for e in failed if isinstance(e, SpinopsError)]
    if len(broken) == 2:
        raise InputError(broken[0].problems + broken[1].problems)  # both sides broken: say so once
    if failed:
        raise failed[0]
    head = fh.result() if fh is not None else Tree(label=head_label(Path(repo)), root=Path(repo), manifests="")
    base = fb.result() if fb is not None else Tree(label=base_label, root=root, manifests="")
    result = diff_trees(base, head, env, context=context)
    if new_env:
        result.notes.append(f"environment `{env}` does not exist at {base_label}: every resource is new")
    if removed_env:
        result.notes.append(f"environment `{env}` is removed: every resource of it would be deleted")
    return result


def diff_trees(base: Tree, head: Tree, env: str, *, context: int = 3) -> DiffResult:
    result = compare(
        load_documents(base.manifests),
        load_documents(head.manifests),
        old_label=base.label,
        new_label=head.label,
        context=context,
    )
    result.env = env
    if base.hal is not None and head.hal is not None and base.hal != head.hal:
        result.impact = impact_of(base, head, result).as_dict()
        _mark_workflow_credentials(result.impact, head.root, env)
    return result


def _mark_workflow_credentials(found: dict, root: Path, env: str) -> None:
    """For each new workflow-sourced env credential: does the head's deploy workflow pass it for ENV?
    (the `deploy-credentials` rule of `spinops check`, here for the PR comment's note)."""
    workflow = read_yaml(Path(root), DEPLOY_WORKFLOW)
    if workflow is None:
        return
    steps = [s for s in apply_steps(workflow) if s.environments is None or env in s.environments]
    for c in found.get("new_credentials") or ():
        if c.get("source") == "workflow" and c.get("kind") == "env":
            c["workflow_passes"] = bool(steps) and all(c["name"] in s.env_vars for s in steps)


def impact_of(base: Tree, head: Tree, result: DiffResult):
    cred_paths = credential_paths()
    config_changed = sorted(
        {c.service for c in result.changes if c.kind in ("ConfigMap", "Secret") and c.service != "other"}
    )
    return impact.analyse(
        base.hal,
        head.hal,
        SECTIONS,
        config_changed=config_changed,
        base_wiring=base.wiring,
        head_wiring=head.wiring,
        secrets=head.secrets,
        credential_paths=cred_paths,
    )
