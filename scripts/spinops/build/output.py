"""The edge of the build: config files to text, the kustomize layer written to a staged directory,
`kubectl kustomize` run there, and the directory swapped in only when everything succeeded."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import spinops.build.deck as deck
from spinops import bundle, kustomize_cache, render
from spinops.atomic import StagedDir
from spinops.build.files import DECK, RENDERED, ConfigFile
from spinops.build.timing import Timings
from spinops.errors import Problem
from spinops.freshness import FILE, fingerprint
from spinops.layout import MANIFESTS, kustomization_file
from spinops.spinnaker.services import SERVICES
from spinops.tools import kubectl

#: Kubernetes stores an object in etcd only up to ~1.5 MB; a ConfigMap's data is capped at 1 MiB.
CONFIGMAP_LIMIT = 1024 * 1024


def serialize(files: Sequence[ConfigFile]) -> tuple[dict[str, dict[str, str]], dict[str, tuple[str, str]]]:
    """One serializer per kind: (service -> {file name -> text} of its ConfigMap `<svc>-config`,
    service -> (file name, text) of its env-file ConfigMap `<svc>-env`, see bundle.layer_files)."""
    configs: dict[str, dict[str, str]] = {svc: {} for svc in SERVICES if any(f.service == svc for f in files)}
    env_files: dict[str, tuple[str, str]] = {}
    texts: dict[int, str] = {}  # discovery data is shared by every Spring service: serialized once
    for f in files:
        if f.kind == DECK:
            where, text = deck.serialize(f)
            if text:
                if where == "env":
                    env_files[f.owner] = (f.name, text)
                else:
                    configs[f.owner][f.name] = text
        elif f.kind == RENDERED:
            configs[f.owner][f.name] = render.serialize(f.name, f.data)
        else:
            key = id(f.data)
            if key not in texts:
                texts[key] = bundle.dump_yaml(f.data)
            configs[f.owner][f.name] = texts[key]
    return configs, env_files


def oversized(configs: dict[str, dict[str, str]]) -> list[Problem]:
    out = []
    for svc, texts in sorted(configs.items()):
        size = sum(len(t.encode()) for t in texts.values())
        if size > CONFIGMAP_LIMIT:
            out.append(
                Problem(
                    f"{svc}-config holds {size / 1e6:.1f} MB of config: over Kubernetes' 1 MiB ConfigMap limit, "
                    "applying it will fail",
                    file="halconfig",
                    severity="warning",
                    code="configmap-too-large",
                    hint="split the accounts across installations, or move the largest sections into a profile served "
                         "from a volume",
                )
            )
    return out


def write(out: Path, *, repo: Path, overlay: Path, namespace: str, configs, env_files, wiring, timings: Timings,
          not_running: Sequence[str] = (), shard_wiring=None, images: dict[str, dict[str, str]] | None = None,
          verify=None, cache: Path | None = None) -> tuple[str, str]:
    """Write the layer and its manifests to `out` all or nothing; returns the manifests' text and what the
    kustomize cache `cache` did (spinops.kustomize_cache: hit, miss, off: why).

    not_running: services the halconfig does not run (the layer deletes their Deployments and Services);
    shard_wiring: service -> {shard Deployment -> wiring} where HA shards need different Secrets;
    images: image name -> its `images:` fields (spinops.spinnaker.images); verify: called with the manifests
    before anything replaces `out` (the runtime contract), raising InputError to stop."""
    stage = timings.run("bundle", StagedDir, out)
    try:
        timings.run(
            "bundle",
            _write_layer,
            stage,
            overlay=overlay,
            namespace=namespace,
            configs=configs,
            env_files=env_files,
            wiring=wiring,
            not_running=list(not_running),
            shard_wiring=shard_wiring,
            images=images,
        )
        source = str(kustomization_file(overlay))
        outcome = timings.run(
            "kustomize",
            kustomize_cache.kustomize,
            stage.path,
            cache,
            repo,
            lambda: bundle.run_kustomize(stage.path, display=str(out), repo=repo, source=source),
            kubectl(),
        )
        manifests = outcome.manifests
        if verify is not None:
            verify(manifests)
        # `check --env` refuses this build once the inputs have changed (spinops.freshness)
        stage.write({MANIFESTS: manifests, FILE: fingerprint(repo)})
        stage.commit()
    except BaseException:
        stage.discard()
        raise
    return manifests, outcome.status


def _write_layer(stage: StagedDir, *, overlay: Path, **layer) -> None:
    stage.write(bundle.layer_files(overlay_rel=os.path.relpath(overlay, stage.path), **layer))
