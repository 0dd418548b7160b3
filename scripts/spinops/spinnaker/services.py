"""The Spinnaker services spinops deploys: one fact, one place.

`SERVICES` maps a Spinnaker service to its HTTP port. `SHARDS` lists the Deployments a service
runs as when the HA component is on (clouddriver and echo); without it each service is one
Deployment of the same name. Every resource we render carries the label `spinops.io/service`
naming its Spinnaker service, so shards, wiring, lint and diff grouping all key on that label.
"""

from __future__ import annotations

SERVICE_LABEL = "spinops.io/service"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "spinops"
PART_OF_LABEL = "app.kubernetes.io/part-of"
PART_OF = "spinnaker"

SERVICES: dict[str, int] = {
    "clouddriver": 7002,
    "deck": 9000,
    "echo": 8089,
    "fiat": 7003,
    "front50": 8080,
    "gate": 8084,
    "igor": 8088,
    "kayenta": 8090,
    "keel": 7010,
    "orca": 8083,
    "rosco": 8087,
}

#: HA shards (kustomize/components/ha): Deployment name -> extra Spring profile.
SHARDS: dict[str, dict[str, str]] = {
    "clouddriver": {
        "clouddriver-caching": "caching",
        "clouddriver-rw": "rw",
        "clouddriver-ro": "ro",
        "clouddriver-ro-deck": "ro-deck",
    },
    "echo": {
        "echo-scheduler": "scheduler",
        "echo-worker": "worker",
    },
}

#: The Spring profiles each HA shard runs besides `local` (SPRING_PROFILES_ACTIVE in
#: kustomize/components/ha/shards/<shard>/kustomization.yml; a test keeps them equal). Spring loads
#: `<app>-<profile>.yml` for each, so clouddriver-ro-deck reads clouddriver-ro.yml as well as its own.
SHARD_PROFILES: dict[str, tuple[str, ...]] = {
    "clouddriver-caching": ("caching",),
    "clouddriver-rw": ("rw",),
    "clouddriver-ro": ("ro",),
    "clouddriver-ro-deck": ("ro", "ro-deck"),
    "echo-scheduler": ("scheduler",),
    "echo-worker": ("worker",),
}

#: Services that Spinnaker can run without (their `services.<svc>.enabled` is derived from the halconfig).
OPTIONAL_SERVICES = ("fiat", "kayenta", "keel")


def service_of_deployment(name: str) -> str | None:
    """The Spinnaker service a Deployment name belongs to (`clouddriver-ro-deck` -> `clouddriver`)."""
    if name in SERVICES:
        return name
    for svc, shards in SHARDS.items():
        if name in shards:
            return svc
    return None
