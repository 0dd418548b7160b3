"""The image of every service that runs follows from the release the halconfig chooses (pure).

The generated layer sets `<registry>/<svc>` (kustomize/base's image name) to the release's image for every
service of the release that runs: its tag (`spinnaker-<version>`, or the calendar version itself), and its
registry as `newName` when the release is published elsewhere (ghcr.io/spinnaker since 2026.1.0), so no
hand-kept `newTag` line can disagree with `version:`. An
overlay may still pin an image on purpose (a hotfix build, a vendor image, keel): the pin wins, and
is reported so that it is never forgotten. keel is in no release: when it runs, the overlay must
pin its image.
"""

from __future__ import annotations

from spinops.errors import Problem
from spinops.spinnaker.catalog import REGISTRY, Release
from spinops.spinnaker.running import OPTIONAL


def release_images(
    rel: Release, runs: dict[str, bool], pins: dict[str, tuple[str, int, int, dict]]
) -> tuple[dict[str, dict[str, str]], list[Problem]]:
    """(image name -> its `images:` fields (newName, newTag) for the layer, problems about the overlay's own pins).

    pins: image name -> (file, line, column, {newName, newTag, digest}) of the overlay's `images:` entries. A pin
    to exactly the release's image changes nothing and is not reported (until `version:` moves away from it)."""
    images: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    for svc in sorted(runs):
        name = f"{REGISTRY}/{svc}"
        pin = pins.get(name)
        if pin is not None and runs[svc] and svc in rel.services and pin[3] == rel.images_entry(svc):
            continue  # the same image the release gives it
        if pin is not None:
            file, line, column, _ = pin
            if not runs[svc]:
                switch = OPTIONAL.get(svc, ("",))[0]
                problems.append(
                    Problem(
                        f"the overlay pins {svc}'s image, but {svc} does not run ({switch} is off): the pin has no "
                        "effect",
                        file=file,
                        line=line,
                        column=column,
                        severity="warning",
                        code="pin-of-stopped-service",
                        hint=f"remove the `images:` entry, or turn {switch} on",
                    )
                )
            else:
                expected = rel.image(svc) or "no release image"
                problems.append(
                    Problem(
                        f"the overlay pins {svc}'s image on purpose; release {rel.version} would run {expected}",
                        file=file,
                        line=line,
                        column=column,
                        severity="warning",
                        code="image-pinned",
                        hint="remove the `images:` entry to follow the halconfig's `version:`",
                    )
                )
        elif runs[svc] and svc in rel.services:
            images[name] = rel.images_entry(svc)
        elif runs[svc]:
            problems.append(
                Problem(
                    f"{svc} runs but Spinnaker {rel.version} ships no {svc} image (its changelogs list no {svc})",
                    severity="error",
                    code="no-release-image",
                    hint=f"pin {name} with a tag of your choice in the overlay's `images:`",
                )
            )
    return images, problems
