"""Which environments a set of changed files affects (so a pre-commit hook builds only those).

- `halconfig/env/<env>.yml` affects `<env>` only; any other file under `halconfig/` (fragments,
  `secrets.yml`, `patches/`, `profiles/`) affects every environment.
- A file under `kustomize/` affects an environment when its overlay's build reads it: it lies in a
  directory the overlay reaches through `resources`/`components`, or a kustomization lists it.
  A component no overlay uses affects none.
- Anything else (docs, the tool itself) affects none.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from spinops.layout import HALCONFIG, KUSTOMIZE, Repo


def _relative(repo: Path, path: str) -> Path | None:
    p = Path(path)
    p = p if p.is_absolute() else repo / p
    try:
        return p.resolve().relative_to(repo.resolve())
    except ValueError:
        return None  # outside the repository


def affected_envs(repo: Path, paths: Iterable[str], envs: list[str]) -> list[str]:
    """The environments of `envs` (sorted) that a change to `paths` (relative to `repo` or absolute) affects."""
    from spinops.bundle import overlay_inputs  # noqa: PLC0415 start-up: PyYAML, via spinops.bundle

    repo = Path(repo)
    hit: set[str] = set()
    inputs: dict[str, set[Path]] = {}
    for path in paths:
        rel = _relative(repo, path)
        if rel is None or not rel.parts:
            continue
        if rel.parts[0] == HALCONFIG.name:
            if len(rel.parts) == 3 and rel.parts[1] == "env" and rel.suffix in (".yml", ".yaml"):
                hit.update({rel.stem} & set(envs))
            else:
                hit.update(envs)
        elif rel.parts[0] == KUSTOMIZE.name:
            absolute = (repo / rel).resolve()
            for env in envs:
                if env not in inputs:
                    inputs[env] = overlay_inputs(Repo(repo).overlay(env))
                if any(absolute == i or i in absolute.parents for i in inputs[env]):
                    hit.add(env)
    return sorted(hit)
