"""spinnaker-monitoring.yml: the monitoring daemon's metric stores and `monitor` (always present).

`monitor.metric_store` lists the enabled stores in a fixed order; a configured but disabled
store is still copied, just not listed.
"""

from __future__ import annotations

from spinops.render._data import dig, is_true, present

FILE = "spinnaker-monitoring.yml"
SERVICE = "monitoring"  # the spinnaker-monitoring daemon (a sidecar), not a Spinnaker service

STORES = ("datadog", "newrelic", "prometheus", "stackdriver")  # Kleat's metric_store order

READS = {**{f"metricStores.{s}": True for s in STORES}, "metricStores.period": False}


def render(hal: dict) -> dict:
    out = present(hal, ("metricStores",), STORES)
    monitor = {}
    if period := dig(hal, "metricStores", "period"):
        monitor["period"] = period
    if enabled := [s for s in STORES if is_true(hal, "metricStores", s, "enabled")]:
        monitor["metric_store"] = enabled
    out["monitor"] = monitor
    return out
