"""The build's stages: pure functions over a list of ConfigFile (spinops.build.files), in this order:

    render     the halconfig -> Kleat's rendered files, each with the service that reads it
    profiles   + every profile a patch may target (empty unless halconfig/profiles/ ships one)
    patches    halconfig/patches applied in order; then what ships: empty profiles dropped,
               spinnaker-local.yml copied to every Spring service, files of services we do not run dropped
    running    only the files of the services the halconfig runs (spinops.spinnaker.running)
    discovery  + spinnaker.yml (where every service lives) for every Spring service that runs
    wiring     the Secrets each service needs, decided from its final files (spinops.wire)

Each item carries where its values were written (spinops.build.origin): render and profiles start it,
every patch adds what it changed, so wiring's problems name the file:line a value came from.

The shape follows kustomize's kio.Pipeline (kyaml/kio/kio.go: inputs are read, filters transform a list
of items in order, outputs write): spinops.build.inputs reads, these stages transform, and
spinops.build.output serializes and writes. No stage reads a file or the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import spinops.build.deck as deck
from spinops import patch, profiles, render, wire
from spinops.build.files import DECK, DISCOVERY, PROFILE, RENDERED, ConfigFile
from spinops.build.inputs import Inputs
from spinops.build.origin import NOWHERE, DeckText, HalconfigValues, Patched, Rendered, Where, Written, changed_paths
from spinops.errors import Problem
from spinops.spinnaker.discovery import service_discovery
from spinops.spinnaker.running import running
from spinops.spinnaker.services import SERVICES, SHARD_PROFILES, SHARDS

HALCONFIG = "halconfig"


def render_files(hal_data: dict, values: HalconfigValues | None = None) -> list[ConfigFile]:
    """Kleat's 13 files (spinnaker-monitoring.yml too: a patch may target it; it does not ship).

    values: the halconfig's values (of these same hal_data), where the rendered ones were written."""
    out = []
    for name, data in render.render_structs(hal_data).items():
        svc = render.FILES[name]
        where = Rendered(values, data) if values is not None else NOWHERE
        out.append(ConfigFile(svc, name, DECK if svc == "deck" else RENDERED, data, HALCONFIG, where=where))
    return out


def add_profiles(files: Sequence[ConfigFile], prof: profiles.Profiles) -> list[ConfigFile]:
    """Every profile a patch may target: each `-local.yml` (empty unless shipped), shipped shard profiles,
    and Deck's settings-local.js (its data is what patches merge into window.spinnakerSettings)."""
    owners = profiles.profile_names()
    out = list(files)
    for name in sorted(owners):
        origin = f"{HALCONFIG}/profiles/{name}"
        if name == profiles.DECK_LOCAL:
            js = prof.deck_js
            out.append(ConfigFile("deck", name, DECK, {}, origin, text=js, where=DeckText(origin, js)))
        elif name.endswith("-local.yml") or name in prof.data:
            where = Written(prof.docs[name]) if name in prof.docs else NOWHERE
            out.append(
                ConfigFile(owners[name], name, PROFILE, prof.data.get(name, {}), origin, hand_written=True, where=where)
            )
    return out


def apply_patches(
    files: Sequence[ConfigFile], patches: Sequence[patch.Patch], version: str | None
) -> tuple[list[ConfigFile], list[patch.Applied]]:
    """The patches applied in order (patch.apply_patches), then only the files that ship."""
    patched, applied = patch.apply_patches({f.name: f.data for f in files}, list(patches), version)
    changed = {name for a in applied for name in a.changed}
    where: dict[str, Where] = {f.name: f.where for f in files}
    for a in applied:  # in order: a later patch's values cover an earlier one's
        for name, (before, after) in a.results.items():
            where[name] = Patched(where[name], a.patch, frozenset(changed_paths(before, after)))
    out = [
        replace(f, data=patched[f.name], hand_written=f.hand_written or f.name in changed, where=where[f.name])
        for f in files
    ]
    return _shipped(out), applied


