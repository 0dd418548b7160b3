"""clouddriver.yml: every cloud provider and the artifact accounts, passed through unchanged."""

from __future__ import annotations

from spinops.render._data import present

FILE = "clouddriver.yml"
SERVICE = "clouddriver"

PROVIDERS = (
    "kubernetes", "google", "appengine", "aws", "azure", "cloudfoundry",
    "dcos", "dockerRegistry", "ecs", "huaweicloud", "oracle",
)  # fmt: skip

#: halconfig path -> True when credentials in it reach this file unchanged
READS = {**{f"providers.{p}": True for p in PROVIDERS}, "artifacts": True}


def render(hal: dict) -> dict:
    out = present(hal, ("providers",), PROVIDERS)
    if (artifacts := hal.get("artifacts")) is not None:
        out["artifacts"] = artifacts
    return out
