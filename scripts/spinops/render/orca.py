"""orca.yml: bake defaults, pipeline templates, webhook trust, optional services, execution windows."""

from __future__ import annotations

from spinops.render._data import compact, dig, is_true, text

FILE = "orca.yml"
SERVICE = "orca"

READS = {
    "providers.aws.enabled": False,
    "providers.aws.primaryAccount": False,
    "features.pipelineTemplates": False,
    "webhook": True,
    "canary.enabled": False,
    "managedDelivery.enabled": False,
    "timezone": False,
}


def render(hal: dict) -> dict:
    out = {}
    if is_true(hal, "providers", "aws", "enabled"):
        out["default"] = {"bake": compact(account=text(hal, "providers", "aws", "primaryAccount"))}
    templates = dig(hal, "features", "pipelineTemplates")
    if templates is not None:  # set either way: `enabled: false` is passed on too
        out["pipelineTemplates"] = {"enabled": templates}
    if (webhook := hal.get("webhook")) is not None:
        out["webhook"] = webhook
    services = {}
    if is_true(hal, "canary", "enabled"):
        services["kayenta"] = {"enabled": True}
    if is_true(hal, "managedDelivery", "enabled"):
        services["keel"] = {"enabled": True}
    if services:
        out["services"] = services
    if tz := text(hal, "timezone"):
        out["tasks"] = {"executionWindow": {"timezone": tz}}
    return out
