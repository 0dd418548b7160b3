"""Best-effort tracing of a finding back to the file a human edits.

- Kubernetes resources: the kustomize document with the same kind and name (or whose name is a
  prefix of it, for `nameSuffix` shards such as clouddriver-caching), preferring the
  environment's overlay, then components, then base, and the one where the finding's path goes
  deepest. List items are matched by their `name` (containers, volumes, env), as strategic
  merge patches match them, else by position.
- Credential values in ConfigMaps: the halconfig file and line holding the same literal (the
  value is compared, never printed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from spinops.check.findings import Location
from spinops.check.k8s import get_path, split_image
from spinops.errors import InputError
from spinops.spinnaker.catalog import release_of_tag
from spinops.spinnaker.contract.properties import canonical
from spinops.yamlio import compose, compose_all, position, read_text


@dataclass
class SourceDoc:
    file: Path
    node: yaml.MappingNode
    priority: int  # lower wins: 0 overlay of this env, 1 component, 2 base, 3 anything else


@dataclass
class Tracer:
    repo: Path
    env: str | None = None
    _docs: dict = field(default_factory=dict)

    @cached_property
    def index(self) -> dict[tuple[str, str], list[SourceDoc]]:
        out: dict[tuple[str, str], list[SourceDoc]] = {}
        root = self.repo / "kustomize"
        if not root.is_dir():
            return out
        for f in sorted(root.rglob("*")):
            if f.suffix not in (".yml", ".yaml") or not f.is_file():
                continue
            rel = f.relative_to(root).parts
            if rel[0] == "overlays":
                if self.env is None or len(rel) < 2 or rel[1] != self.env:
                    continue
                prio = 0
            else:
                prio = {"components": 1, "base": 2}.get(rel[0], 3)
            try:
                docs = compose_all(read_text(f))
            except (yaml.YAMLError, InputError):
                continue
            for d in docs:
                if not isinstance(d, yaml.MappingNode):
                    continue
                kind, name = _scalar(d, "kind"), _scalar(_child(d, "metadata"), "name")
                if kind and name and kind not in ("Kustomization", "Component"):
                    out.setdefault((kind, name), []).append(SourceDoc(f, d, prio))
        return out

    def locate(self, resource: dict, path: tuple) -> Location | None:
        kind = str(resource.get("kind"))
        meta = resource.get("metadata")
        name = str(meta.get("name") or "") if isinstance(meta, dict) else ""
        candidates = list(self.index.get((kind, name), ()))
        if not candidates:  # nameSuffix shards and prefixes: the longest source name the rendered name starts with
            best = [k for k in self.index if k[0] == kind and name.startswith(k[1] + "-")]
            if best:
                candidates = self.index[max(best, key=lambda k: len(k[1]))]
        if not candidates:
            return None
        scored = []
        for doc in candidates:
            node, depth = _walk_named(doc.node, resource, path)
            scored.append((-depth, doc.priority, str(doc.file), node))
        scored.sort(key=lambda s: s[:3])
        _, _, fname, node = scored[0]
        return Location(self._rel(Path(fname)), *position(node.start_mark))

    @cached_property
    def image_overrides(self) -> dict[str, list[tuple[int, Path, int, int]]]:
        """Image name -> (priority, kustomization file, line of its newTag/digest/newName) from `images:`."""
        out: dict[str, list[tuple[int, Path, int, int]]] = {}
        root = self.repo / "kustomize"
        if not root.is_dir():
            return out
        for f in sorted(root.rglob("kustomization.y*ml")):
            rel = f.relative_to(root).parts
            if rel[0] == "overlays" and (self.env is None or len(rel) < 2 or rel[1] != self.env):
                continue
            prio = 0 if rel[0] == "overlays" else {"components": 1, "base": 2}.get(rel[0], 3)
            try:
                doc = compose(read_text(f))
            except (yaml.YAMLError, InputError):
                continue
            images = _child(doc, "images")
            if not isinstance(images, yaml.SequenceNode):
                continue
            for entry in images.value:
                name = _scalar(entry, "name")
                if not name:
                    continue
                mark = next(
                    (
                        k
                        for k, _ in entry.value
                        if isinstance(k, yaml.ScalarNode) and k.value in ("newTag", "digest", "newName")
                    ),
                    entry,
                )
                out.setdefault(name, []).append((prio, f, *position(mark.start_mark)))
        return out

    def locate_image(self, image: str) -> Location | None:
        """Where an image's tag is set: the kustomize `images:` entry for it (overlay first)."""
        repo, tag, _ = split_image(image)
        found = sorted(self.image_overrides.get(repo, ()), key=lambda x: (x[0], str(x[1])))
        if not found:
            # no kustomize pin: `spinops build` set the release tag from the halconfig's version
            # (spinops.spinnaker.catalog)
            return self.halconfig_version() if release_of_tag(tag) else None
        _, f, line, column = found[0]
        return Location(self._rel(f), line, column)

    def _halconfig_files(self) -> list[Path]:
        """The halconfig files a human edits, most specific first: the env overlay, profiles, fragments."""
        root = self.repo / "halconfig"
        if not root.is_dir():
            return []
        env = [root / "env" / f"{self.env}.yml"] if self.env else []
        return [
            f for f in (*env, *sorted((root / "profiles").glob("*.yml")), *sorted(root.glob("*.yml"))) if f.is_file()
        ]

    def find_key(self, key_path: tuple) -> Location | None:
        """The halconfig / profile line that sets a property (a config file's key path), matched by the longest
        common suffix of key paths of at least two keys, names compared as Spring's relaxed binding does."""
        want = [canonical(str(k)) for k in key_path]
        best: tuple[int, int, Location] | None = None
        for rank, f in enumerate(self._halconfig_files()):
            try:
                root = compose(read_text(f))
            except (yaml.YAMLError, InputError):
                continue
            for path, key in _key_paths(root, ()):
                n = 0
                while n < min(len(path), len(want)) and path[-1 - n] == want[-1 - n]:
                    n += 1
                if n >= min(2, len(want)) and (best is None or (n, -rank) > (best[0], best[1])):
                    best = (n, -rank, Location(self._rel(f), *position(key.start_mark)))
        return best[2] if best else None

    def halconfig_version(self) -> Location | None:
        """Where the halconfig chooses the Spinnaker release (`version:`), env overlay first."""
        for f in self._halconfig_files():
            try:
                root = compose(read_text(f))
            except (yaml.YAMLError, InputError):
                continue
            for k, _ in root.value if isinstance(root, yaml.MappingNode) else ():
                if isinstance(k, yaml.ScalarNode) and k.value == "version":
                    return Location(self._rel(f), *position(k.start_mark))
        return None

    def find_value(self, value: str) -> Location | None:
        """The halconfig file:line holding `value` literally (for credentials found in ConfigMaps)."""
        if not value or len(value) < 4:
            return None
        root = self.repo / "halconfig"
        if not root.is_dir():
            return None
        for f in sorted(root.rglob("*")):
            if not f.is_file() or f.suffix not in (".yml", ".yaml", ".js"):
                continue
            try:
                for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                    if value in line:
                        return Location(self._rel(f), i, line.index(value) + 1)
            except (OSError, UnicodeDecodeError):
                continue
        return None

    def _rel(self, f: Path) -> str:
        try:
            return str(f.relative_to(self.repo))
        except ValueError:
            return str(f)


