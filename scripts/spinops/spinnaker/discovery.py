"""Service discovery: the `spinnaker.yml` every Spring service gets."""

from __future__ import annotations

from spinops.spinnaker.running import running
from spinops.spinnaker.services import SERVICES

#: Public URLs Halyard put into service discovery instead of the in-cluster address:
#: DeckService.java:138 and GateService.java:133 set `overrideBaseUrl`, which wins in
#: ServiceSettings.buildBaseUri (ServiceSettings.java:160-164). echo builds its links to Deck from
#: `spinnaker.baseUrl: ${services.deck.baseUrl:...}` (echo v2.43.1 echo-web/config/echo.yml:8).
PUBLIC_URLS = {
    "deck": ("security", "uiSecurity", "overrideBaseUrl"),
    "gate": ("security", "apiSecurity", "overrideBaseUrl"),
}


def _text(hal: object, keys: tuple[str, ...]) -> str:
    for k in keys:
        hal = hal.get(k) if isinstance(hal, dict) else None
    return hal if isinstance(hal, str) else ""


def service_discovery(namespace: str, hal_data: dict) -> dict:
    """Where each service lives in `namespace`, and which services are enabled.

    `services.<svc>.enabled` is written for every service and for redis, as kustomization-base's
    core/service-discovery/spinnaker.yml does: services read it with no default (keel v1.4.1
    keel-web/config/keel.yml:38-52) or with `false` as default (echo v2.43.1 echo.yml:19 and :45,
    where IgorConfig and the pubsub handler depend on it). Which services run: spinops.spinnaker.running.
    With the HA component the Services `clouddriver` and `echo` select the rw / worker shards, and
    the component routes read-only callers with environment variables (see kustomize/components/ha),
    so this file is the same with or without HA.
    """
    on = running(hal_data)
    services: dict[str, dict] = {}
    for svc, port in SERVICES.items():
        url = _text(hal_data, PUBLIC_URLS[svc]) if svc in PUBLIC_URLS else ""
        services[svc] = {"baseUrl": url or f"http://{svc}.{namespace}:{port}", "enabled": on[svc]}
    services["redis"] = {"baseUrl": f"redis://redis.{namespace}:6379", "enabled": True}
    return {"services": services}
