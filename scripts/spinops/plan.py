"""A saved deploy plan: what `spinops apply --dry-run --plan-out` showed, and what the approved job applies.

Terraform's saved plans and Atlantis' plan/apply are the model: the plan is made and shown before
anyone approves, and the apply after approval applies exactly that plan or refuses. A plan file
holds the manifests themselves (so the apply needs no build) plus:

- `commit`: the commit the manifests were built from, and `main`: the commit main pointed to when
  the plan was made. A plan for anything but main's head is refused unless it is an explicit
  rollback (a re-run of an old workflow run keeps its old GITHUB_SHA, GitHub docs "Re-running
  workflows and jobs", and ApplySet pruning would delete what newer commits added);
- `digest`: a fingerprint of every change (per-object digests of the server-side dry run, the
  prune list, the manifests). The apply makes the plan again; a different digest means the
  cluster moved since the approval, and the apply refuses;
- `prune`: what the apply deletes, shown prominently (a rollback names it too).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from spinops.atomic import write_file
from spinops.errors import InputError, Problem

FORMAT = "spinops-plan/v1"
OUTDATED = "outdated plan: re-run on main"


class OutdatedPlan(Exception):
    """The approved plan no longer describes what an apply would do (exit 1, nothing changed)."""


@dataclass
class SavedPlan:
    env: str
    namespace: str
    commit: str
    main: str
    manifests: str
    digest: str
    rollback: bool = False
    create: list[str] = field(default_factory=list)
    change: list[str] = field(default_factory=list)
    prune: list[str] = field(default_factory=list)
    created_at: str = ""

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, **asdict(self)}, indent=1, sort_keys=True) + "\n"


def manifests_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def plan_digest(records: list[dict], prune: list[str], manifests: str) -> str:
    """One fingerprint of a plan: the dry run's per-object change digests, the prunes, the manifests."""
    entries = sorted((r["action"], r["object"], r.get("digest", "")) for r in records)
    body = json.dumps(
        {"changes": entries, "prune": sorted(prune), "manifests": manifests_sha256(manifests)}, sort_keys=True
    )
    return hashlib.sha256(body.encode()).hexdigest()


def write_plan(path: Path, plan: SavedPlan) -> None:
    write_file(path, plan.to_json())


def read_plan(path: Path) -> SavedPlan:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            Problem(
                f"no plan: {path} does not exist",
                str(path),
                hint="make one with `spinops apply --dry-run --plan-out FILE`",
            )
        ) from None
    except ValueError as e:
        raise InputError(Problem(f"not a plan file: {e}", str(path))) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(Problem(f"not a plan file (expected \"format\": \"{FORMAT}\")", str(path)))
    fields = set(SavedPlan.__dataclass_fields__)
    missing = sorted(
        k for k in ("env", "namespace", "commit", "main", "manifests", "digest") if not isinstance(data.get(k), str)
    )
    if missing:
        raise InputError(Problem(f"plan file lacks {', '.join(missing)}", str(path)))
    return SavedPlan(**{k: v for k, v in data.items() if k in fields})


def check_plan_commit(commit: str, main: str, rollback: bool, is_ancestor: bool) -> None:
    """When planning: only main's head may be deployed, except by an explicit rollback to a commit of main's history."""
    if rollback:
        if not is_ancestor:
            raise OutdatedPlan(
                f"rollback refused: {commit[:12]} is not a commit of main's history (main is at {main[:12]})"
            )
        return
    if commit != main:
        raise OutdatedPlan(
            f"refusing to deploy {commit[:12]}: main is at {main[:12]}. Re-running an old deploy run would re-apply "
            "an old commit, and pruning would delete what newer commits added. Start the deploy workflow on main, "
            "or dispatch it with a rollback ref to go back on purpose."
        )


def check_plan_current(plan: SavedPlan, env: str, main_now: str) -> None:
    """When applying: the plan is for this environment and main has not moved since it was made."""
    if plan.env != env:
        raise OutdatedPlan(f"the plan is for {plan.env!r}, not {env!r}")
    if plan.main != main_now:
        raise OutdatedPlan(f"{OUTDATED} (main moved from {plan.main[:12]} to {main_now[:12]} since the plan was made)")
