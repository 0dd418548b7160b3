"""rosco.yml: the providers Rosco bakes images for (their bakery defaults and accounts), unchanged."""

from __future__ import annotations

from spinops.render._data import present

FILE = "rosco.yml"
SERVICE = "rosco"

PROVIDERS = ("google", "aws", "azure", "huaweicloud", "oracle")

READS = {f"providers.{p}": True for p in PROVIDERS}


def render(hal: dict) -> dict:
    return present(hal, ("providers",), PROVIDERS)
