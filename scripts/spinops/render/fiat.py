"""fiat.yml: `auth` is the halconfig's security.authz (group membership sources and their credentials)."""

from __future__ import annotations

from spinops.render._data import dig

FILE = "fiat.yml"
SERVICE = "fiat"

READS = {"security.authz": True}


def render(hal: dict) -> dict:
    authz = dig(hal, "security", "authz")
    return {} if authz is None else {"auth": authz}
