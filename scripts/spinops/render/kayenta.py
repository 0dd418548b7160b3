"""kayenta.yml: canary analysis integrations. Empty unless canary.enabled is true.

Kleat regroups two integrations: `google` becomes kayenta.google {enabled, accounts},
kayenta.stackdriver {enabled: stackdriverEnabled, metadataCachingIntervalMS} and kayenta.gcs
{enabled: gcsEnabled}; `aws` becomes kayenta.aws {enabled, accounts} and kayenta.s3
{enabled: s3Enabled}. The others pass through. Deck-facing canary defaults are Deck's.
"""

from __future__ import annotations

from spinops.render._data import dig, is_true

FILE = "kayenta.yml"
SERVICE = "kayenta"

PASS_THROUGH = ("prometheus", "datadog", "signalfx", "newrelic")

READS = {
    "canary.enabled": False,
    **{f"canary.serviceIntegrations.{i}": True for i in ("google", "aws", *PASS_THROUGH)},
}


def _pick(block: dict, **renames: str) -> dict:
    """{out_key: block[in_key]} for the in_keys that are set."""
    return {out: block[src] for out, src in renames.items() if block.get(src) is not None}


def render(hal: dict) -> dict:
    if not is_true(hal, "canary", "enabled"):
        return {}
    integrations = dig(hal, "canary", "serviceIntegrations") or {}
    out = {}
    if (google := integrations.get("google")) is not None:
        out["google"] = _pick(google, enabled="enabled", accounts="accounts")
        out["stackdriver"] = _pick(
            google, enabled="stackdriverEnabled", metadataCachingIntervalMS="metadataCachingIntervalMS"
        )
        out["gcs"] = _pick(google, enabled="gcsEnabled")
    if (aws := integrations.get("aws")) is not None:
        out["aws"] = _pick(aws, enabled="enabled", accounts="accounts")
        out["s3"] = _pick(aws, enabled="s3Enabled")
    for name in PASS_THROUGH:
        if (block := integrations.get(name)) is not None:
            out[name] = block
    return {"kayenta": out}
