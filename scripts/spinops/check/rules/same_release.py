"""All Spinnaker services run the same Spinnaker release (`spinnaker-x.y.z` image tags, or a calendar release's
own version such as `2026.2.3`: spinops.spinnaker.catalog.release_of_tag).

Spinnaker's services are tested together per release; mixing releases breaks in subtle ways.
A Spinnaker service container is one whose image name is a Spinnaker service (clouddriver,
deck, echo, fiat, front50, gate, igor, kayenta, keel, orca, rosco). Each must carry a
release tag, and all must carry the same one; the release most services run is taken
as intended, and the others are reported. An image with another tag (a hotfix build pinned on
purpose) is a warning: it may be meant, and the repository rule `image-pins` names the overlay line.
A service that release ships no image of (keel: no 1.x changelog lists it, spinops.spinnaker.catalog)
runs the tag the overlay pins for it, so its tag is not judged here (`image-pins` reports the pin).

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: orca}
    spec:
      template:
        spec:
          containers:
          - {name: orca, image: "us-docker.pkg.dev/spinnaker-community/docker/orca:spinnaker-1.36.1"}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: gate}
    spec:
      template:
        spec:
          containers:
          - {name: gate, image: "us-docker.pkg.dev/spinnaker-community/docker/gate:spinnaker-1.36.1"}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: keel}
    spec:
      template:
        spec:
          containers:
          - {name: keel, image: "us-docker.pkg.dev/spinnaker-community/docker/keel:0.1.0-20210331200022-slim"}

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: orca}
    spec:
      template:
        spec:
          containers:
          - {name: orca, image: "us-docker.pkg.dev/spinnaker-community/docker/orca:spinnaker-1.36.1"}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: echo}
    spec:
      template:
        spec:
          containers:
          - {name: echo, image: "us-docker.pkg.dev/spinnaker-community/docker/echo:spinnaker-1.36.1"}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: gate}
    spec:
      template:
        spec:
          containers:
          - {name: gate, image: "us-docker.pkg.dev/spinnaker-community/docker/gate:spinnaker-1.35.4"}

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: gate}
    spec:
      template:
        spec:
          containers:
          - {name: gate, image: "us-docker.pkg.dev/spinnaker-community/docker/gate:6.62.0-20240801"}
"""

from __future__ import annotations

from collections import Counter

from spinops.check import k8s
from spinops.check.rules import Hit
from spinops.spinnaker import catalog
from spinops.spinnaker.catalog import release_of_tag, version_key
from spinops.spinnaker.services import SERVICES

ID = "same-release"
DESCRIPTION = "all Spinnaker services run the same release (spinnaker-x.y.z or a calendar version)"
SEVERITY = "error"


def _service_images(resource: dict):
    for container, path in k8s.containers(resource):
        image = container.get("image")
        if not isinstance(image, str):
            continue
        repo, tag, _ = k8s.split_image(image)
        if repo.rsplit("/", 1)[-1] in SERVICES:
            yield container, path, image, tag


def _expected(ctx) -> str | None:
    releases: Counter[str] = Counter()
    for r in ctx.resources:
        for _, _, _, tag in _service_images(r):
            if release_of_tag(tag):
                releases[tag] += 1
    if not releases:
        return None
    # most used; a tie goes to the newest release, so the result never depends on input order
    return max(releases, key=lambda t: (releases[t], version_key(release_of_tag(t) or "0")))


def _outside(expected: str | None, service: str, releases: catalog.Catalog) -> bool:
    """Does the expected release (known to the catalog) ship no image of this service?"""
    version = release_of_tag(expected)
    if not version:
        return False
    try:
        return service not in releases.release(version).services
    except catalog.UnknownRelease:
        return False  # catalog-image-tags reports a release the catalog does not know


def check(resource: dict, ctx):
    expected = ctx.memo("same-release", _expected)
    for container, path, image, tag in _service_images(resource):
        if _outside(expected, k8s.split_image(image)[0].rsplit("/", 1)[-1], ctx.catalog):
            continue
        if not release_of_tag(tag):
            yield Hit(
                path=(*path, "image"),
                # a pin on purpose (a hotfix build) is allowed (issue 10): said, not refused
                severity="warning",
                message=f"container {container.get('name')!r}: image {image!r} is not tagged with a Spinnaker release "
                        "(spinnaker-x.y.z, or a calendar release such as 2026.2.3)",
                hint="pin every service to one release with kustomize `images:` (newTag: spinnaker-1.36.1)",
            )
        elif expected and tag != expected:
            yield Hit(
                path=(*path, "image"),
                message=f"container {container.get('name')!r} runs {tag} but the other Spinnaker services run "
                        f"{expected}",
                hint="all services must run the same Spinnaker release",
            )
