"""spinnaker.yml: where each service lives and which optional services are enabled."""

from __future__ import annotations

from spinops.spinnaker.discovery import service_discovery


def test_service_discovery():
    hal = {"security": {"authz": {"enabled": True}}, "canary": {"enabled": False}}
    services = service_discovery("spin", hal)["services"]
    assert services["clouddriver"] == {"baseUrl": "http://clouddriver.spin:7002"}
    assert services["gate"] == {"baseUrl": "http://gate.spin:8084"}
    assert services["redis"] == {"baseUrl": "redis://redis.spin:6379"}
    assert (services["fiat"]["enabled"], services["kayenta"]["enabled"], services["keel"]["enabled"]) == (True, False, False)
    assert service_discovery("x", {"managedDelivery": {"enabled": True}})["services"]["keel"]["enabled"] is True
    assert set(services) == {"clouddriver", "deck", "echo", "fiat", "front50", "gate", "igor", "kayenta", "keel", "orca", "rosco", "redis"}
