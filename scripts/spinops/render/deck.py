"""settings.js and deck.env: the Deck UI's settings, the most derived of Kleat's outputs.

settings.js (the Deck message):
- gateUrl: security.apiSecurity.overrideBaseUrl verbatim, else https://localhost:8084 when the API
  has TLS enabled, else http://localhost:8084; authEndpoint and bakeryDetailUrl append to it
  (verbatim: a trailing `/` in the override gives `//`, as in Kleat).
- canary, feature, notifications and providers are always present; canary.featureDisabled is
  "canary not enabled"; providers get defaults only for enabled providers, the region taken from
  the LAST account named like primaryAccount (Kleat's loop keeps overwriting), no fallback.
- Deviation from Kleat: notification credentials (slack/twilio/githubStatus `token`) are dropped.
  settings.js is served to every browser; Kleat copies those tokens into it.

deck.env (the DeckEnv message): DECK_CERT / DECK_KEY / PASSPHRASE from security.uiSecurity.ssl,
only when that TLS block is enabled.
"""

from __future__ import annotations

import functools

from spinops.halconfig import schema as hs
from spinops.render._data import compact, dig, is_true, text

FILE = "settings.js"
ENV_FILE = "deck.env"
SERVICE = "deck"

GATE_PORT = 8084

# halconfig notification block -> Deck's name for it (microsoftteams is Echo-only)
NOTIFICATIONS = {
    "bearychat": "bearychat",
    "email": "email",
    "githubStatus": "githubStatus",
    "googlechat": "googleChat",
    "pubsub": "pubsub",
    "slack": "slack",
    "twilio": "sms",
}


@functools.cache
def notification_credentials() -> dict[str, frozenset[str]]:
    """Deck notification block -> its credential fields, never copied into settings.js.

    Read from the halconfig schema (`x-spinops-credential` / `-credential-file`), the one place that
    knows which fields are secret: a new secret field there is dropped here without a second list.
    The schema module imports only json/functools/os; the CLI has already loaded (and cached) the
    schema to validate the halconfig, so this costs a few microseconds per process.
    """
    node = hs.at(("notifications",))
    if node is None:
        raise ValueError("the halconfig schema has no `notifications`")  # the bundled schema always has it
    blocks = hs.resolve(node)["properties"]
    out = {}
    for name in NOTIFICATIONS:
        fields = hs.resolve(blocks[name]).get("properties", {})
        secret = frozenset(
            f for f, node in fields.items() if node.get("x-spinops-credential") or node.get("x-spinops-credential-file")
        )
        if secret:
            out[name] = secret
    return out  # cached: treat as read-only


# providers whose Deck defaults carry only an account
_ACCOUNT_ONLY = ("appengine", "cloudfoundry", "dcos", "ecs")
# providers whose Deck defaults also carry the first region of the primary account: halconfig
# name -> Deck name ("google" is "gce" in Deck)
_WITH_REGION = {"aws": "aws", "azure": "azure", "google": "gce", "huaweicloud": "huaweicloud"}

READS = {
    "security.apiSecurity.overrideBaseUrl": False,
    "security.apiSecurity.ssl.enabled": False,
    "security.authn.enabled": False,
    "security.authz.enabled": False,
    "version": False,
    "timezone": False,
    "canary.enabled": False,
    "canary.defaultJudge": False,
    "canary.defaultMetricsAccount": False,
    "canary.defaultMetricsStore": False,
    "canary.showAllConfigsEnabled": False,
    "canary.storageAccountName": False,
    "canary.templatesEnabled": False,
    "features.pipelineTemplates": False,
    "features.chaos": False,
    "features.managedPipelineTemplatesV2UI": False,
    "managedDelivery.enabled": False,
    # read, but credentials are stripped: Deck must never get secrets wired in
    **{f"notifications.{n}": False for n in NOTIFICATIONS},
    **{f"providers.{p}.enabled": False for p in (*_ACCOUNT_ONLY, *_WITH_REGION, "kubernetes")},
    **{f"providers.{p}.primaryAccount": False for p in (*_ACCOUNT_ONLY, *_WITH_REGION)},
    **{f"providers.{p}.accounts": False for p in _WITH_REGION},
}
ENV_READS = {"security.uiSecurity.ssl": True}


