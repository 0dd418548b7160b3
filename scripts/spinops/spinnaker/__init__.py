"""What spinops knows about Spinnaker itself, in one place.

- `services`:  the services spinops deploys, their HTTP ports, the HA shards, the labels every
               rendered resource carries.
- `running`:   which services run for a given halconfig (as Halyard decided it).
- `discovery`: the `spinnaker.yml` every Spring service reads (`services.<svc>.baseUrl` / `enabled`).
- `catalog`:   the releases spinops knows (`releases/<version>.yml`, and a team's `halconfig/releases/`):
               services, versions, images, defaults (docs/catalog.md).
- `images`:    the image tags that follow from the halconfig's `version:`; the overlay's own pins.
- `contract/`: the runtime contract: effective Spring properties and what each service needs to start.
- `gather`:    a release's facts from Spinnaker's own sources (the maintainers' tool, and `spinops catalog add`).
- `upstream`:  those sources: git clones, or raw.githubusercontent.com over HTTPS.

Each fact names the upstream source it was read from. Build, check, diff and migrate read them
from here; nothing else hard-codes a Spinnaker service name, port or shard.
"""
