"""keel.yml: managed delivery. Empty unless managedDelivery.enabled is true.

The SQL store comes from persistentStorage.sql, only when its `enabled` is true, with the
`default` pool moved under `connectionPools`.
"""

from __future__ import annotations

from spinops.render._data import is_true, present

FILE = "keel.yml"
SERVICE = "keel"

READS = {
    "managedDelivery.enabled": False,
    "managedDelivery.keel": True,
    "managedDelivery.eureka": True,
    "persistentStorage.sql": True,
}


def render(hal: dict) -> dict:
    if not is_true(hal, "managedDelivery", "enabled"):
        return {}
    out = {}
    if is_true(hal, "persistentStorage", "sql", "enabled"):
        sql = hal["persistentStorage"]["sql"]
        pools = {"default": sql["default"]} if sql.get("default") is not None else {}
        out["sql"] = {"enabled": True, "connectionPools": pools}
        if sql.get("migration") is not None:
            out["sql"]["migration"] = sql["migration"]
    out.update(present(hal, ("managedDelivery",), ("keel", "eureka")))
    return out
