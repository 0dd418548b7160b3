"""igor.yml: CI systems, Artifactory searches, artifact templates and whether Docker Registry is on."""

from __future__ import annotations

from spinops.render._data import dig, present

FILE = "igor.yml"
SERVICE = "igor"

CI = ("gcb", "codebuild", "concourse", "jenkins", "travis", "wercker")

READS = {
    "repository.artifactory": True,
    "artifacts.templates": False,
    "providers.dockerRegistry.enabled": False,
    **{f"ci.{c}": True for c in CI},
}


def render(hal: dict) -> dict:
    out = {}
    if (artifactory := dig(hal, "repository", "artifactory")) is not None:
        out["artifactory"] = artifactory
    if templates := dig(hal, "artifacts", "templates"):
        out["artifacts"] = {"templates": templates}
    registry = dig(hal, "providers", "dockerRegistry")
    if registry is not None:
        # only the switch: Igor polls the registries Clouddriver knows; accounts are not copied
        out["dockerRegistry"] = {"enabled": registry["enabled"]} if "enabled" in registry else {}
    out.update(present(hal, ("ci",), CI))
    return out