def _shipped(files: Sequence[ConfigFile]) -> list[ConfigFile]:
    out: list[ConfigFile] = []
    for f in files:
        if f.kind == PROFILE and not f.data:
            continue  # an empty profile target: nothing shipped, nothing to wire
        if f.service is None:  # spinnaker-local.yml: every Spring service
            out.extend(replace(f, service=svc) for svc in profiles.SPRING_SERVICES)
        elif f.service in SERVICES and (f.kind != DECK or deck.ships(f)):
            out.append(f)  # (spinnaker-monitoring.yml: no monitoring daemon in kustomize/base)
    return out


def running_only(files: Sequence[ConfigFile], hal_data: dict) -> list[ConfigFile]:
    """The files of the services that run (spinops.spinnaker.running): a service that does not run gets
    no ConfigMap and no wiring, and the generated layer deletes its Deployment and Service."""
    runs = running(hal_data)
    return [f for f in files if f.service is not None and runs.get(f.service, False)]


def add_discovery(files: Sequence[ConfigFile], namespace: str, hal_data: dict) -> list[ConfigFile]:
    """spinnaker.yml for every Spring service that runs: the same data for all of them."""
    data = service_discovery(namespace, hal_data)
    runs = running(hal_data)
    return [
        *files,
        *(
            ConfigFile(svc, "spinnaker.yml", DISCOVERY, data, "spinops")
            for svc in profiles.SPRING_SERVICES
            if runs[svc]
        ),
    ]


def _wire_inputs(files: Sequence[ConfigFile]) -> tuple[dict[str, dict[str, Any]], dict[str, set[str]], wire.Locate]:
    by_service: dict[str, dict[str, Any]] = {svc: {} for svc in SERVICES}
    hand_written: dict[str, set[str]] = {svc: set() for svc in SERVICES}
    items: dict[tuple[str, str], ConfigFile] = {}
    for f in files:
        if f.kind == DISCOVERY:
            continue  # ours, not the user's: no credential in it
        by_service[f.owner][f.name] = deck.wire_data(f) if f.kind == DECK else f.data
        items[(f.owner, f.name)] = f
        if f.hand_written:
            hand_written[f.owner].add(f.name)

    def locate(service: str, name: str, path: tuple, needle: str | None):
        f = items[(service, name)]
        return f.where.locate(deck.data_path(f, path) if f.kind == DECK else path, needle)

    return by_service, hand_written, locate


def wiring(files: Sequence[ConfigFile], inputs: Inputs) -> tuple[dict[str, wire.ServiceWiring], list[Problem]]:
    """spinops.wire.plan over the final files of every service, located where their values were written; the
    caller raises on errors."""
    by_service, hand_written, locate = _wire_inputs(files)
    return wire.plan(by_service, inputs.inventory, locate, hand_written=hand_written)


def shard_wiring(
    files: Sequence[ConfigFile], inputs: Inputs, service_wiring: dict[str, wire.ServiceWiring]
) -> dict[str, dict[str, wire.ServiceWiring]]:
    """With HA, each shard's own Secrets: service -> {shard Deployment -> wiring}, for the services whose shards differ.

    A shard's profile file (`clouddriver-rw.yml`) sits in the service's one ConfigMap, but only the shards running that
    Spring profile load it (Spring reads `<app>-<profile>.yml` for its active profiles; SHARD_PROFILES). So a
    credential only a shard profile names goes to those shards alone.
    Problems were reported by `wiring` already (same files, fewer of them here).
    """
    if not inputs.ha:
        return {}
    by_service, hand_written, _ = _wire_inputs(files)
    out: dict[str, dict[str, wire.ServiceWiring]] = {}
    for svc, shards in SHARDS.items():
        shard_files = {f"{svc}-{profile}.yml" for profile in shards.values()}
        if not shard_files & by_service[svc].keys():
            continue
        per = {}
        for shard in shards:
            loads = {f"{svc}-{profile}.yml" for profile in SHARD_PROFILES[shard]}
            mine = {name: data for name, data in by_service[svc].items() if name not in shard_files or name in loads}
            own = {svc: hand_written[svc] & mine.keys()}
            plan, _problems = wire.plan({svc: mine}, inputs.inventory, hand_written=own)
            per[shard] = plan[svc]
        if svc in service_wiring and any(w.summary() != service_wiring[svc].summary() for w in per.values()):
            out[svc] = per
    return out
