"""Every Python install is hash-locked (issue 13 item 2): the workflows and .ci/run install nox and uv from
requirements/bootstrap.txt with `--require-hashes`; every nox session installs requirements/lock.txt with
`--require-hashes`, then the package itself with `--no-deps --no-build-isolation` (its build backend is the
locked setuptools). pip's hash-checking mode refuses any requirement without a pinned version and a matching
hash (pip docs, "Secure installs", `--require-hashes`); uv follows it (`uv pip install --require-hashes`).

The lock files are `uv pip compile --generate-hashes` output (`nox -s lock`), the pip-compile format
Dependabot's pip ecosystem recompiles (dependabot-core PR #10040, "Support uv compiled requirements files";
its Python file fetcher reads a `requirements/` folder: python/spec/.../file_fetcher_spec.rb, "with only a
requirements folder").
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import yaml

from spinops_testlib import ROOT

BOOTSTRAP = ROOT / "requirements" / "bootstrap.txt"
LOCK = ROOT / "requirements" / "lock.txt"
BOOTSTRAP_LINE = "python -m pip install --require-hashes --no-deps -r requirements/bootstrap.txt"
NOX_INSTALLS = [("--require-hashes", "-r", "LOCK"), ("--no-deps", "--no-build-isolation", "-e", ".")]


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503 normalised names


def pins(path: Path) -> dict[str, str]:
    """name -> version of a compiled requirements file; every entry must be `==`-pinned with sha256 hashes."""
    out = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", path.read_text()):
        if entry.startswith("#") or not entry.strip():
            continue
        m = re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", entry)
        assert m, f"{path.name}: not pinned with ==: {entry.splitlines()[0]}"
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), f"{path.name}: {m.group(1)} has no hash"
        out[norm(m.group(1))] = m.group(2)
    return out


def test_every_locked_requirement_is_pinned_with_hashes():
    boot, lock = pins(BOOTSTRAP), pins(LOCK)
    assert {"nox", "uv"} <= set(boot)
    assert {"ruff", "zizmor", "mypy", "setuptools", "nox", "pytest"} <= set(lock)
    # one version of each package across both files
    assert {k: v for k, v in boot.items() if k in lock} == {k: lock[k] for k in boot if k in lock}


def test_the_lock_holds_the_versions_pyproject_and_the_inputs_pin():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"]) + [d for ds in project["optional-dependencies"].values() for d in ds]
    for name in ("tools.in", "bootstrap.in"):
        declared += [
            line.strip() for line in (ROOT / "requirements" / name).read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
    lock = {**pins(LOCK), **pins(BOOTSTRAP)}
    for req in declared:
        m = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", req)
        if m:  # exact pins must be what is locked (a Dependabot bump of one side only turns this red)
            assert lock.get(norm(m.group(1))) == m.group(2), req
        else:
            assert norm(re.match(r"[A-Za-z0-9._-]+", req).group(0)) in lock, req


def run_lines() -> list[tuple[str, str]]:
    out = []
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            out += [(path.name, " ".join(s["run"].split())) for s in job.get("steps", []) if "run" in s]
    return out


def test_every_workflow_install_is_the_hash_locked_bootstrap():
    installs = [(wf, cmd) for wf, cmd in run_lines() if re.search(r"\bpip\b|\buv\b|setup\.py|easy_install", cmd)]
    assert installs, "the workflows install nox somewhere"
    assert all(cmd == BOOTSTRAP_LINE for _, cmd in installs), installs


def test_ci_run_installs_the_bootstrap_lock_with_hashes():
    lines = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if re.search(r"\bpip\b|\buv\b", ln)]
    lines = [ln for ln in lines if not ln.lstrip().startswith("#")]
    assert lines and all(
        "--require-hashes" in ln and "--no-deps" in ln and "-r requirements/bootstrap.txt" in ln for ln in lines
    ), lines


def nox_installs(source: str) -> dict[str, list[tuple]]:
    """function name -> the literal arguments of each `session.install(...)` call in it (names as `NAME`)."""
    found: dict[str, list[tuple]] = {}
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, ast.FunctionDef):
            continue
        for call in ast.walk(fn):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "install":
                args = tuple(a.value if isinstance(a, ast.Constant) else getattr(a, "id", "?") for a in call.args)
                found.setdefault(fn.name, []).append(args)
    return found


def test_the_noxfile_installs_only_through_the_lock():
    source = (ROOT / "noxfile.py").read_text()
    assert nox_installs(source) == {"_install": NOX_INSTALLS}
    assert re.search(r'^LOCK = "requirements/lock\.txt"$', source, re.M)
    # every session that runs spinops/pytest/ruff goes through _install (or installs nothing: `lock` runs uv only)
    tree = ast.parse(source)
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.decorator_list):
        calls = {c.func.id for c in ast.walk(fn) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
        runs = [c for c in ast.walk(fn) if isinstance(c, ast.Call) and getattr(c.func, "attr", "") == "run"]
        assert "_install" in calls or fn.name == "lock", fn.name
        assert runs, fn.name


def test_the_install_check_would_catch_the_old_unlocked_install():
    """noxfile.py of 2759d9d: `session.install("-e", spec)` (unlocked dependencies, unpinned build backend) and
    the lint session's own `session.install("ruff==0.17.5", "zizmor==1.32.0")`."""
    old = nox_installs(
        "def _install(session, *extras):\n    spec = '.'\n    session.install('-e', spec)\n"
        "def lint(session):\n    session.install('ruff==0.17.5', 'zizmor==1.32.0')\n"
    )
    assert old != {"_install": NOX_INSTALLS} and "lint" in old


def test_dependabot_keeps_the_locks_and_the_actions_current():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    ecosystems = {(u["package-ecosystem"], u.get("directory")) for u in config["updates"]}
    assert ("pip", "/") in ecosystems  # pyproject.toml and the requirements/ folder
    assert ("github-actions", "/") in ecosystems
