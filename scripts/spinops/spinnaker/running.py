"""Which Spinnaker services run for a halconfig.

Today: the optional services whose `services.<svc>.enabled` follows a halconfig switch.
"""

from __future__ import annotations


def _on(hal: dict, *keys: str) -> bool:
    """A halconfig switch that is set and true (unset reads as off, as in Halyard)."""
    for k in keys:
        hal = hal.get(k) if isinstance(hal, dict) else None
    return hal is True


def optional_enabled(hal: dict) -> dict[str, bool]:
    """services.{fiat,kayenta,keel}.enabled: security.authz, canary, managedDelivery."""
    return {
        "fiat": _on(hal, "security", "authz", "enabled"),
        "kayenta": _on(hal, "canary", "enabled"),
        "keel": _on(hal, "managedDelivery", "enabled"),
    }
