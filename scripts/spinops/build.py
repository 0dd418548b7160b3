"""`spinops build`: halconfig -> rendered configs -> patches/profiles -> wiring -> kustomize layer -> manifests.

    load (halconfig/ + env/<env>.yml)  ->  credential check (schema annotations, before anything is rendered)
    ->  render (Kleat-compatible)  ->  patches + profiles  ->  wire (Secrets per service)
    ->  bundle (build/<env>/ kustomize layer)  ->  kubectl kustomize  ->  build/<env>/manifests.yaml

Every stage but the last two is pure. The output directory is replaced only when everything
succeeded; on any error it is untouched. Same inputs give byte-identical outputs.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinops.errors import InputError, Problem
from spinops.layout import MANIFESTS, Repo, kustomization_file


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
        }


def build_env(repo: Path, env: str, *, out: Path | None = None, verbose: bool = False) -> BuildResult:
    """Build one environment into `out` (default repo/build/<env>); raises InputError on bad input.

    Problems name files relative to the repository (what a PR annotation needs).
    """
    repo = Path(repo).resolve()
    try:
        result = _build(repo, env, out)
    except InputError as e:
        raise type(e)([_relative(p, repo) for p in e.problems]) from None
    result.warnings = [_relative(p, repo) for p in result.warnings]
    return result


#: Kubernetes stores an object in etcd only up to ~1.5 MB; a ConfigMap's data is capped at 1 MiB.
CONFIGMAP_LIMIT = 1024 * 1024


def _oversized(configs: dict[str, dict[str, str]]) -> list[Problem]:
    out = []
    for svc, texts in sorted(configs.items()):
        size = sum(len(t.encode()) for t in texts.values())
        if size > CONFIGMAP_LIMIT:
            out.append(
                Problem(
                    f"{svc}-config holds {size / 1e6:.1f} MB of config: over Kubernetes' 1 MiB ConfigMap limit, applying it will fail",
                    file="halconfig",
                    severity="warning",
                    code="configmap-too-large",
                    hint="split the accounts across installations, or move the largest sections into a profile served from a volume",
                )
            )
    return out


def _relative(p: Problem, repo: Path) -> Problem:
    if not p.file or not os.path.isabs(p.file):
        return p
    try:
        return dataclasses.replace(p, file=str(Path(p.file).resolve().relative_to(repo)))
    except ValueError:
        return p


def _service_files(patched: dict[str, Any], changed: set[str], prof) -> tuple[dict[str, dict[str, Any]], dict[str, set[str]]]:
    """service -> {file -> data} its ConfigMap will hold, and the files that are hand-written or patched.

    Rendered files go to their service (render.FILES); profiles to theirs, when not empty;
    spinnaker-local.yml to every Spring service; settings-local.js to Deck as [hand-written text,
    patch overrides] (wire scans its strings).
    """
    from spinops import profiles
    from spinops.render import FILES
    from spinops.spinnaker.services import SERVICES

    names = profiles.profile_names()
    files: dict[str, dict[str, Any]] = {svc: {} for svc in SERVICES}
    hand: dict[str, set[str]] = {svc: set() for svc in SERVICES}
    for name, data in patched.items():
        if name in FILES:
            svc = FILES[name]
            if svc not in files:
                continue  # spinnaker-monitoring.yml: no monitoring daemon in kustomize/base
            files[svc][name] = data
            if name in changed:
                hand[svc].add(name)
        elif names.get(name) and name != profiles.DECK_LOCAL and data:
            files[names[name]][name] = data
            hand[names[name]].add(name)
    shared = patched.get(profiles.SHARED_PROFILE)
    if shared:
        for svc in profiles.SPRING_SERVICES:
            files[svc][profiles.SHARED_PROFILE] = shared
            hand[svc].add(profiles.SHARED_PROFILE)
    deck_local = patched.get(profiles.DECK_LOCAL) or {}
    if deck_local or prof.deck_js:
        files["deck"][profiles.DECK_LOCAL] = [prof.deck_js, deck_local]
    return files, hand


def _build(repo: Path, env: str, out: Path | None) -> BuildResult:
    from spinops import atomic, bundle, patch, profiles, render, wire
    from spinops.halconfig.load import load_halconfig
    from spinops.render import FILES, render_structs, serialize
    from spinops.spinnaker.discovery import service_discovery
    from spinops.spinnaker.services import SERVICES

    timings: dict[str, float] = {}
    t_start = t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - t
        t = now

    layout = Repo(repo)
    overlay = layout.require_env(env)
    out = Path(out) if out is not None else layout.build_dir(env)
    hal = load_halconfig(layout.halconfig, env)
    inventory = wire.load_secrets(repo)
    # Literal credentials are refused before anything is rendered, so no later message can carry one.
    # Messages name the services a credential reaches unchanged (render's table).
    problems = wire.check_halconfig(hal.data, inventory, hal.locate, render.CREDENTIAL_SECTIONS)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    lap("load")

    rendered = render_structs(hal.data)
    lap("render")

    prof = profiles.load_profiles(repo)
    patches = patch.load_patches(layout.patches, display_root=repo)
    targets = profiles.patch_targets(rendered, prof)
    patched, applied = patch.apply_patches(targets, patches, hal.data.get("version"))
    changed = {name for a in applied for name in a.changed}
    lap("patch")

    if overlay_errors := bundle.overlay_problems(overlay):  # file:line:col before kustomize's chain of errors
        raise InputError(overlay_errors)
    namespace, ha = bundle.overlay_facts(overlay, repo)
    service_files, hand_written = _service_files(patched, changed, prof)
    deck_local = patched.get(profiles.DECK_LOCAL) or {}
    origin = wire.Origin(locate=hal.locate, halconfig=hal.data, texts=prof.texts + [(p.file, p.doc.text) for p in patches])
    wiring, problems = wire.plan(service_files, inventory, origin, hand_written=hand_written)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(errors)
    warnings = inventory.warnings + [p for p in problems if p.severity != "error"]
    if hal.data.get("metricStores"):
        loc = hal.locate(("metricStores",)) or (None, None, None)
        warnings.append(
            Problem(
                "metricStores is set, but kustomize/base runs no monitoring daemon: spinnaker-monitoring.yml is not deployed",
                file=loc[0],
                line=loc[1],
                column=loc[2],
                severity="warning",
                code="monitoring-not-deployed",
                hint="collect metrics another way (e.g. a metrics plugin and your own Prometheus scraping) or remove metricStores",
            )
        )
    lap("wire")

    configs: dict[str, dict[str, str]] = {}
    discovery = bundle.dump_yaml(service_discovery(namespace, hal.data))  # the same for every Spring service
    for svc in SERVICES:
        files = service_files[svc]
        texts: dict[str, str] = {}
        for name, data in files.items():
            if name in (wire.DECK_ENV, profiles.DECK_LOCAL):
                continue
            texts[name] = serialize(name, data) if name in FILES else bundle.dump_yaml(data)
        if svc == "deck":
            js = profiles.settings_local_js(prof.deck_js, deck_local)
            if js:
                texts[profiles.DECK_LOCAL] = js
        else:
            texts["spinnaker.yml"] = discovery
        configs[svc] = texts
    deck_env = {k: v for k, v in (service_files["deck"].get(wire.DECK_ENV) or {}).items() if k != wire.DECK_PASSPHRASE}
    deck_env_text = serialize(wire.DECK_ENV, deck_env) if deck_env else ""
    warnings.extend(_oversized(configs))
    lap("serialize")

    stage = atomic.StagedDir(out)
    try:
        overlay_rel = os.path.relpath(overlay, stage.path)
        files = bundle.layer_files(overlay_rel=overlay_rel, namespace=namespace, configs=configs, deck_env=deck_env_text, wiring=wiring)
        stage.write(files)
        lap("bundle")
        manifests = bundle.run_kustomize(stage.path, display=str(out), repo=repo, source=str(kustomization_file(overlay)))
        (stage.path / MANIFESTS).write_text(manifests, encoding="utf-8")
        os.chmod(stage.path / MANIFESTS, 0o644)
        lap("kustomize")
        stage.commit()
    except BaseException:
        stage.discard()
        raise
    timings["total"] = time.perf_counter() - t_start
    return BuildResult(
        env=env,
        out_dir=out,
        manifests_path=out / MANIFESTS,
        manifests=manifests,
        timings=timings,
        wiring={svc: wiring[svc].summary() for svc in sorted(wiring)},
        patches=applied,
        warnings=warnings,
        namespace=namespace,
        ha=ha,
        configs={svc: sorted(configs[svc]) for svc in sorted(configs)},
    )
