"""Built-in Spinnaker rules, one module each (yamllint's `rules/` is the model).

A rule module has:
- a docstring: its user documentation, with `PASS::` and `FAIL::` examples (indented YAML, one or
  more documents). The examples double as tests: every FAIL example must give a finding of the
  rule and every PASS example none.
- `ID` (the name used in reports, `--rules` and `spinops.io/ignore`), `DESCRIPTION`, `SEVERITY`.
- `check(resource, ctx)`: a generator yielding `Hit`s for one resource. Rules that compare
  resources (same-release, ha-shared-config, placeholders-resolvable) look at `ctx.resources`.

Rules are pure: everything from outside (the secrets inventory, credential key names, the repo)
comes in through `Context`.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import textwrap
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType

from spinops.spinnaker.catalog import Catalog


@dataclass(frozen=True)
class Hit:
    """One problem a rule found: where in the resource, and what."""

    path: tuple = ()
    message: str = ""
    inner: tuple | None = None  # path inside an embedded config file (data['x.yml'] -> key path)
    severity: str | None = None  # None: the rule's SEVERITY
    hint: str | None = None
    inner_line: int | None = None  # 1-based line inside that embedded file
    # the offending value, used only to trace its source; never printed
    evidence: str | None = field(default=None, repr=False)
    trace_key: tuple | None = (
        None  # a property's key path in a config file: traced to the halconfig/profile line writing it
    )


@dataclass
class Context:
    """What rules may know beyond the resource they check."""

    resources: list[dict] = field(default_factory=list)
    #: Secret name -> keys declared in halconfig/secrets.yml (None when there is no secrets.yml)
    declared_secrets: dict[str, frozenset[str]] | None = None
    repo: Path | None = None
    _index: dict | None = None
    _memo: dict = field(default_factory=dict)

    def find(self, kind: str, name: str) -> dict | None:
        if self._index is None:
            self._index = {}
            for r in self.resources:
                meta = m if isinstance(m := r.get("metadata"), dict) else {}
                if isinstance(r.get("kind"), str) and isinstance(meta.get("name"), str):
                    self._index.setdefault((r["kind"], meta["name"]), r)
        return self._index.get((kind, name)) if isinstance(name, str) else None

    def of_kind(self, *kinds: str) -> list[dict]:
        return [r for r in self.resources if r.get("kind") in kinds]

    @property
    def catalog(self) -> Catalog:
        """The releases this repository may use: the package's and the team's own (halconfig/releases/)."""
        return self.memo("catalog", lambda c: Catalog.for_repo(c.repo))

    def memo(self, key: str, compute):
        """A value computed once per run from all resources (cross-resource rules use it)."""
        if key not in self._memo:
            self._memo[key] = compute(self)
        return self._memo[key]


@cache
def builtin_rules() -> tuple[ModuleType, ...]:
    """Every built-in rule module, sorted by ID."""
    mods = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "ID") and hasattr(mod, "check"):
            mods.append(mod)
    return tuple(sorted(mods, key=lambda m: m.ID))


def by_id() -> dict[str, ModuleType]:
    return {m.ID: m for m in builtin_rules()}


_EXAMPLE = re.compile(r"^(PASS|FAIL)::[ \t]*\n((?:[ \t]*\n|[ \t]+\S.*\n?)+)", re.M)


def examples(mod: ModuleType) -> list[tuple[str, str]]:
    """The (PASS|FAIL, yaml text) examples of a rule's docstring, in order."""
    doc = (mod.__doc__ or "") + "\n"
    return [(m.group(1), textwrap.dedent(m.group(2)).strip() + "\n") for m in _EXAMPLE.finditer(doc)]


def summary(mod: ModuleType) -> str:
    """The first paragraph of the docstring (for --list-rules, SARIF help)."""
    return " ".join((mod.__doc__ or "").strip().split("\n\n", 1)[0].split())
