"""Where things are in a spinops checkout: every path a command reads or writes, and the `--env` default.

    halconfig/                    HALCONFIG: fragments, env/<env>.yml, patches/, profiles/, secrets.yml,
                                  releases/<version>.yml (the team's own catalog releases: `spinops catalog add`)
    kustomize/base/, components/ha/, overlays/<env>/ (+ overlays/<env>/spinops.yml, the env's settings)
    build/<env>/                  the generated kustomize layer and manifests.yaml (git-ignored)

The relative paths are module constants (what messages show); `Repo(root)` joins them to a checkout.
Nothing here reads a file's content: `Repo.envs`, `require_env` and `built_manifests` only look at which files exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from spinops.errors import InputError, Problem

HALCONFIG = Path("halconfig")
SECRETS_FILE = HALCONFIG / "secrets.yml"
PATCHES = HALCONFIG / "patches"
PROFILES = HALCONFIG / "profiles"
#: Releases a team added to the catalog itself (spinops.spinnaker.catalog; not halconfig fragments: a directory).
RELEASES = HALCONFIG / "releases"
KUSTOMIZE = Path("kustomize")
OVERLAYS = KUSTOMIZE / "overlays"
HA_COMPONENT = KUSTOMIZE / "components" / "ha"
BUILD = Path("build")
MANIFESTS = "manifests.yaml"
#: An environment's spinops settings, next to its kustomization (not listed in it; see docs/contracts.md).
ENV_SETTINGS = "spinops.yml"
#: The names kustomize accepts for a kustomization file (kustomize api/konfig/general.go,
#: RecognizedKustomizationFileNames; a directory may hold only one of them, so the order is ours:
#: the name spinops writes first).
KUSTOMIZATION_NAMES = ("kustomization.yml", "kustomization.yaml", "Kustomization")

#: The environment a command works on when --env is not given: $SPINOPS_ENV, else production.
ENV_VARIABLE = "SPINOPS_ENV"
FALLBACK_ENV = "production"


def default_env() -> str:
    """The one `--env` default of every command that has one."""
    return os.environ.get(ENV_VARIABLE) or FALLBACK_ENV


def kustomization_file(directory: Path) -> Path | None:
    """The kustomization file of a directory (any of kustomize's names), or None."""
    return next((directory / n for n in KUSTOMIZATION_NAMES if (directory / n).is_file()), None)


def env_of_manifests(path: str | Path) -> str | None:
    """The environment a `build/<env>/manifests.yaml` path names (None for any other path)."""
    parts = Path(path).parts
    if len(parts) >= 3 and parts[-3] == BUILD.name and parts[-1] == MANIFESTS:
        return parts[-2]
    return None


@dataclass(frozen=True)
class Repo:
    """A checkout: `root` joined with the layout above."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def halconfig(self) -> Path:
        return self.root / HALCONFIG

    @property
    def secrets_file(self) -> Path:
        return self.root / SECRETS_FILE

    @property
    def patches(self) -> Path:
        return self.root / PATCHES

    @property
    def profiles(self) -> Path:
        return self.root / PROFILES

    @property
    def releases(self) -> Path:
        return self.root / RELEASES

    @property
    def kustomize(self) -> Path:
        return self.root / KUSTOMIZE

    @property
    def overlays(self) -> Path:
        return self.root / OVERLAYS

    @property
    def ha_component(self) -> Path:
        return self.root / HA_COMPONENT

    def overlay(self, env: str) -> Path:
        return self.overlays / env

    def env_settings(self, env: str) -> Path:
        return self.overlay(env) / ENV_SETTINGS

    def build_dir(self, env: str) -> Path:
        return self.root / BUILD / env

    @property
    def kustomize_cache(self) -> Path:
        """Where `spinops build` keeps kustomize's output by the hash of its inputs (spinops.kustomize_cache)."""
        return self.root / BUILD / ".cache" / "kustomize"

    def manifests(self, env: str) -> Path:
        return self.build_dir(env) / MANIFESTS

    def built_manifests(self, env: str) -> Path:
        """build/<env>/manifests.yaml; InputError naming what to do when it does not exist (or env is unknown)."""
        path = self.manifests(env)
        if not path.is_file():
            self.require_env(env)
            raise InputError(
                Problem(
                    f"no build for {env!r}: {path} does not exist",
                    file=str(path),
                    code="no-such-file",
                    hint=f"run `spinops build --env {env}` first",
                )
            )
        return path

    def envs(self) -> list[str]:
        """The environments: overlays kustomize/overlays/<env>/ that hold a kustomization."""
        if not self.overlays.is_dir():
            return []
        return sorted(p.name for p in self.overlays.iterdir() if p.is_dir() and kustomization_file(p) is not None)

    def require_env(self, env: str) -> Path:
        """The overlay of `env`; InputError when this is no spinops checkout or `env` is no environment of it."""
        if not self.overlays.is_dir():
            raise InputError(
                Problem(
                    f"{self.root} has no {OVERLAYS}/: not a spinops repository",
                    file=str(OVERLAYS),
                    hint="run from the repository root or pass --repo DIR",
                    code="not-a-repo",
                )
            )
        envs = self.envs()
        if env not in envs:
            raise InputError(
                Problem(
                    f"unknown environment {env!r}: there is no {OVERLAYS}/{env}/{KUSTOMIZATION_NAMES[0]}",
                    file=str(OVERLAYS),
                    hint=("available environments: " + ", ".join(envs)) if envs else f"create {OVERLAYS}/<env>/ first",
                    code="unknown-env",
                )
            )
        return self.overlay(env)
