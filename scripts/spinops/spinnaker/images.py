"""The image of every service that runs follows from the release the halconfig chooses (pure).

The generated layer sets `<registry>/<svc>` (kustomize/base's image name) to the release's image for every
service of the release that runs: its tag (`spinnaker-<version>`, or the calendar version itself), and its
registry as `newName` when the release is published elsewhere (ghcr.io/spinnaker since 2026.1.0), so no
hand-kept `newTag` line can disagree with `version:`. An
overlay may still pin an image on purpose (a hotfix build, a vendor image, keel): the pin wins, and
`spinops check` reports it (rule image-pins) so that it is never forgotten. keel is in no release:
when it runs, the overlay must pin its image.
"""

from __future__ import annotations

from spinops.errors import Problem
from spinops.spinnaker.catalog import REGISTRY, Release
from spinops.spinnaker.running import OPTIONAL


def release_images(rel: Release, runs: dict[str, bool], pins: dict[str, tuple[str, int, int, dict]]) -> tuple[
    dict[str, dict[str, str]], list[Problem]
]:
    """(image name -> its `images:` fields (newName, newTag) for the layer, errors that stop the build).

    pins: image name -> (file, line, column, {newName, newTag, digest}) of the overlay's `images:` entries. A pinned
    image is left to its pin; `spinops check` reports the pins (pin_reports, rule image-pins), so the fact is said in
    one place."""
    images: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    for svc in sorted(runs):
        name = f"{REGISTRY}/{svc}"
        if name in pins or not runs[svc]:
            continue
        if svc in rel.services:
            images[name] = rel.images_entry(svc)
        else:
            problems.append(
                Problem(
                    f"{svc} runs but Spinnaker {rel.version} ships no {svc} image (its changelogs list no {svc})",
                    severity="error",
                    code="no-release-image",
                    hint=f"pin {name} with a tag of your choice in the overlay's `images:`",
                )
            )
    return images, problems


def pin_reports(rel: Release, runs: dict[str, bool], pins: dict[str, tuple[str, int, int, dict]]) -> list[Problem]:
    """The overlay's own `images:` pins of Spinnaker service images, each at its line: a pin of a service that does
    not run (no effect), a pin a release without that service's image requires (keel: info), and a pin that differs
    from what the release would run (warning). A pin to exactly the release's tag changes nothing: not reported."""
    problems: list[Problem] = []
    for svc in sorted(runs):
        name = f"{REGISTRY}/{svc}"
        pin = pins.get(name)
        if pin is None:
            continue
        file, line, column, fields = pin
        if runs[svc] and svc in rel.services and fields == rel.images_entry(svc):
            continue  # the same image the release gives it
        shown = _pinned(name, fields)
        if not runs[svc]:
            switch = OPTIONAL.get(svc, ("",))[0]
            problems.append(
                Problem(
                    f"the overlay pins {svc}'s image ({shown}), but {svc} does not run ({switch} is off): the pin has "
                    "no effect",
                    file=file, line=line, column=column, severity="warning", code="pin-of-stopped-service",
                    hint=f"remove the `images:` entry, or turn {switch} on",
                )
            )
        elif svc not in rel.services:
            problems.append(
                Problem(
                    f"the overlay pins {svc}'s image ({shown}): Spinnaker {rel.version} ships no {svc} image, so the "
                    "pin chooses it",
                    file=file, line=line, column=column, severity="info", code="image-pinned",
                    hint=f"keep it current by hand: the halconfig's `version:` does not move {svc}",
                )
            )
        else:
            problems.append(
                Problem(
                    f"the overlay pins {svc}'s image on purpose ({shown}); release {rel.version} would run "
                    f"{rel.image(svc)}",
                    file=file, line=line, column=column, severity="warning", code="image-pinned",
                    hint="remove the `images:` entry to follow the halconfig's `version:`",
                )
            )
    return problems


def _pinned(name: str, fields: dict) -> str:
    """What an `images:` entry makes of an image name, as a reference (`newName:newTag@digest`)."""
    out = str(fields.get("newName") or name)
    if fields.get("newTag") is not None:
        out += f":{fields['newTag']}"
    if fields.get("digest"):
        out += f"@{fields['digest']}"
    return out
