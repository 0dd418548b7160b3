"""Service discovery: the `spinnaker.yml` every Spring service gets."""

from __future__ import annotations

from spinops.spinnaker.running import optional_enabled
from spinops.spinnaker.services import SERVICES


def service_discovery(namespace: str, hal_data: dict) -> dict:
    """Where each service lives in `namespace`, and which optional services are enabled.

    services.{fiat,kayenta,keel}.enabled come from the halconfig (Kleat never writes them):
    security.authz.enabled, canary.enabled, managedDelivery.enabled. With the HA component the
    Services `clouddriver` and `echo` select the rw / worker shards, and the component routes
    read-only callers with environment variables (see kustomize/components/ha), so this file is
    the same with or without HA.
    """
    services: dict[str, dict] = {svc: {"baseUrl": f"http://{svc}.{namespace}:{port}"} for svc, port in SERVICES.items()}
    services["redis"] = {"baseUrl": f"redis://redis.{namespace}:6379"}
    for svc, on in optional_enabled(hal_data).items():
        services[svc]["enabled"] = on
    return {"services": services}
