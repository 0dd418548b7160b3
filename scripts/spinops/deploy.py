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
6. `kubectl rollout status` for every Deployment/StatefulSet/DaemonSet the plan shows created or
   changed (every workload when the plan could not be made, e.g. on a first install); a failed
   rollout names the workload and prints its last events.

`--dry-run` runs steps 1-2 plus two read-only calls: `kubectl apply --dry-run=server` with the same
ApplySet flags (its "pruned (server dry run)" lines are the prune list) and `kubectl get secret -o name`
(whether each workflow Secret exists), then prints the plan.
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
from pathlib import Path

from spinops import gha
from spinops.errors import InputError, Problem
from spinops.kube import changes
from spinops.kube.applyset import applyset_args, as_applied, manifest_namespace, pruned_from_output
from spinops.kube.argv import diff_args, server_side_apply
from spinops.kube.differ import write_differ
from spinops.kube.runner import Kubectl
from spinops.layout import SECRETS_FILE
from spinops.manifests import load_documents
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
    from spinops.wire import load_secrets

    inv = load_secrets(repo)
    out, problems = [], []
    for name, decl in sorted(inv.secrets.items()):
        if decl.source != "workflow":
            continue
        if decl.files:  # a file name such as prod.kubeconfig cannot be an environment variable
            problems.append(
                inv.problem(
                    ("secrets", name, "files"),
                    f"secrets.{name}: a workflow Secret takes its values from environment variables (`env:`), not `files:`",
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
                    hint=f"in deploy.yml pass it from an environment secret: `env: {k}: ${{{{ secrets.{github_secret_name(k)} }}}}`",
                    code="missing-secret-env",
                )
                for k in missing
            ]
        )
    return {k: environ[k] for s in secrets for k in s.keys}


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


class Masker:
    """Replaces every secret value (and its base64 form) in text we print."""

    def __init__(self, values: Sequence[str] = ()):
        forms = set()
        for v in values:
            if len(v) < 3:  # masking one or two characters would shred every line; such a value is not a credential
                continue
            forms.add(v)
            forms.add(base64.b64encode(v.encode()).decode())
            forms.update(ln for ln in v.splitlines() if len(ln.strip()) >= 3)
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for f in self._forms:
            text = text.replace(f, "***")
        return text

    def register_with_runner(self, values: Sequence[str]) -> None:
        for v in values:
            gha.add_mask(v)
            if len(v) >= 3:
                gha.add_mask(base64.b64encode(v.encode()).decode())


# --------------------------------------------------------------------------- plan


@dataclass
class Plan:
    create: list[str] = field(default_factory=list)  # Kind/name
    change: list[str] = field(default_factory=list)
    prune: list[str] = field(default_factory=list)  # kubectl's resource/name, from a dry run or the apply itself
    secrets: list[tuple[str, str]] = field(default_factory=list)  # (name, "create" | "update" | "apply")
    known: bool = True  # False when kubectl diff failed (then every workload is waited for)
    reason: str = ""

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
        lines += [f"  secret  {n} ({how}; from the workflow)" for n, how in self.secrets]
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
    rollout_timeout: str = "10m"
    force_conflicts: bool = True


@dataclass
class Outcome:
    plan: Plan
    namespace: str = ""
    rollouts: list[tuple[str, str, bool]] = field(default_factory=list)  # (kind, name, ok)
    failure: str = ""


def apply_args(opts: Options, namespace: str, *, dry_run: bool) -> list[str]:
    args = server_side_apply(opts.force_conflicts)
    if dry_run:
        args.append("--dry-run=server")
    return [*args, *applyset_args(opts.env, namespace), "-f", str(opts.manifests)]


