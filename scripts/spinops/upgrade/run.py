"""The I/O edge of `spinops upgrade`: read where each environment's release is written, build the chosen
environments before and after the move (the after side in a temporary copy of halconfig/ and kustomize/),
report, and only then write the edits, each file atomically.
"""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from spinops import yamlio
from spinops.atomic import write_file
from spinops.diff.compare import DiffResult
from spinops.diff.run import diff_trees
from spinops.diff.trees import Tree, _halconfig, _secrets
from spinops.environments import ALL, Environment, load_environments
from spinops.errors import InputError, Problem, SpinopsError
from spinops.halconfig.load import load_halconfig, overlay_path
from spinops.halconfig.merge import contains
from spinops.layout import HALCONFIG, KUSTOMIZE, Repo
from spinops.manifests import load_documents
from spinops.spinnaker.catalog import Catalog
from spinops.upgrade.edit import EnvRelease, plan_edits
from spinops.upgrade.report import Report, Side, build_report
from spinops.upgrade.versions import Newer, check_move, key, line, newer


@dataclass
class Upgrade:
    target: str
    reports: list[tuple[Report, DiffResult | None]] = field(default_factory=list)
    edits: dict[str, str] = field(default_factory=dict)  # path -> new text
    written: bool = False
    already: list[str] = field(default_factory=list)  # environments already at the target


def releases(root: Path) -> tuple[list[Environment], list[EnvRelease], str | None]:
    """(environments in promotion order, each one's release and where it is written, the fragment holding
    the base `version:` or None)."""
    repo = Repo(root)
    envs = load_environments(root)
    out, base_file = [], None
    for e in envs:
        hal = load_halconfig(repo.halconfig, e.name)
        src = hal.source_for(("version",))
        version = hal.data.get("version")
        if src is None or not contains(src.data, ("version",)) or not isinstance(version, str):
            raise InputError(Problem(
                f"no Spinnaker release chosen for {e.name}: the halconfig has no `version:`", file=str(HALCONFIG),
                code="no-version", hint="set `version:` in halconfig/halconfig.yml (see `spinops upgrade`)",
            ))
        file = _relative(Path(src.path), root)
        overlay = _relative(overlay_path(repo.halconfig, e.name), root)
        out.append(EnvRelease(e.name, version, file, overlay))
    hal = load_halconfig(repo.halconfig, None)
    src = hal.source_for(("version",))
    if src is not None and contains(src.data, ("version",)):
        base_file = _relative(Path(src.path), root)
    return envs, out, base_file


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def listing(root: Path, env: str) -> list[tuple[EnvRelease, Newer]]:
    _, rels, _ = releases(root)
    chosen = [r for r in rels if env in (ALL, r.env)]
    if not chosen:
        Repo(root).require_env(env)
    known = Catalog.for_repo(root).versions  # the package's releases and the team's (halconfig/releases/)
    return [(r, newer(r.version, known)) for r in chosen]


def proposals(root: Path, rows: list[tuple[EnvRelease, Newer]], next_kind: str) -> list[dict]:
    """What the upgrade workflow opens a PR for: per listed environment its newest patch (`patch`), or the newest
    release of its next minor line (`minor`, else the newest patch), when its `after:` environment already runs
    that release or a newer one (staging first)."""
    envs = {e.name: e for e in load_environments(root)}
    at = {r.env: r.version for r in releases(root)[1]}
    out = []
    for r, n in rows:
        target = (n.newest_minor or n.newest_patch) if next_kind == "minor" else n.newest_patch
        after = envs[r.env].after
        if target is None or (after is not None and key(at[after]) < key(target)):
            continue
        out.append({"env": r.env, "from": r.version, "version": target,
                    "kind": "patch" if line(target) == line(r.version) else "minor"})
    return out


def default_envs(envs: list[Environment], rels: list[EnvRelease], target: str) -> list[str]:
    """Staging first: the environments below `target` whose `after:` environment already runs it (or newer)."""
    at = {r.env: key(r.version) for r in rels}
    goal = key(target)
    return [e.name for e in envs if at[e.name] < goal and (e.after is None or at[e.after] >= goal)]


