"""echo.yml: notification channels, artifact accounts, Pub/Sub, GCB, usage stats, cron timezone.

Deviation from Kleat: stats.deploymentMethod names this tool ({type: spinops, version: <spinops
version>}) instead of {type: kleat, version: <kleat build>}, so Spinnaker's usage statistics tell
the installations apart.
"""

from __future__ import annotations

from spinops import __version__
from spinops.render._data import compact, dig, is_true, present, text

FILE = "echo.yml"
SERVICE = "echo"

DEPLOYMENT_METHOD = {"type": "spinops", "version": __version__}

NOTIFICATIONS = ("slack", "twilio", "githubStatus", "microsoftteams")

READS = {
    **{f"notifications.{n}": True for n in NOTIFICATIONS},
    "artifacts": True,
    "pubsub": True,
    "ci.gcb": True,
    "stats": False,
    "version": False,
    "timezone": False,
    "managedDelivery.enabled": False,
}


def render(hal: dict) -> dict:
    out = present(hal, ("notifications",), NOTIFICATIONS)
    for key, block in (
        ("artifacts", hal.get("artifacts")),
        ("pubsub", hal.get("pubsub")),
        ("gcb", dig(hal, "ci", "gcb")),
    ):
        if block is not None:
            out[key] = block
    out["stats"] = compact(
        enabled=dig(hal, "stats", "enabled"),
        instanceId=text(hal, "stats", "instanceId"),
        endpoint=text(hal, "stats", "endpoint"),
        spinnakerVersion=text(hal, "version"),
        deploymentMethod=dict(DEPLOYMENT_METHOD),
    )
    if tz := text(hal, "timezone"):
        out["scheduler"] = {"cron": {"timezone": tz}}
    if is_true(hal, "managedDelivery", "enabled"):
        out["services"] = {"keel": {"enabled": True}}
    return out
