"""front50.yml: the persistent stores under `spinnaker` (always present), plus managed delivery.

Every configured store is copied (no "which one is active" logic); persistentStorage.sql is
Keel's, not Front50's.
"""

from __future__ import annotations

from spinops.render._data import is_true, present

FILE = "front50.yml"
SERVICE = "front50"

STORES = ("gcs", "azs", "oracle", "s3")

READS = {
    **{f"persistentStorage.{s}": True for s in STORES},
    "managedDelivery.enabled": False,
}


def render(hal: dict) -> dict:
    spinnaker = present(hal, ("persistentStorage",), STORES)
    if is_true(hal, "managedDelivery", "enabled"):
        spinnaker["delivery"] = {"enabled": True}
    return {"spinnaker": spinnaker}
