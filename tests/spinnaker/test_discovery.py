"""spinnaker.yml: where each service lives and which services are enabled (issue 10, defects 1 and 6)."""

from __future__ import annotations

from spinops.spinnaker.discovery import service_discovery

ALL = {"clouddriver", "deck", "echo", "fiat", "front50", "gate", "igor", "kayenta", "keel", "orca", "rosco", "redis"}


def test_service_discovery_addresses():
    hal = {"security": {"authz": {"enabled": True}}, "canary": {"enabled": False}}
    services = service_discovery("spin", hal)["services"]
    assert services["clouddriver"] == {"baseUrl": "http://clouddriver.spin:7002", "enabled": True}
    assert services["gate"] == {"baseUrl": "http://gate.spin:8084", "enabled": True}
    assert services["redis"] == {"baseUrl": "redis://redis.spin:6379", "enabled": True}
    assert set(services) == ALL


def test_every_service_and_redis_says_whether_it_is_enabled():
    # echo v2.43.1 echo.yml:19 `igor.enabled: ${services.igor.enabled:false}` and :45 `redis.enabled:
    # ${services.redis.enabled:false}`; keel-web/config/keel.yml:38-52 reads services.<svc>.enabled with no default.
    services = service_discovery("spin", {"ci": {"gcb": {"enabled": True}}})["services"]
    assert all(isinstance(services[s]["enabled"], bool) for s in ALL)
    assert services["igor"]["enabled"] is True and services["redis"]["enabled"] is True
    assert (services["fiat"]["enabled"], services["kayenta"]["enabled"], services["keel"]["enabled"]) == (
        False,
        False,
        False,
    )
    assert service_discovery("x", {"managedDelivery": {"enabled": True}})["services"]["keel"]["enabled"] is True
    assert service_discovery("x", {})["services"]["igor"]["enabled"] is False


def test_deck_and_gate_urls_are_the_public_ones_when_set():
    # echo builds Slack links from spinnaker.baseUrl: ${services.deck.baseUrl} (echo v2.43.1 echo.yml:8);
    # Halyard used security.uiSecurity / apiSecurity overrideBaseUrl (DeckService.java:138, GateService.java:133).
    hal = {"security": {"uiSecurity": {"overrideBaseUrl": "https://spin.example.com"},
                        "apiSecurity": {"overrideBaseUrl": "https://api.spin.example.com"}}}
    services = service_discovery("spin", hal)["services"]
    assert services["deck"]["baseUrl"] == "https://spin.example.com"
    assert services["gate"]["baseUrl"] == "https://api.spin.example.com"
    assert services["echo"]["baseUrl"] == "http://echo.spin:8089"
