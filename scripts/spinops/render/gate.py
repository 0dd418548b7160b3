"""gate.yml: the API gateway's TLS, CORS, authentication methods and optional integrations.

OAuth2 is passed only when its `enabled` is true: Gate switches OAuth2 on whenever a client id
is configured, ignoring the flag, so Kleat drops a disabled block entirely. Basic auth, SAML,
LDAP, X.509 and IAP pass through whenever present.
"""

from __future__ import annotations

from spinops.render._data import dig, is_true, text

FILE = "gate.yml"
SERVICE = "gate"

READS = {
    "security.apiSecurity.ssl": True,
    "security.apiSecurity.corsAccessPattern": False,
    "security.authn.oauth2": True,
    "security.authn.basic": True,
    "security.authn.saml": True,
    "security.authn.ldap": True,
    "security.authn.x509": True,
    "security.authn.iap": True,
    "security.uiSecurity.overrideBaseUrl": False,
    "canary.enabled": False,
    "features.gremlin": False,
}


def render(hal: dict) -> dict:
    out = {}
    authn = dig(hal, "security", "authn") or {}
    if (ssl := dig(hal, "security", "apiSecurity", "ssl")) is not None:
        out["server"] = {"ssl": ssl}
    if pattern := text(hal, "security", "apiSecurity", "corsAccessPattern"):
        out["cors"] = {"allowedOriginsPattern": pattern}
    spring = {}
    if is_true(authn, "oauth2", "enabled"):
        spring["oauth2"] = authn["oauth2"]
    if authn.get("basic") is not None:
        spring["basic"] = authn["basic"]
    if spring:
        out["security"] = spring
    for method in ("saml", "ldap", "x509"):
        if authn.get(method) is not None:
            out[method] = authn[method]
    if authn.get("iap") is not None:
        out["google"] = {"iap": authn["iap"]}
    services: dict[str, dict[str, object]] = {}
    if deck_url := text(hal, "security", "uiSecurity", "overrideBaseUrl"):
        services["deck"] = {"baseUrl": deck_url}
    if is_true(hal, "canary", "enabled"):
        services["kayenta"] = {"enabled": True}
    if services:
        out["services"] = services
    if is_true(hal, "features", "gremlin"):
        out["integrations"] = {"gremlin": {"enabled": True}}
    return out
