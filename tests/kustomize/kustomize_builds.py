"""Builds of kustomize/ through the real pinned kubectl kustomize, shared by the tests of this folder.

`config_layer` writes what `spinops build` writes on top of an overlay: a kustomization in another directory
that takes the overlay as a resource and adds the `<svc>-config` ConfigMaps with configMapGenerator. Building
that layer is the integration the build relies on: the hash-suffixed names must reach every Deployment.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from spinops.spinnaker.services import SERVICES
from spinops.tools import kubectl

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "fixtures" / "reference"  # frozen copy of the reference installation
KUSTOMIZE = REFERENCE / "kustomize"
OVERLAYS = ("staging", "production")


@dataclass(frozen=True)
class Build:
    text: str
    stderr: str
    docs: list[dict]

    def of_kind(self, kind: str) -> dict[str, dict]:
        return {d["metadata"]["name"]: d for d in self.docs if d["kind"] == kind}


def kustomize(path: Path) -> Build:
    proc = subprocess.run([kubectl(), "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"kubectl kustomize {path} failed:\n{proc.stderr}"
    return Build(proc.stdout, proc.stderr, [d for d in yaml.safe_load_all(proc.stdout) if d])


def overlay_kustomization(env: str) -> dict:
    return yaml.safe_load((KUSTOMIZE / "overlays" / env / "kustomization.yml").read_text())


def config_layer(directory: Path, target: Path, *, namespace: str | None, extra: dict | None = None) -> Path:
    """Write the layer `spinops build` generates: `target` as a resource plus one ConfigMap per service."""
    directory.mkdir(parents=True, exist_ok=True)
    generators = []
    for svc in SERVICES:
        files = (
            ["settings.js", "settings-local.js"]
            if svc == "deck"
            else [f"{svc}.yml", "spinnaker.yml", f"{svc}-local.yml"]
        )
        for name in files:
            body = "window.spinnakerSettings = {};\n" if name.endswith(".js") else f"# {svc}: {name}\n"
            (directory / name).write_text(body)
        generators.append({"name": f"{svc}-config", "files": files})
    layer: dict = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [os.path.relpath(target, directory)],
        "configMapGenerator": generators,
    }
    if namespace:
        layer["namespace"] = namespace
    layer.update(extra or {})
    (directory / "kustomization.yml").write_text(yaml.safe_dump(layer, sort_keys=False))
    return directory
