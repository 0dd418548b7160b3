"""Images are pinned: no `latest`, no `*-latest-validated` (or other `*-latest`) tags, no untagged images.

A floating tag means a pod restart can silently change the Spinnaker version, and two replicas
of one Deployment can run different code. Pin a release tag (`spinnaker-1.36.1`) or a digest
(`@sha256:...`). Applies to every container and init container.

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: gate}
    spec:
      containers:
      - name: gate
        image: us-docker.pkg.dev/spinnaker-community/docker/gate:spinnaker-1.36.1
      - name: sidecar
        image: busybox@sha256:2f6f1a44bd0f64b1b7a3e2ed8c7fa6e16e3bb3e2de04a29b8bbd4c3f2a4a9b1e

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: gate}
    spec:
      containers:
      - name: gate
        image: us-docker.pkg.dev/spinnaker-community/docker/gate:spinnaker-master-latest-validated

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: gate}
    spec:
      containers:
      - name: gate
        image: localhost:5000/gate
"""

from __future__ import annotations

from spinops.check import k8s
from spinops.check.rules import Hit

ID = "pinned-images"
DESCRIPTION = "container images are pinned (no latest, no *-latest-validated, not untagged)"
SEVERITY = "error"


def check(resource: dict, ctx):
    for container, path in k8s.containers(resource):
        image = container.get("image")
        if not isinstance(image, str) or not image:
            continue  # schema validation reports a missing image
        _, tag, digest = k8s.split_image(image)
        if digest:
            continue
        if tag is None:
            problem = "has no tag (it means `latest`)"
        elif tag == "latest":
            problem = "uses the floating tag `latest`"
        elif tag.endswith("-latest-validated") or tag.endswith("-latest"):
            problem = f"uses the floating nightly tag `{tag}`"
        else:
            continue
        yield Hit(
            path=(*path, "image"),
            message=f"container {container.get('name')!r}: image {image!r} {problem}",
            hint="pin a release tag such as spinnaker-1.36.1 (kustomize `images:` in the overlay) or a digest",
        )
