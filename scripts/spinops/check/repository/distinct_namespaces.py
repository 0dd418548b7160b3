"""`distinct-namespaces` (error): no other overlay uses the namespace of ENV's overlay, reported at its
`namespace:` line (two environments in one namespace would apply and prune over each other)."""

from __future__ import annotations

from pathlib import Path

from spinops.check.findings import Finding, Location, ResourceRef
from spinops.check.repository.files import as_dict, read_yaml
from spinops.layout import Repo, kustomization_file

ID = "distinct-namespaces"
SEVERITY = "error"
DESCRIPTION = "each environment's overlay has a namespace of its own"


def distinct_namespaces(env: str, namespaces: dict[str, tuple[str, Location]]) -> list[Finding]:
    """namespaces: environment -> (namespace, where it is set). ENV sharing one with another is an error."""
    if env not in namespaces:
        return []
    ns, where = namespaces[env]
    others = sorted(e for e, (n, _) in namespaces.items() if n == ns and e != env)
    if not others:
        return []
    return [
        Finding(
            ID,
            SEVERITY,
            f"environment {env!r} uses namespace {ns!r}, as does {', '.join(repr(o) for o in others)}: their applies "
            "would prune each other",
            ResourceRef("Kustomization", where.file),
            source=where,
            hint="give each overlay its own `namespace:`",
        )
    ]


def overlay_namespaces(repo: Path) -> dict[str, tuple[str, Location]]:
    out = {}
    for env in Repo(repo).envs():
        kfile = kustomization_file(repo / "kustomize" / "overlays" / env)
        doc = read_yaml(repo, str(kfile.relative_to(repo))) if kfile else None
        ns = as_dict(doc.data if doc else None).get("namespace")
        if doc is not None and isinstance(ns, str) and ns:
            out[env] = (ns, Location(doc.file, *(doc.position(("namespace",)) or (None, None))))
    return out


def findings(repo: Path, env: str) -> list[Finding]:
    return distinct_namespaces(env, overlay_namespaces(repo))