def gate_url(hal: dict) -> str:
    if override := text(hal, "security", "apiSecurity", "overrideBaseUrl"):
        return override
    scheme = "https" if is_true(hal, "security", "apiSecurity", "ssl", "enabled") else "http"
    return f"{scheme}://localhost:{GATE_PORT}"


def _canary(hal: dict) -> dict:
    canary = hal.get("canary") or {}
    return compact(
        defaultJudge=canary.get("defaultJudge"),
        featureDisabled=canary.get("enabled") is not True,
        metricsAccountName=canary.get("defaultMetricsAccount"),
        metricStore=canary.get("defaultMetricsStore"),
        showAllConfigs=canary.get("showAllConfigsEnabled"),
        storageAccountName=canary.get("storageAccountName"),
        templatesEnabled=canary.get("templatesEnabled"),
    )


def _features(hal: dict) -> dict:
    features = hal.get("features") or {}
    managed = dig(hal, "managedDelivery", "enabled")
    return compact(
        pipelineTemplates=features.get("pipelineTemplates"),
        chaosMonkey=features.get("chaos"),
        fiatEnabled=dig(hal, "security", "authz", "enabled"),
        managedPipelineTemplatesV2UI=features.get("managedPipelineTemplatesV2UI"),
        managedDelivery=managed,
        managedResources=managed,
    )


def _notifications(hal: dict) -> dict:
    secret = notification_credentials()
    out = {}
    for name, deck_name in NOTIFICATIONS.items():
        block = dig(hal, "notifications", name)
        if block is None:
            continue
        drop = secret.get(name, ())
        out[deck_name] = {k: v for k, v in block.items() if k not in drop}
    return out


def _primary_region(provider: dict, name: str, primary: str) -> str:
    match = None
    for account in provider.get("accounts") or ():
        if account.get("name", "") == primary:
            match = account  # no break: the last account of that name wins, as in Kleat
    regions = (match or {}).get("regions") or ()
    if not regions:
        return ""
    first = regions[0]
    if name == "aws":  # AWS regions are {name: ...} messages, the others plain strings
        return first.get("name", "") if isinstance(first, dict) else ""
    return first if isinstance(first, str) else ""


def _providers(hal: dict) -> dict:
    providers = hal.get("providers") or {}
    out = {}
    for name in sorted((*_ACCOUNT_ONLY, *_WITH_REGION)):
        provider = providers.get(name) or {}
        if provider.get("enabled") is not True:
            continue
        primary = provider.get("primaryAccount", "")
        if name in _WITH_REGION:
            region = _primary_region(provider, name, primary)
            out[_WITH_REGION[name]] = {"defaults": compact(account=primary, region=region)}
        else:
            out[name] = {"defaults": compact(account=primary)}
    if is_true(providers, "kubernetes", "enabled"):
        out["kubernetes"] = {}
    return out


def render(hal: dict) -> dict:
    """The Deck settings (settings.js payload)."""
    url = gate_url(hal)
    return compact(
        gateUrl=url,
        authEnabled=dig(hal, "security", "authn", "enabled"),
        authEndpoint=url + "/auth/user",
        bakeryDetailUrl=url + "/bakery/logs/{{context.region}}/{{context.status.resourceId}}",
        canary=_canary(hal),
        notifications=_notifications(hal),
        providers=_providers(hal),
        version=text(hal, "version"),
        defaultTimeZone=text(hal, "timezone"),
        feature=_features(hal),
    )


def render_env(hal: dict) -> dict:
    """The Deck container environment (deck.env): TLS files for Deck's own web server."""
    ssl = dig(hal, "security", "uiSecurity", "ssl") or {}
    if ssl.get("enabled") is not True:
        return {}
    return compact(
        DECK_CERT=ssl.get("sslCertificateFile"),
        DECK_KEY=ssl.get("sslCertificateKeyFile"),
        PASSPHRASE=ssl.get("sslCertificatePassphrase"),
    )
