"""The one kind of item the build's stages pass along: a config file of one service, with its origin
(which input it comes from, and where each of its values was written: spinops.build.origin).

Kinds (each has one serializer, see spinops.build.serialize):
    rendered   a Kleat-rendered Spring config (`<svc>.yml`): yaml.v2-compatible bytes (spinops.render)
    profile    a hand-written Spring profile (`<svc>-local.yml`, shard profiles, spinnaker-local.yml)
    discovery  `spinnaker.yml`, where every service lives (spinops.spinnaker.discovery)
    deck       one of Deck's files: settings.js, settings-local.js, deck.env (spinops.build.deck)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spinops.build.origin import NOWHERE, Where

RENDERED = "rendered"
PROFILE = "profile"
DISCOVERY = "discovery"
DECK = "deck"


@dataclass(frozen=True)
class ConfigFile:
    service: str | None  # the Spinnaker service whose ConfigMap holds it; None: every Spring service
    name: str  # the file name in the ConfigMap (and a patch's target name)
    kind: str  # RENDERED | PROFILE | DISCOVERY | DECK
    data: Any  # what patches see and produce (settings-local.js: the object merged into window.spinnakerSettings)
    origin: str  # where the data comes from: "halconfig", a profile's path, "spinops"
    hand_written: bool = False  # from a profile or changed by a patch: wire checks its keys for literal credentials
    text: str = ""  # hand-written text that is no data (Deck's settings-local.js as the profile holds it)
    where: Where = field(default=NOWHERE, compare=False, repr=False)  # where each value of `data` was written

    @property
    def owner(self) -> str:
        """The service whose ConfigMap holds the file, once spinnaker-local.yml was given to every Spring service."""
        if self.service is None:
            raise ValueError(f"{self.name}: not yet expanded to the Spring services")
        return self.service
