"""Every input of a build, read and validated before anything is rendered; all input problems at once.

    the environment        kustomize/overlays/<env>/ (must hold a kustomization)
    the halconfig          halconfig/ fragments + env/<env>.yml (spinops.halconfig.load)
    the Secret inventory   halconfig/secrets.yml, names only (spinops.wire)
    literal credentials    the halconfig's credential fields hold placeholders (checked here, so no later
                           message can carry a credential)
    profiles, patches      halconfig/profiles/, halconfig/patches/
    the overlay            kustomization shape, namespace, whether it uses the HA component, the images it pins
    the release            the halconfig's `version:` must be a release of the catalog (spinops.spinnaker.catalog)

Each reader raises InputError with its own problems; read_inputs runs every reader it can and raises
one InputError with all of them (a reader whose input is missing is skipped: the halconfig's
credential check needs both the halconfig and the inventory).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from spinops import bundle, patch, profiles, render, wire
from spinops.errors import InputError, Problem
from spinops.halconfig.load import Hal, load_halconfig
from spinops.layout import Repo
from spinops.spinnaker.catalog import Catalog, Release, UnknownRelease

T = TypeVar("T")


@dataclass
class Inputs:
    repo: Path
    env: str
    overlay: Path
    hal: Hal
    inventory: wire.SecretInventory
    profiles: profiles.Profiles
    patches: list[patch.Patch]
    namespace: str
    ha: bool
    notes: list[Problem] = field(default_factory=list)  # warnings about the inputs as a whole
    release: Release | None = None
    # image -> where and how the overlay pins it
    pins: dict[str, tuple[str, int, int, dict]] = field(default_factory=dict)


def read_inputs(repo: Repo, env: str) -> Inputs:
    """Read and check every input of `env`; InputError with every problem found."""
    overlay = repo.require_env(env)  # without an environment there is nothing to read
    problems: list[Problem] = []
    hal = _read(problems, load_halconfig, repo.halconfig, env)
    inventory = _read(problems, wire.load_secrets, repo.root)
    if hal is not None and inventory is not None:
        # messages name the services a credential reaches unchanged (render's table)
        problems += [
            p
            for p in wire.check_halconfig(hal.data, inventory, hal.locate, render.CREDENTIAL_SECTIONS)
            if p.severity == "error"
        ]
    chosen = _read(problems, _release, hal, repo.root) if hal is not None else None
    prof = _read(problems, profiles.load_profiles, repo.root)
    patches = _read(problems, patch.load_patches, repo.patches, display_root=repo.root)
    facts = None
    pins: dict[str, tuple[str, int, int, dict]] = {}
    with bundle.one_walk():
        overlay_errors = bundle.overlay_problems(overlay, repo.root)  # file:line:col before kustomize's errors
        problems += overlay_errors
        if not overlay_errors:
            facts = _read(problems, bundle.overlay_facts, overlay, repo.root)
            pins = _read(problems, bundle.overlay_images, overlay, repo.root) or {}
    if problems:
        raise InputError(problems)
    assert hal is not None and inventory is not None and prof is not None and patches is not None and facts is not None
    return Inputs(
        repo.root, env, overlay, hal, inventory, prof, patches, *facts, notes=_notes(hal), release=chosen, pins=pins
    )


def _release(hal: Hal, root: Path) -> Release:
    """The catalog release the halconfig's `version:` chooses (the package's releases and the team's
    halconfig/releases/); an unknown one is an error saying what to write."""
    try:
        return Catalog.for_repo(root).release(hal.data.get("version"))
    except UnknownRelease as e:
        loc = hal.locate(("version",)) or (None, None, None)
        raise InputError(
            Problem(
                str(e),
                file=loc[0],
                line=loc[1],
                column=loc[2],
                code="unknown-release",
                hint="the image tags follow from `version:`; docs/catalog.md says how a release is added",
            )
        ) from None


def _read(problems: list[Problem], reader: Callable[..., T], *args, **kwargs) -> T | None:
    """reader(...), or None with its problems added to `problems`."""
    try:
        return reader(*args, **kwargs)
    except InputError as e:
        problems.extend(e.problems)
        return None


def _notes(hal: Hal) -> list[Problem]:
    if not hal.data.get("metricStores"):
        return []
    loc = hal.locate(("metricStores",)) or (None, None, None)
    return [
        Problem(
            "metricStores is set, but kustomize/base runs no monitoring daemon: spinnaker-monitoring.yml is not "
            "deployed",
            file=loc[0],
            line=loc[1],
            column=loc[2],
            severity="warning",
            code="monitoring-not-deployed",
            hint="collect metrics another way (e.g. a metrics plugin and your own Prometheus scraping) or remove "
                 "metricStores",
        )
    ]
