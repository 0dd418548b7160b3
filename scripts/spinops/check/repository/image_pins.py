"""`image-pins` (warning): the Spinnaker service images ENV's overlay pins itself, against the release the
halconfig's `version:` chooses, each at the overlay line that pins it.

`spinops build` sets every running service's image tag from the release catalog
(spinops.spinnaker.images); an overlay may still pin an image on purpose (a hotfix build, a vendor
image, keel, which no release ships) with an `images:` entry, and the pin wins. This rule says so,
the one place the fact is reported:
- a pin that differs from what the release would run: warning (remove it to follow `version:`);
- a pin of a service the release ships no image of (keel): info (the pin is what chooses it);
- a pin of a service that does not run for this halconfig: warning (no effect);
- an image set by a patch of the overlay (`image:` in a Deployment patch): error, because the build's
  own `images:` layer sits above the overlay and replaces that tag with the release's (kustomize's
  images transformer runs on the outermost kustomization), so what is deployed is not what the patch
  says; pin with `images:` instead.

A pin to exactly the release's tag is not reported. Whether a tag exists at all is the built-in rule
`catalog-image-tags`.
"""

from __future__ import annotations

from pathlib import Path

from spinops import yamlio
from spinops.check.findings import Finding, Location, ResourceRef
from spinops.check.repository.files import as_dict, read_yaml
from spinops.errors import InputError, Problem, SpinopsError
from spinops.layout import Repo, kustomization_file
from spinops.spinnaker.services import SERVICES

ID = "image-pins"
SEVERITY = "warning"
DESCRIPTION = "images the overlay pins itself, against the halconfig `version:` release"

_CONTAINER_LISTS = ("containers", "initContainers")


def patched_images(patch_file: str, text: str) -> list[tuple[str, Location]]:
    """(image, where) of every Spinnaker service image a strategic-merge patch file sets (pure)."""
    import yaml  # noqa: PLC0415 start-up: PyYAML, only when the repository rules run

    out = []
    try:
        docs = yamlio.compose_all(text)
    except (yaml.YAMLError, InputError):
        return []  # build reports malformed patches with their position
    for doc in docs:
        spec = _child(_child(_child(doc, "spec"), "template"), "spec")
        for field in _CONTAINER_LISTS:
            containers = _child(spec, field)
            for c in containers.value if isinstance(containers, yaml.SequenceNode) else ():
                image = _child(c, "image")
                if isinstance(image, yaml.ScalarNode) and _service(image.value):
                    out.append((image.value, Location(patch_file, *yamlio.position(image.start_mark))))
    return out


def _child(node, key: str):
    import yaml  # noqa: PLC0415 start-up: PyYAML, only when the repository rules run

    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _service(image: str) -> str | None:
    name = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    return name if name in SERVICES else None


def patch_findings(patched: list[tuple[str, Location]], release_tag: str) -> list[Finding]:
    return [
        Finding(
            ID,
            "error",
            f"this patch sets {_service(image)}'s image to {image}, but `spinops build` sets the tag of that image "
            f"from the halconfig's release ({release_tag}) in a layer above the overlay: the patch's tag is not "
            "what is deployed",
            ResourceRef("Kustomization", where.file),
            source=where,
            hint="pin the image with an `images:` entry of the overlay's kustomization (name, newTag) instead",
        )
        for image, where in patched
    ]


def as_findings(problems: list[Problem]) -> list[Finding]:
    return [
        Finding(
            ID,
            p.severity,
            p.message,
            ResourceRef("Kustomization", p.file or ""),
            source=Location(p.file or "", p.line, p.column),
            hint=p.hint,
        )
        for p in problems
    ]


def overlay_patches(repo: Path, env: str) -> list[tuple[str, Location]]:
    """The Spinnaker service images the overlay's own patch files set."""
    kfile = kustomization_file(repo / "kustomize" / "overlays" / env)
    if kfile is None:
        return []
    doc = read_yaml(repo, str(kfile.relative_to(repo)))
    overlay = kfile.parent
    out = []
    for entry in as_dict(doc.data if doc else None).get("patches") or []:
        rel = as_dict(entry).get("path")
        path = overlay / rel if isinstance(rel, str) else None
        if path is None or not path.is_file():
            continue
        try:
            text = yamlio.read_text(path, str(path.relative_to(repo)), root=repo)
        except (InputError, ValueError):
            continue
        out += patched_images(str(path.relative_to(repo)), text)
    return out


def findings(repo: Path, env: str) -> list[Finding]:
    from spinops import bundle  # noqa: PLC0415 start-up: PyYAML, only when the repository rules run
    from spinops.halconfig.load import load_halconfig  # noqa: PLC0415 start-up: the halconfig loader
    from spinops.spinnaker import catalog  # noqa: PLC0415 start-up: the release catalog
    from spinops.spinnaker.images import pin_reports  # noqa: PLC0415 start-up: the release catalog
    from spinops.spinnaker.running import running  # noqa: PLC0415 start-up: with the halconfig loader

    try:
        hal = load_halconfig(Repo(repo).halconfig, env)
        rel = catalog.release(str(hal.data.get("version")))
        pins = bundle.overlay_images(repo / "kustomize" / "overlays" / env, repo)
    except (SpinopsError, catalog.UnknownRelease, OSError):
        return []  # `spinops build` refuses these inputs with their positions
    return as_findings(pin_reports(rel, running(hal.data), pins)) + patch_findings(
        overlay_patches(repo, env), rel.image_tag
    )
