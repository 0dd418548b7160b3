"""`spinops apply`: the one seam that changes a cluster.

Order of work (each step named in the log; nothing is applied before every input is valid):

1. inputs: `build/<env>/manifests.yaml`, the workflow-sourced Secrets of `halconfig/secrets.yml` and
   the environment variables holding their values (a missing one is an input error, exit 2);
   in GitHub Actions every value is registered with `::add-mask::` first;
2. plan: `kubectl diff --server-side` (a server-side dry run; nothing is persisted) of the manifests
   as the ApplySet apply will send them (with the member label, see as_applied) on stdin, with our
   own external differ, which lists the objects to create and change;
3. Namespace objects of the manifests (only if any), so the Secrets below have somewhere to go;
4. workflow Secrets: one `kubectl apply --server-side -f -` whose manifest arrives on STDIN
   (values never reach argv, a file or the log);
5. `KUBECTL_APPLYSET=true kubectl apply --server-side --field-manager=spinops --prune
   --applyset=configmaps/spinops-<env>`: ApplySet pruning deletes exactly the objects an earlier
   apply of this ApplySet created and this build no longer renders. (Label-selector pruning is
   rejected by kubectl together with --server-side: "--prune is in alpha and doesn't currently
   work on objects created by server-side apply", checked with kubectl 1.37.1.) The Secrets of
   step 4 are applied outside the ApplySet, so they are never pruned;
6. the revision record on the ApplySet parent (spinops.kube.revision: commit, time, status);
7. `kubectl rollout status` for every Deployment/StatefulSet/DaemonSet the plan shows created or
   changed (every workload when the plan could not be made, e.g. on a first install), ALL AT ONCE,
   each bounded by the one deadline (--rollout-timeout), so the job ends with a summary well before
   its own timeout. A failed rollout names the workload and prints its last events; with
   `rollback_on_failure` the last good revision's stored manifests are re-applied and waited for.
   After every rollout completed, the manifests are stored as the new last good revision.

`--dry-run` runs steps 1-2 plus read-only calls: `kubectl apply --dry-run=server` with the same
ApplySet flags (its "pruned (server dry run)" lines are the prune list), the ApplySet parent (what is
deployed now) and `kubectl get secret -o name` (whether each workflow Secret exists), then prints the
plan; `--plan-out FILE` saves it (spinops.plan). `--plan FILE` applies exactly a saved plan: it makes
the plan again and refuses ("outdated plan: re-run on main") when main or the cluster moved.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from spinops import gha, yamlio
from spinops.credentials import Masker, load_secrets
from spinops.errors import InputError, Problem
from spinops.kube import changes
from spinops.kube.applyset import applyset_apply_args, as_applied, manifest_namespace, pruned_from_output
from spinops.kube.argv import diff_args, server_side_apply
from spinops.kube.differ import write_differ
from spinops.kube.live_diff import current_context
from spinops.kube.revision import (
    LAST_GOOD_MANAGER,
    REVISION_MANAGER,
    Revision,
    get_parent_args,
    last_good_patch,
    read_revision,
    record_args,
    revision_patch,
)
from spinops.kube.runner import Kubectl
from spinops.layout import SECRETS_FILE
from spinops.manifests import load_documents
from spinops.plan import (
    OUTDATED,
    OutdatedPlan,
    SavedPlan,
    check_plan_commit,
    check_plan_current,
    plan_digest,
    read_plan,
    write_plan,
)
from spinops.spinnaker.services import MANAGED_BY, MANAGED_BY_LABEL, PART_OF, PART_OF_LABEL
from spinops.tools import kubectl as kubectl_path

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
EVENTS_SHOWN = 10


class ApplyFailed(Exception):
    """A dry run could not make its plan (exit 1); the message is already masked."""


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class WorkflowSecret:
    name: str  # Kubernetes Secret name
    keys: tuple[str, ...]  # data keys = environment variable names


def workflow_secrets(repo: Path) -> list[WorkflowSecret]:
    """The Secrets of halconfig/secrets.yml whose `source` is `workflow` (names only, sorted).

    Parsing and validation are spinops.wire's (one reader of secrets.yml, errors with line numbers).
    """
    inv = load_secrets(repo)
    out, problems = [], []
    for name, decl in sorted(inv.secrets.items()):
        if decl.source != "workflow":
            continue
        if decl.files:  # a file name such as prod.kubeconfig cannot be an environment variable
            problems.append(
                inv.problem(
                    ("secrets", name, "files"),
                    f"secrets.{name}: a workflow Secret takes its values from environment variables (`env:`), not "
                    "`files:`",
                    hint="declare file credentials in a Secret with `source: external`",
                )
            )
            continue
        out.append(WorkflowSecret(name, tuple(decl.env)))
    if problems:
        raise InputError(problems)
    return out


def secret_values(secrets: Sequence[WorkflowSecret], environ: Mapping[str, str]) -> dict[str, str]:
    """Every key's value from the environment; all missing names are reported at once (exit 2).

    Empty counts as missing: GitHub expands `${{ secrets.X }}` of an undefined secret to "".
    """
    missing = sorted({k for s in secrets for k in s.keys if not environ.get(k)})
    if missing:
        raise InputError(
            [
                Problem(
                    f"environment variable {k} is not set (or empty): it holds key {k} of the workflow Secret "
                    + ", ".join(s.name for s in secrets if k in s.keys),
                    str(SECRETS_FILE),
                    hint=f"in deploy.yml pass it from an environment secret: `env: {k}: ${{{{ "
                         f"secrets.{github_secret_name(k)} }}}}`",
                    code="missing-secret-env",
                )
                for k in missing
            ]
        )
    return {k: environ[k] for s in secrets for k in s.keys}


def masked_keys(secret: WorkflowSecret, environ: Mapping[str, str]) -> str:
    """`KEY=***` for each key whose variable is set, `KEY=(not set: apply would stop)` otherwise: never a value."""
    return ", ".join(f"{k}=***" if environ.get(k) else f"{k}=(not set: apply would stop)" for k in secret.keys)


def github_secret_name(key: str) -> str:
    """The GitHub environment secret holding a key: GitHub reserves the GITHUB_ prefix for its own names."""
    return f"SPINNAKER_{key}" if key.upper().startswith("GITHUB_") else key


def secrets_manifest(secrets: Sequence[WorkflowSecret], values: Mapping[str, str], namespace: str) -> str:
    """A v1 List of the Secrets as JSON, for kubectl's stdin only (base64 `data`, not `stringData`:
    server-side apply tracks `data` keys, so removing a key really removes it)."""
    items = []
    for s in secrets:
        items.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {
                    "name": s.name,
                    "namespace": namespace,
                    "labels": {MANAGED_BY_LABEL: MANAGED_BY, PART_OF_LABEL: PART_OF},
                    "annotations": {"spinops.io/source": "workflow"},
                },
                "type": "Opaque",
                "data": {k: base64.b64encode(values[k].encode()).decode() for k in s.keys},
            }
        )
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, sort_keys=True)


# --------------------------------------------------------------------------- plan


@dataclass
class Plan:
    create: list[str] = field(default_factory=list)  # Kind/name
    change: list[str] = field(default_factory=list)
    prune: list[str] = field(default_factory=list)  # kubectl's resource/name, from a dry run or the apply itself
    secrets: list[tuple[str, str]] = field(default_factory=list)  # (name, "create" | "update" | "apply")
    secret_keys: dict[str, str] = field(default_factory=dict)  # dry run: name -> its keys, values masked
    known: bool = True  # False when kubectl diff failed (then every workload is waited for)
    reason: str = ""
    records: list[dict] = field(default_factory=list)  # the differ's lines (action, object, digest)

    def workloads(self, docs: Sequence[dict]) -> list[tuple[str, str]]:
        """(kind, name) of the workloads to wait for, in manifest order."""
        touched = set(self.create) | set(self.change)
        out = []
        for d in docs:
            kind, name = d.get("kind"), (d.get("metadata") or {}).get("name")
            if kind in WORKLOAD_KINDS and name and (not self.known or f"{kind}/{name}" in touched):
                out.append((kind, name))
        return out

    def text(self, env: str, namespace: str, dry_run: bool) -> str:
        head = f"{'Plan' if dry_run else 'Changes'} for {env} (namespace {namespace}):"
        lines = [head]
        if not self.known:
            lines.append(f"  (create/change unknown: {self.reason})")
        for label, items in (("create", self.create), ("change", self.change), ("prune", self.prune)):
            lines += [f"  {label:<7} {i}" for i in items]
        lines += [
            f"  secret  {n} ({how}; from the workflow{': ' + self.secret_keys[n] if n in self.secret_keys else ''})"
            for n, how in self.secrets
        ]
        if len(lines) == 1 + (0 if self.known else 1):
            lines.append("  no changes")
        return "\n".join(lines)


# --------------------------------------------------------------------------- apply


@dataclass
class Options:
    env: str
    repo: Path
    manifests: Path
    namespace: str | None = None
    dry_run: bool = False
    #: ONE deadline for all rollouts, which are waited for in parallel (kubectl durations)
    rollout_timeout: str = "10m"
    force_conflicts: bool = True
    plan_out: Path | None = None  # --dry-run: save the plan here
    plan_in: Path | None = None  # apply exactly this saved plan
    main_ref: str | None = None  # git ref of main's current head (e.g. origin/main): only it is deployed
    commit: str | None = None  # the commit the manifests were built from (default: HEAD of repo)
    rollback: bool = False  # an explicit rollback to an older commit of main
    rollback_on_failure: bool = False  # a failed rollout re-applies the last good revision
    run_url: str = ""


@dataclass
class Outcome:
    plan: Plan
    namespace: str = ""
    rollouts: list[tuple[str, str, bool]] = field(default_factory=list)  # (kind, name, ok)
    failure: str = ""
    saved: SavedPlan | None = None
    deployed: Revision = field(default_factory=Revision)  # the record found on the ApplySet parent
    rolled_back_to: str = ""
    notes: list[str] = field(default_factory=list)


def apply_args(opts: Options, namespace: str, manifests: Path, *, dry_run: bool) -> list[str]:
    return applyset_apply_args(opts.env, namespace, manifests, force_conflicts=opts.force_conflicts, dry_run=dry_run)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _commits(opts: Options) -> tuple[str, str]:
    """(the commit being deployed, main's head); "" outside a git repository, main = commit without --main-ref."""
    from spinops.diff.trees import resolve_ref  # noqa: PLC0415 start-up: difflib, via spinops.diff.trees

    commit = opts.commit or ""
    if not commit and (opts.repo / ".git").exists():
        commit = resolve_ref(opts.repo, "HEAD")
    main = resolve_ref(opts.repo, opts.main_ref) if opts.main_ref else commit
    return commit, main


def _make_plan(
    k: Kubectl, opts: Options, docs: Sequence[dict], namespace: str, manifests: Path, log, *, prune: bool
) -> Plan:
    """The server-side dry run (kubectl diff with our differ), and with `prune` the ApplySet prune dry run."""
    plan = Plan()
    with (
        tempfile.TemporaryDirectory(prefix="spinops-apply-") as tmp,
        gha.group(f"plan: kubectl diff ({opts.env})", log),
    ):
        proc = k.run(
            diff_args(force_conflicts=opts.force_conflicts),
            stdin=as_applied(docs, opts.env, namespace),
            env={"KUBECTL_EXTERNAL_DIFF": str(write_differ(Path(tmp), changes.DIFFER_NAME, changes.MODULE))},
            quiet=True,
        )
        if proc.returncode in (0, 1):
            plan.records = changes.read_records(proc.stdout)
            plan.create, plan.change = changes.read_changes(proc.stdout)
        else:
            plan.known, plan.reason = False, f"kubectl diff exited {proc.returncode}"
            k.echo(proc.stderr)
            if prune:
                raise ApplyFailed(f"cannot make a plan: kubectl diff failed (exit {proc.returncode})")
    if prune:
        with gha.group("plan: prune (server dry run)", log):
            proc = k.run(
                apply_args(opts, namespace, manifests, dry_run=True), env={"KUBECTL_APPLYSET": "true"}, quiet=True
            )
            if proc.returncode != 0:
                k.echo(proc.stderr)
                raise ApplyFailed(f"cannot make a plan: kubectl apply --dry-run=server failed (exit {proc.returncode})")
            plan.prune = pruned_from_output(proc.stdout)
    return plan


def read_deployed(k: Kubectl, env: str, namespace: str) -> Revision:
    """The revision record on the environment's ApplySet parent (empty when there is none or kubectl fails)."""
    proc = k.run(get_parent_args(env, namespace), quiet=True)
    return read_revision(proc.stdout) if proc.returncode == 0 else Revision()


def run_apply(opts: Options, environ: Mapping[str, str] | None = None, log=None) -> Outcome:
    """Apply (or plan) one environment.

    Raises InputError before touching anything, ApplyFailed when a dry run cannot make its plan and
    OutdatedPlan when a plan may not be made or applied; a failed apply step or rollout comes back as
    Outcome.failure, with the plan and what ran so far.
    """
    environ = os.environ if environ is None else environ
    log = log or sys.stdout

    # 1. inputs, all checked before the first kubectl call
    saved = read_plan(opts.plan_in) if opts.plan_in else None
    if saved is not None:
        text, manifests_path = saved.manifests, None
    else:
        if not opts.manifests.is_file():
            raise InputError(
                Problem(
                    f"no manifests to apply: {opts.manifests} does not exist",
                    str(opts.manifests),
                    hint=f"run `spinops build --env {opts.env}` first",
                )
            )
        text, manifests_path = yamlio.read_text(opts.manifests), opts.manifests
    docs = load_documents(text, str(manifests_path))
    if not docs:  # applying nothing with --prune would delete everything the ApplySet holds
        raise InputError(
            Problem(
                "the manifests contain no resources; refusing to apply (pruning would delete everything)",
                str(opts.plan_in or opts.manifests),
            )
        )
    namespace = saved.namespace if saved is not None else manifest_namespace(docs, opts.namespace, opts.manifests)
    commit, main = _commits(opts)
    if saved is not None:
        check_plan_current(saved, opts.env, main if opts.main_ref else saved.main)
    elif opts.dry_run and opts.main_ref:
        from spinops.diff.trees import is_ancestor  # noqa: PLC0415 start-up: difflib, via spinops.diff.trees

        check_plan_commit(commit, main, opts.rollback, is_ancestor(opts.repo, commit, main))
    secrets = workflow_secrets(opts.repo)
    if opts.dry_run:
        # a plan reads the cluster only: first the context (as `diff --live`), and no secret value is needed;
        # the ones set are only used to mask whatever kubectl echoes and to say which keys are set
        keys = {k for s in secrets for k in s.keys}
        # kubectl never sees a secret
        current_context(kubectl_path(), env={k: v for k, v in environ.items() if k not in keys})
        values = {k: environ[k] for s in secrets for k in s.keys if environ.get(k)}
    else:
        values = secret_values(secrets, environ)
    mask = Masker(list(values.values()))
    gha.add_masks(mask.runner_masks())
    k = Kubectl(kubectl_path(), mask, log, hide_env=list(values))

    with tempfile.TemporaryDirectory(prefix="spinops-plan-") as tmp:
        if manifests_path is None:  # the saved plan's manifests, exactly
            manifests_path = Path(tmp) / "manifests.yaml"
            manifests_path.write_text(text, encoding="utf-8")
        return _run(k, opts, docs, text, manifests_path, namespace, commit, main, secrets, values, saved, log)


def _run(k, opts, docs, text, manifests_path, namespace, commit, main, secrets, values, saved, log) -> Outcome:
    # 2. plan (read-only: server-side dry runs)
    plan = _make_plan(k, opts, docs, namespace, manifests_path, log, prune=opts.dry_run or saved is not None)
    outcome = Outcome(plan, namespace, saved=saved)
    outcome.deployed = read_deployed(k, opts.env, namespace)

    if opts.dry_run:
        if secrets:
            with gha.group("plan: workflow Secrets", log):
                proc = k.run(
                    [
                        "get",
                        "secret",
                        *[s.name for s in secrets],
                        "--namespace",
                        namespace,
                        "--ignore-not-found",
                        "-o",
                        "name",
                    ],
                    quiet=True,
                )
                if proc.returncode != 0:
                    k.echo(proc.stderr)
                    raise ApplyFailed(f"cannot make a plan: kubectl get secret failed (exit {proc.returncode})")
                existing = {ln.strip().removeprefix("secret/") for ln in proc.stdout.splitlines()}
                plan.secrets = [(s.name, "update" if s.name in existing else "create") for s in secrets]
                plan.secret_keys = {s.name: masked_keys(s, values) for s in secrets}
        outcome.saved = SavedPlan(
            env=opts.env, namespace=namespace, commit=commit, main=main, manifests=text,
            digest=plan_digest(plan.records, plan.prune, text), rollback=opts.rollback,
            create=plan.create, change=plan.change, prune=plan.prune, created_at=_now(),
        )
        print(plan.text(opts.env, namespace, True), file=log)
        if opts.plan_out:
            write_plan(opts.plan_out, outcome.saved)
            print(
                f"plan {outcome.saved.digest[:12]} of {commit[:12] or 'the working tree'} saved to {opts.plan_out}",
                file=log,
            )
        return outcome

    if saved is not None:
        if plan_digest(plan.records, plan.prune, text) != saved.digest:
            raise OutdatedPlan(f"{OUTDATED} (the cluster changed since the plan was made: {_plan_delta(saved, plan)})")
        commit = saved.commit

    # 3-5: Namespaces, workflow Secrets, the manifests with ApplySet pruning
    failure = _apply_steps(k, opts, docs, manifests_path, namespace, secrets, values, plan, log)
    if failure:
        outcome.failure = failure
        return outcome
    _record(k, log, revision_patch(opts.env, namespace, commit, _now(), "applied", opts.run_url), REVISION_MANAGER)

    # 6. rollouts: all at once, one deadline
    failed = _rollouts(k, opts, plan.workloads(docs), namespace, outcome, log)
    if not failed:
        now = _now()
        _record(k, log, revision_patch(opts.env, namespace, commit, now, "good", opts.run_url), REVISION_MANAGER)
        patch = last_good_patch(opts.env, namespace, commit, now, text)
        if patch is None:
            outcome.notes.append(
                "the manifests are too large to keep on the ApplySet parent: no rollback copy was stored"
            )
        else:
            _record(k, log, patch, LAST_GOOD_MANAGER)
        return outcome
    outcome.failure = _events(k, failed, namespace, opts.rollout_timeout)
    _record(k, log, revision_patch(opts.env, namespace, commit, _now(), "failed", opts.run_url), REVISION_MANAGER)
    if opts.rollback_on_failure:
        _roll_back(k, opts, plan.workloads(docs), namespace, outcome, log)
    return outcome


def _plan_delta(saved: SavedPlan, plan: Plan) -> str:
    before = (
        {("create", o) for o in saved.create}
        | {("change", o) for o in saved.change}
        | {("prune", o) for o in saved.prune}
    )
    now = (
        {("create", o) for o in plan.create} | {("change", o) for o in plan.change} | {("prune", o) for o in plan.prune}
    )
    parts = [f"now also {a} {o}" for a, o in sorted(now - before)] + [
        f"no longer {a} {o}" for a, o in sorted(before - now)
    ]
    return "; ".join(parts) if parts else "the same objects, but their live state differs from the plan's"


def _apply_steps(k, opts, docs, manifests_path, namespace, secrets, values, plan, log) -> str:
    """Steps 3-5; returns the failure ("" when all went through)."""
    # 3. Namespace objects first: the Secrets need their namespace on a first install
    namespaces = [d for d in docs if d.get("kind") == "Namespace"]
    if namespaces:
        with gha.group("namespace", log):
            stdin = json.dumps({"apiVersion": "v1", "kind": "List", "items": namespaces}, sort_keys=True)
            proc = k.run([*server_side_apply(False), "-f", "-"], stdin=stdin)
            if proc.returncode != 0:
                return _failed(f"applying the Namespace failed (kubectl exit {proc.returncode})", proc)
    # 4. workflow Secrets, manifest on stdin
    if secrets:
        with gha.group(f"secrets: {', '.join(s.name for s in secrets)}", log):
            proc = k.run(
                [*server_side_apply(opts.force_conflicts), "--namespace", namespace, "-f", "-"],
                stdin=secrets_manifest(secrets, values, namespace),
            )
            if proc.returncode != 0:
                return _failed(f"applying the workflow Secrets failed (kubectl exit {proc.returncode})", proc)
            plan.secrets = [(s.name, "apply") for s in secrets]
    # 5. the manifests, with ApplySet pruning
    shown = str(manifests_path) if opts.plan_in is None else f"the manifests of the plan {opts.plan_in}"
    with gha.group(f"apply: {shown}", log):
        proc = k.run(apply_args(opts, namespace, manifests_path, dry_run=False), env={"KUBECTL_APPLYSET": "true"})
        plan.prune = pruned_from_output(proc.stdout)
        if proc.returncode != 0:
            return _failed(f"kubectl apply of {shown} failed (exit {proc.returncode})", proc)
    return ""


def _rollouts(k, opts, workloads, namespace, outcome, log) -> list[tuple[str, str]]:
    """`kubectl rollout status` of every workload at once, each bounded by the one deadline."""
    if not workloads:
        return []
    failed = []
    with gha.group(f"rollout: {len(workloads)} workload(s) in parallel, deadline {opts.rollout_timeout}", log):
        argvs = [
            [
                "rollout",
                "status",
                f"{kind.lower()}/{name}",
                "--namespace",
                namespace,
                f"--timeout={opts.rollout_timeout}",
            ]
            for kind, name in workloads
        ]
        for (kind, name), proc in zip(workloads, k.run_parallel(argvs), strict=True):
            k.echo(proc.stdout + proc.stderr)
            outcome.rollouts.append((kind, name, proc.returncode == 0))
            if proc.returncode != 0:
                failed.append((kind, name))
    return failed


def _events(k, failed, namespace, timeout) -> str:
    parts = []
    for kind, name in failed:
        ev = k.run(
            [
                "get",
                "events",
                "--namespace",
                namespace,
                "--field-selector",
                f"involvedObject.name={name}",
                "--sort-by=.lastTimestamp",
            ],
            quiet=True,
        )
        lines = (ev.stdout or ev.stderr).rstrip("\n").splitlines()
        events = "\n".join(lines[:1] + lines[1:][-EVENTS_SHOWN:]) if lines else "(no events)"
        parts.append(f"rollout of {kind}/{name} did not complete within {timeout}; its last events:\n{events}")
    return "\n\n".join(parts)


def _record(k: Kubectl, log, patch: str, manager: str) -> None:
    """Write part of the revision record; a failure is reported, never fatal (the apply itself happened)."""
    proc = k.run(record_args(manager), stdin=patch, quiet=True)
    if proc.returncode != 0:
        print(
            f"warning: could not record the revision on the ApplySet parent (kubectl exit {proc.returncode})", file=log
        )
        k.echo(proc.stderr)


def _roll_back(k, opts, workloads, namespace, outcome, log) -> None:
    """Re-apply the last good revision's stored manifests (with pruning) and wait for the same workloads."""
    last = read_deployed(k, opts.env, namespace)
    if not last.last_good or last.last_good_manifests is None:
        outcome.failure += (
            "\n\nrollback: no last good revision is recorded on the ApplySet parent; nothing was rolled back"
        )
        return
    with tempfile.TemporaryDirectory(prefix="spinops-rollback-") as tmp:
        path = Path(tmp) / "manifests.yaml"
        path.write_text(last.last_good_manifests, encoding="utf-8")
        with gha.group(f"rollback to {last.last_good[:12]}", log):
            proc = k.run(apply_args(opts, namespace, path, dry_run=False), env={"KUBECTL_APPLYSET": "true"})
        if proc.returncode != 0:
            outcome.failure += f"\n\nrollback to {last.last_good[:12]} failed: kubectl apply exited {proc.returncode}"
            return
        failed = _rollouts(k, opts, workloads, namespace, Outcome(Plan()), log)
    _record(
        k,
        log,
        revision_patch(
            opts.env, namespace, last.last_good, _now(), "rolled-back" if not failed else "failed", opts.run_url
        ),
        REVISION_MANAGER,
    )
    outcome.rolled_back_to = last.last_good
    outcome.failure += f"\n\nrolled back to the last good revision {last.last_good[:12]} (applied {last.last_good_at})"
    if failed:
        outcome.failure += "; its rollout did not complete either: " + ", ".join(f"{a}/{b}" for a, b in failed)


def _failed(message: str, proc: subprocess.CompletedProcess) -> str:
    """A failed kubectl step (its output is already masked)."""
    tail = proc.stderr.rstrip("\n").splitlines()[-20:]
    return message + ("\n" + "\n".join(tail) if tail else "")


def summary_markdown(opts: Options, outcome: Outcome) -> str:
    plan = outcome.plan
    title = "Plan" if opts.dry_run else "Deploy"
    out = [f"### spinops {title.lower()}: `{opts.env}` (namespace `{outcome.namespace}`)", ""]
    saved = outcome.saved
    if saved is not None and saved.commit:
        what = "**Rollback** to" if saved.rollback else "Commit"
        tail = (
            ": the approved job applies exactly this plan, or refuses if main or the cluster moved."
            if opts.dry_run
            else ", applied unchanged."
        )
        out += [f"{what} `{saved.commit[:12]}` (main at `{saved.main[:12]}`), plan `{saved.digest[:12]}`{tail}", ""]
    d = outcome.deployed
    if d.known:
        out += [
            f"Deployed before: `{d.commit[:12]}` ({d.status or 'status unknown'}, {d.applied_at or 'time unknown'}); "
            f"last good: `{d.last_good[:12] or 'none'}`.",
            "",
        ]
    if plan.prune:
        out += [
            "> [!CAUTION]",
            f"> **{len(plan.prune)} object(s) will be DELETED** (ApplySet pruning): "
            + ", ".join(f"`{p}`" for p in plan.prune),
            "",
        ]
    if not plan.known:
        out += [f"Created/changed objects unknown ({plan.reason}); waited for every workload.", ""]
    rows = [("create", plan.create), ("change", plan.change), ("**DELETE**", plan.prune)]
    if any(items for _, items in rows) or plan.secrets:
        out += ["| action | object |", "| --- | --- |"]
        for label, items in rows:
            out += [f"| {label} | `{i}` |" for i in items]
        out += [f"| secret ({how}) | `Secret/{n}` |" for n, how in plan.secrets]
    elif plan.known:
        out.append("No changes.")
    if outcome.rollouts:
        out += ["", "| rollout | result |", "| --- | --- |"]
        out += [f"| `{k}/{n}` | {'ok' if ok else '**failed**'} |" for k, n, ok in outcome.rollouts]
    if outcome.failure:
        out += ["", "```text", outcome.failure.replace("```", "'''"), "```"]
        good = d.last_good
        if good and not outcome.rolled_back_to:
            out += [
                "",
                f"To roll back by hand to the last good revision `{good[:12]}`: Actions → deploy → Run workflow with "
                f"`rollback_ref` = `{good}` (`gh workflow run deploy.yml -f rollback_ref={good}`); its plan names "
                "what it removes.",
            ]
    out += [f"\nNote: {n}" for n in outcome.notes]
    return "\n".join(out) + "\n"
