"""What spinops knows about Spinnaker itself, in one place.

- `services`:  the services spinops deploys, their HTTP ports, the HA shards, the labels every
               rendered resource carries.
- `running`:   which services run for a given halconfig (as Halyard decided it).
- `discovery`: the `spinnaker.yml` every Spring service reads (`services.<svc>.baseUrl` / `enabled`).

Each fact names the upstream source it was read from. Build, check, diff and migrate read them
from here; nothing else hard-codes a Spinnaker service name, port or shard.
"""
