"""Spinnaker service images tagged `spinnaker-<version>` name a release of the catalog that ships that service.

The community registry tags every service of a Spinnaker release `spinnaker-<version>`
(spinops.spinnaker.catalog, from spinnaker.io's changelogs). A `spinnaker-...` tag that is no
release of the catalog (`spinnaker-2.26.0`, an Armory version; `spinnaker-local:1.28.1`, Halyard's
`local:` prefix; a release newer than the catalog) or a release that ships no image of that service
(`keel:spinnaker-1.36.1`: no 1.x changelog lists keel) names an image that does not exist, and the
pod never starts (ErrImagePull). The message says what the version is and what to write instead.

Other tags (your own hotfix build, a vendor image, keel's own tags) are pins on purpose: the
repository rule `image-pins` reports them at the overlay line, and `same-release` reports a service
of the release that runs something else. Digests are not judged.

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: gate}
    spec:
      template:
        spec:
          containers:
          - {name: gate, image: "us-docker.pkg.dev/spinnaker-community/docker/gate:spinnaker-1.36.1"}
          - {name: orca, image: "registry.example.com/spinnaker/orca:hotfix-7"}

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: gate}
    spec:
      template:
        spec:
          containers:
          - {name: gate, image: "us-docker.pkg.dev/spinnaker-community/docker/gate:spinnaker-2.26.0"}

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: keel}
    spec:
      template:
        spec:
          containers:
          - {name: keel, image: "us-docker.pkg.dev/spinnaker-community/docker/keel:spinnaker-1.36.1"}

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: orca}
    spec:
      template:
        spec:
          containers:
          - {name: orca, image: "us-docker.pkg.dev/spinnaker-community/docker/orca:spinnaker-local:1.28.1"}
"""

from __future__ import annotations

from spinops.check import k8s
from spinops.check.rules import Hit
from spinops.spinnaker import catalog
from spinops.spinnaker.services import SERVICES

ID = "catalog-image-tags"
DESCRIPTION = "Spinnaker service images are tagged with a release of the catalog that ships them"
SEVERITY = "error"

_PREFIX = "spinnaker-"


def problem(image: str, releases: catalog.Catalog | None = None) -> tuple[str, str] | None:
    """(what is wrong, hint) for a Spinnaker service image whose tag the catalog says does not exist."""
    repository, tag, digest = k8s.split_image(image)
    service = repository.rsplit("/", 1)[-1]
    if service not in SERVICES or digest or tag is None:
        return None  # pinned-images reports untagged images
    if not tag.startswith(_PREFIX) or "latest" in tag:
        return None  # not a release tag; floating tags are pinned-images' finding
    version = tag[len(_PREFIX):]
    try:
        rel = (releases or catalog.Catalog.package()).release(version)
    except catalog.UnknownRelease as e:
        return (
            f"{tag} is not a release the catalog knows: {e}",
            "tag it with a release of the catalog, or pin your own build",
        )
    if rel.image_tag != tag:  # a calendar release is tagged with its version alone (2026.2.3)
        return f"release {version}'s images are tagged {rel.image_tag}, not {tag}", f"use {rel.image(service)}"
    if service not in rel.services:
        return (
            f"Spinnaker {version} ships no {service} image (its changelogs list no {service}), so {image!r} does not "
            "exist",
            f"pin {service} to a tag of its own in the overlay's `images:`",
        )
    return None


def check(resource: dict, ctx):
    for container, path in k8s.containers(resource):
        image = container.get("image")
        if not isinstance(image, str):
            continue
        found = problem(image, ctx.catalog)
        if found:
            message, hint = found
            yield Hit(path=(*path, "image"), message=f"container {container.get('name')!r}: {message}", hint=hint)