def _key_paths(node, prefix: tuple):
    """(canonical key path, key node) of every mapping entry under `node`."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                path = (*prefix, *(canonical(p) for p in str(k.value).split(".")))
                yield path, k
                yield from _key_paths(v, path)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            yield from _key_paths(v, prefix)


def _child(node, key: str):
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _scalar(node, key: str) -> str | None:
    v = _child(node, key)
    return v.value if isinstance(v, yaml.ScalarNode) else None


def _walk_named(node, resource: dict, path: tuple):
    """Follow `path` in a source document, matching list items by `name` like a strategic merge.
    Returns (node to point at: the key of a mapping entry, steps taken)."""
    depth, mark = 0, node
    for i, seg in enumerate(path):
        nxt = key = None
        if isinstance(seg, int) and isinstance(node, yaml.SequenceNode):
            item = get_path(resource, path[: i + 1])
            item_name = item.get("name") if isinstance(item, dict) else None
            if item_name is not None:
                for el in node.value:
                    if _scalar(el, "name") == item_name:
                        nxt = key = el
                        break
            if nxt is None and 0 <= seg < len(node.value) and item_name is None:
                nxt = key = node.value[seg]
        elif not isinstance(seg, int) and isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == seg:
                    nxt, key = v, k
                    break
        if nxt is None:
            break
        node, mark, depth = nxt, key, depth + 1
    return mark, depth