def upgrade(root: Path, target: str, env: str | None, *, write: bool = True, context: int = 3) -> Upgrade:
    root = Path(root)
    catalog = Catalog.for_repo(root)
    envs, rels, base_file = releases(root)
    if env is None:
        moving = default_envs(envs, rels, target)
    elif env == ALL:
        moving = [e.name for e in envs]
    else:
        Repo(root).require_env(env)
        moving = [env]
    result = Upgrade(target)
    if not moving:  # no environment to move by default: say which ones run the release (or a newer one)
        catalog.check(target)
        result.already = [r.env for r in rels if key(r.version) >= key(target)]
        return result
    kinds = {}
    for r in rels:
        if r.env in moving:
            kinds[r.env] = check_move(r.version, target, r.env, catalog)
    result.already = [e for e in moving if kinds[e] == "none"]
    moving = [e for e in moving if kinds[e] != "none"]
    if not moving:
        return result

    def read(path: str) -> str:
        p = root / path
        return p.read_text(encoding="utf-8") if p.is_file() else ""

    result.edits = plan_edits(rels, moving, target, base_file, read)
    at = {r.env: r.version for r in rels}
    order = {e.name: e for e in envs}
    with tempfile.TemporaryDirectory(prefix="spinops-upgrade-") as tmp:
        after_root = Path(tmp) / "repo"
        for d in (HALCONFIG, KUSTOMIZE):
            shutil.copytree(root / d, after_root / d, symlinks=True)
        for path, text in result.edits.items():
            write_file(after_root / path, text)
        yamlio.before_threads()  # see there: yaml-rs must not be imported first in a worker thread
        with ThreadPoolExecutor(max_workers=2) as pool:
            jobs = {e: (pool.submit(_side, root, e, at[e], "before"),
                        pool.submit(_side, after_root, e, target, "after")) for e in moving}
            sides = {e: (b.result(), a.result()) for e, (b, a) in jobs.items()}
    for e in moving:
        (before, tree_b), (after, tree_a) = sides[e]
        report = build_report(e, kinds[e], before, after, catalog)
        behind = order[e].after
        if behind and at[behind] != target and behind not in moving:
            report.notes.append(f"{e} moves before {behind} (its `after:`), which runs {at[behind]}: the documented "
                                f"path is {behind} first")
        diff = diff_trees(tree_b, tree_a, e, context=context) if tree_b is not None and tree_a is not None else None
        result.reports.append((report, diff))
    if write and all(r.builds for r, _ in result.reports):
        for path, text in result.edits.items():
            write_file(root / path, text)
        result.written = True
    return result


def _side(root: Path, env: str, version: str, label: str) -> tuple[Side, Tree | None]:
    """Build `env` of the tree at `root` into a temporary directory: the Side for the report and the Tree for
    the diff. A build stopped only by runtime-contract errors is a finding of the report, not a failure."""
    from spinops.build import build_env  # noqa: PLC0415 start-up: PyYAML, via spinops.build

    out = Path(tempfile.mkdtemp(prefix=f"spinops-upgrade-{label}-"))
    try:
        try:
            res = build_env(root, env, out=out / env)
        except SpinopsError as e:
            if label == "after" and e.problems and all((p.code or "").startswith("contract:") for p in e.problems):
                return Side(version, None, tuple(e.problems)), None
            raise InputError([_on(p, label, version) for p in e.problems]) from None
    finally:
        shutil.rmtree(out, ignore_errors=True)
    tree = Tree(label=f"{env}@{version}", root=root, manifests=res.manifests, wiring=dict(res.wiring))
    tree.hal, tree.secrets = _halconfig(root, env), _secrets(root)
    return Side(version, load_documents(res.manifests)), tree


def _on(p: Problem, label: str, version: str) -> Problem:
    side = "the current release" if label == "before" else f"release {version}"
    return Problem(f"cannot build {side}: {p.message}", file=p.file, line=p.line, column=p.column, hint=p.hint,
                   severity=p.severity, code=p.code)

