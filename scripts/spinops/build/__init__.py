"""`spinops build`: halconfig -> rendered configs -> patches/profiles -> wiring -> kustomize layer -> manifests.

    inputs.py    read and check every input (halconfig + env/<env>.yml, secrets.yml, literal credentials,
                 profiles, patches, the overlay); every input problem at once
    pipeline.py  pure stages over config files (files.py): render -> profiles -> patches -> discovery -> wiring
    output.py    one serializer per kind of file (deck.py: Deck's), the kustomize layer build/<env>/,
                 `kubectl kustomize` -> build/<env>/manifests.yaml
    timing.py    the stage timings (BuildResult.timings), a wrapper around the stages

The output directory is replaced only when everything succeeded; on any error it is untouched.
Same inputs give byte-identical outputs.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

import spinops.build.output as output
import spinops.build.pipeline as pipeline
from spinops.build.contract import contract_problems
from spinops.build.inputs import read_inputs
from spinops.build.origin import HalconfigValues
from spinops.build.timing import Timings
from spinops.errors import InputError, Problem
from spinops.layout import MANIFESTS, Repo
from spinops.spinnaker.images import release_images
from spinops.spinnaker.running import running


@dataclass
class BuildResult:
    env: str
    out_dir: Path
    manifests_path: Path
    manifests: str
    timings: dict[str, float] = field(default_factory=dict)
    wiring: dict[str, dict] = field(default_factory=dict)  # service -> {"env": [...], "secrets": [...], "files": [...]}
    patches: list = field(default_factory=list)  # spinops.patch.Applied
    warnings: list[Problem] = field(default_factory=list)
    namespace: str = ""
    ha: bool = False
    configs: dict[str, list[str]] = field(default_factory=dict)  # service -> files in its ConfigMap
    kustomize_cache: str = ""  # hit | miss | off: why (spinops.kustomize_cache)

    def resource_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for line in self.manifests.splitlines():
            if line.startswith("kind: "):
                kind = line[6:].strip()
                counts[kind] = counts.get(kind, 0) + 1
        return dict(sorted(counts.items()))

    def as_dict(self) -> dict:
        return {
            "env": self.env,
            "out_dir": str(self.out_dir),
            "manifests": str(self.manifests_path),
            "namespace": self.namespace,
            "ha": self.ha,
            "resources": self.resource_counts(),
            "configs": self.configs,
            "wiring": self.wiring,
            "patches": [a.as_dict() for a in self.patches],
            "warnings": [w.as_dict() for w in self.warnings],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "kustomize_cache": self.kustomize_cache,
        }


def build_env(
    repo: Path, env: str, *, out: Path | None = None, verbose: bool = False, cache: bool = True
) -> BuildResult:
    """Build one environment into `out` (default repo/build/<env>); raises InputError on bad input.

    Problems name files relative to the repository (what a PR annotation needs). With `cache`, kustomize's
    output is kept by the hash of its inputs in repo/build/.cache/kustomize (spinops.kustomize_cache).
    """
    repo = Path(repo).resolve()
    try:
        result = _build(repo, env, out, cache)
    except InputError as e:
        raise type(e)([_relative(p, repo) for p in e.problems]) from None
    result.warnings = [_relative(p, repo) for p in result.warnings]
    return result


def _relative(p: Problem, repo: Path) -> Problem:
    if not p.file or not os.path.isabs(p.file):
        return p
    try:
        return dataclasses.replace(p, file=str(Path(p.file).resolve().relative_to(repo)))
    except ValueError:
        return p


def _build(repo: Path, env: str, out: Path | None, cache: bool) -> BuildResult:
    t = Timings()
    inputs = t.run("load", read_inputs, Repo(repo), env)
    files = t.run("render", pipeline.render_files, inputs.hal.data, HalconfigValues(inputs.hal))
    files = t.run("patch", pipeline.add_profiles, files, inputs.profiles)
    files, applied = t.run("patch", pipeline.apply_patches, files, inputs.patches, inputs.hal.data.get("version"))
    files = t.run("patch", pipeline.running_only, files, inputs.hal.data)
    files = t.run("wire", pipeline.add_discovery, files, inputs.namespace, inputs.hal.data)
    wiring, problems = t.run("wire", pipeline.wiring, files, inputs)
    if errors := [p for p in problems if p.severity == "error"]:
        raise InputError(errors)
    shards = t.run("wire", pipeline.shard_wiring, files, inputs, wiring)
    runs = running(inputs.hal.data)
    contract: list[Problem] = []  # runtime-contract warnings (errors stop the build before anything is written)
    # the overlay's own pins win; `spinops check` reports them (rule image-pins), build only needs a tag for each image
    images, no_image = release_images(inputs.release, runs, inputs.pins) if inputs.release else ({}, [])
    if no_image:
        raise InputError(no_image)
    # what each Spring service's ConfigMap holds, as data (the contract reads it)
    spring_files: dict[str, dict[str, dict]] = {}
    for f in files:
        if f.service != "deck" and isinstance(f.data, dict):
            spring_files.setdefault(f.owner, {})[f.name] = f.data
    configs, env_files = t.run("serialize", output.serialize, files)
    out = Path(out) if out is not None else Repo(repo).build_dir(env)
    manifests, cache_status = output.write(
        out,
        repo=repo,
        overlay=inputs.overlay,
        namespace=inputs.namespace,
        configs=configs,
        env_files=env_files,
        wiring=wiring,
        timings=t,
        not_running=[svc for svc, on in runs.items() if not on],
        shard_wiring=shards,
        images=images,
        verify=lambda text: contract.extend(t.run("contract", contract_problems, text, repo, env, spring_files)),
        cache=Repo(repo).kustomize_cache if cache else None,
    )
    return BuildResult(
        env=env,
        out_dir=out,
        manifests_path=out / MANIFESTS,
        manifests=manifests,
        timings=t.total(),
        wiring={svc: wiring[svc].summary() for svc in sorted(wiring)},
        patches=applied,
        warnings=inputs.inventory.warnings
        + [p for p in problems if p.severity != "error"]
        + inputs.notes
        + contract
        + output.oversized(configs),
        namespace=inputs.namespace,
        ha=inputs.ha,
        configs={svc: sorted(configs[svc]) for svc in sorted(configs)},
        kustomize_cache=cache_status,
    )
