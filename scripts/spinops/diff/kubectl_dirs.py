"""Read the LIVE and MERGED directories `kubectl diff` hands to KUBECTL_EXTERNAL_DIFF.

kubectl writes one YAML file per object, named `group.version.Kind.namespace.name` (the core
group omitted: `v1.ConfigMap.spinnaker.fiat-config-7g9b2hk5c8`; cluster-scoped objects have an
empty namespace: `rbac.authorization.k8s.io.v1.ClusterRole..spinnaker`). An object that does not
exist yet has no file in LIVE; one that would be pruned has none in MERGED. The identity of an
object comes from its content; the file name is only used in error messages.
"""

from __future__ import annotations

from pathlib import Path

from spinops import yamlio
from spinops.errors import InputError, Problem
from spinops.manifests import load_documents


def read_dir(path: Path | str) -> list[dict]:
    path = Path(path)
    if not path.is_dir():
        raise InputError(
            Problem(
                f"not a directory: {path}",
                file=str(path),
                hint="usage: spinops external-diff LIVE MERGED (the directories kubectl diff writes)",
            )
        )
    docs: list[dict] = []
    problems: list[Problem] = []
    for f in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            loaded = load_documents(yamlio.read_text(f), str(f))
        except InputError as e:
            problems.extend(e.problems)
            continue
        except ValueError as e:
            problems.append(Problem(f"cannot parse the object file kubectl wrote: {e}", file=str(f)))
            continue
        for d in loaded:
            if not isinstance(d, dict) or "kind" not in d:
                problems.append(Problem("expected one Kubernetes object (with apiVersion and kind)", file=str(f)))
                continue
            docs.append(d)
    if problems:
        raise InputError(problems)
    return docs