def run_apply(opts: Options, environ: Mapping[str, str] | None = None, log=None) -> Outcome:
    """Apply (or plan) one environment.

    Raises InputError before touching anything and ApplyFailed when a dry run cannot make its plan;
    a failed apply step or rollout comes back as Outcome.failure, with the plan and what ran so far.
    """
    environ = os.environ if environ is None else environ
    log = log or sys.stdout

    # 1. inputs, all checked before the first kubectl call
    if not opts.manifests.is_file():
        raise InputError(
            Problem(f"no manifests to apply: {opts.manifests} does not exist", str(opts.manifests), hint=f"run `spinops build --env {opts.env}` first")
        )
    docs = load_documents(opts.manifests.read_text(encoding="utf-8"))
    if not docs:  # applying nothing with --prune would delete everything the ApplySet holds
        raise InputError(Problem("the manifests contain no resources; refusing to apply (pruning would delete everything)", str(opts.manifests)))
    namespace = manifest_namespace(docs, opts.namespace, opts.manifests)
    secrets = workflow_secrets(opts.repo)
    values = secret_values(secrets, environ)
    mask = Masker(list(values.values()))
    mask.register_with_runner(list(values.values()))
    k = Kubectl(kubectl_path(), mask, log, hide_env=list(values))

    # 2. plan (read-only: a server-side dry run)
    plan = Plan()
    with tempfile.TemporaryDirectory(prefix="spinops-apply-") as tmp, gha.group(f"plan: kubectl diff ({opts.env})", log):
        proc = k.run(
            diff_args(force_conflicts=opts.force_conflicts),
            stdin=as_applied(docs, opts.env, namespace),
            env={"KUBECTL_EXTERNAL_DIFF": str(write_differ(Path(tmp), changes.DIFFER_NAME, changes.MODULE))},
            quiet=True,
        )
        if proc.returncode in (0, 1):
            plan.create, plan.change = changes.read_changes(proc.stdout)
        else:
            plan.known, plan.reason = False, f"kubectl diff exited {proc.returncode}"
            k.echo(proc.stderr)
            if opts.dry_run:
                raise ApplyFailed(f"cannot make a plan: kubectl diff failed (exit {proc.returncode})")

    if opts.dry_run:
        with gha.group("plan: prune and Secrets (server dry run)", log):
            proc = k.run(apply_args(opts, namespace, dry_run=True), env={"KUBECTL_APPLYSET": "true"}, quiet=True)
            if proc.returncode != 0:
                k.echo(proc.stderr)
                raise ApplyFailed(f"cannot make a plan: kubectl apply --dry-run=server failed (exit {proc.returncode})")
            plan.prune = pruned_from_output(proc.stdout)
            if secrets:
                proc = k.run(["get", "secret", *[s.name for s in secrets], "--namespace", namespace, "--ignore-not-found", "-o", "name"], quiet=True)
                if proc.returncode != 0:
                    k.echo(proc.stderr)
                    raise ApplyFailed(f"cannot make a plan: kubectl get secret failed (exit {proc.returncode})")
                existing = {ln.strip().removeprefix("secret/") for ln in proc.stdout.splitlines()}
                plan.secrets = [(s.name, "update" if s.name in existing else "create") for s in secrets]
        print(plan.text(opts.env, namespace, True), file=log)
        return Outcome(plan, namespace)

    outcome = Outcome(plan, namespace)
    # 3. Namespace objects first: the Secrets need their namespace on a first install
    namespaces = [d for d in docs if d.get("kind") == "Namespace"]
    if namespaces:
        with gha.group("namespace", log):
            stdin = json.dumps({"apiVersion": "v1", "kind": "List", "items": namespaces}, sort_keys=True)
            proc = k.run([*server_side_apply(False), "-f", "-"], stdin=stdin)
            if proc.returncode != 0:
                return _failed(outcome, f"applying the Namespace failed (kubectl exit {proc.returncode})", proc)

    # 4. workflow Secrets, manifest on stdin
    if secrets:
        with gha.group(f"secrets: {', '.join(s.name for s in secrets)}", log):
            proc = k.run([*server_side_apply(opts.force_conflicts), "--namespace", namespace, "-f", "-"], stdin=secrets_manifest(secrets, values, namespace))
            if proc.returncode != 0:
                return _failed(outcome, f"applying the workflow Secrets failed (kubectl exit {proc.returncode})", proc)
            plan.secrets = [(s.name, "apply") for s in secrets]

    # 5. the manifests, with ApplySet pruning
    with gha.group(f"apply: {opts.manifests}", log):
        proc = k.run(apply_args(opts, namespace, dry_run=False), env={"KUBECTL_APPLYSET": "true"})
        plan.prune = pruned_from_output(proc.stdout)
        if proc.returncode != 0:
            return _failed(outcome, f"kubectl apply of {opts.manifests} failed (exit {proc.returncode})", proc)

    # 6. rollouts
    failed = []
    for kind, name in plan.workloads(docs):
        with gha.group(f"rollout: {kind}/{name}", log):
            proc = k.run(["rollout", "status", f"{kind.lower()}/{name}", "--namespace", namespace, f"--timeout={opts.rollout_timeout}"])
            ok = proc.returncode == 0
            outcome.rollouts.append((kind, name, ok))
            if not ok:
                failed.append((kind, name))
    if failed:
        parts = []
        for kind, name in failed:
            ev = k.run(
                ["get", "events", "--namespace", namespace, "--field-selector", f"involvedObject.name={name}", "--sort-by=.lastTimestamp"],
                quiet=True,
            )
            lines = (ev.stdout or ev.stderr).rstrip("\n").splitlines()
            events = "\n".join(lines[:1] + lines[1:][-EVENTS_SHOWN:]) if lines else "(no events)"
            parts.append(f"rollout of {kind}/{name} did not complete within {opts.rollout_timeout}; its last events:\n{events}")
        outcome.failure = "\n\n".join(parts)
    return outcome


def _failed(outcome: Outcome, message: str, proc: subprocess.CompletedProcess) -> Outcome:
    """Record a failed kubectl step (its output is already masked) and stop."""
    tail = proc.stderr.rstrip("\n").splitlines()[-20:]
    outcome.failure = message + ("\n" + "\n".join(tail) if tail else "")
    return outcome


def summary_markdown(opts: Options, outcome: Outcome) -> str:
    plan = outcome.plan
    title = "Plan" if opts.dry_run else "Deploy"
    out = [f"### spinops {title.lower()}: `{opts.env}` (namespace `{outcome.namespace}`)", ""]
    rows = [("create", plan.create), ("change", plan.change), ("prune", plan.prune)]
    if not plan.known:
        out.append(f"Created/changed objects unknown ({plan.reason}); waited for every workload.")
        out.append("")
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
    return "\n".join(out) + "\n"
