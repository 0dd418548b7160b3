"""No credential value in any ConfigMap.

ConfigMaps are readable by anyone who can read the namespace and end up in diffs, PR comments
and logs; credentials belong in Secrets, referenced from the config as `${NAME}` placeholders
that Spring resolves from the environment. A value is a credential when its key is one the
halconfig schema marks as a credential (`x-spinops-credential`: password, token, accessToken,
clientSecret, apiKey, ...) or, for keys outside the halconfig (profiles, plain ConfigMaps), when
its name ends like one (password, passwd, secret, token, apikey, passphrase, privatekey,
secretkey, accesskey). It passes when it uses a `${NAME}` placeholder, a Spinnaker secret
engine reference (`encrypted:...`), or is empty. Spring YAML files in the ConfigMap are read key
by key; other files (deck.env, settings.js) as `key=value` lines; plain data keys as they are.
The value itself is never printed.

PASS::

    apiVersion: v1
    kind: ConfigMap
    metadata: {name: echo-config}
    data:
      echo.yml: |
        slack:
          enabled: true
          token: ${SLACK_TOKEN}
      LOG_LEVEL: info

FAIL::

    apiVersion: v1
    kind: ConfigMap
    metadata: {name: echo-config}
    data:
      echo.yml: |
        slack:
          enabled: true
          token: xoxb-not-a-real-token

FAIL::

    apiVersion: v1
    kind: ConfigMap
    metadata: {name: app-settings}
    data:
      DB_PASSWORD: hunter2
"""

from __future__ import annotations

import re

from spinops.check import configfiles
from spinops.check.k8s import dotted
from spinops.check.rules import Hit

ID = "no-credential-in-configmap"
DESCRIPTION = "no credential value in any ConfigMap (use ${NAME} placeholders and Secrets)"
SEVERITY = "error"

_WORDS = ("password", "passwd", "secret", "token", "apikey", "passphrase", "privatekey", "secretkey", "accesskey")
_SAFE_PREFIXES = ("encrypted:", "encryptedfile:", "secret://")


def is_credential_key(key: str, schema_keys: frozenset[str]) -> bool:
    k = str(key)
    if k.lower() in schema_keys:
        return True
    norm = re.sub(r"[^a-z0-9]", "", k.rsplit(".", 1)[-1].lower())
    return norm.endswith(_WORDS)


def is_literal(value) -> bool:
    """A value that would be a leaked credential (not a placeholder, reference or empty)."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return True
    if not isinstance(value, str):
        return False
    v = value.strip()
    if not v or "${" in v:
        return False
    return not v.lower().startswith(_SAFE_PREFIXES)


def check(resource: dict, ctx):
    if resource.get("kind") != "ConfigMap" or not isinstance(resource.get("data"), dict):
        return
    for fname, text in resource["data"].items():
        fname = str(fname)
        if configfiles.is_yaml(fname) or fname.endswith((".env", ".js", ".properties", ".conf")):
            for leaf in configfiles.leaves(fname, text):
                if is_credential_key(leaf.key, ctx.credential_keys) and is_literal(leaf.value):
                    yield Hit(
                        path=("data", fname),
                        inner=leaf.path,
                        message=f"{fname}: `{dotted(leaf.path)}` holds a literal credential (line {leaf.line} of the file)",
                        hint="replace the value by a ${NAME} placeholder and declare NAME in halconfig/secrets.yml",
                        evidence=str(leaf.value),
                        inner_line=leaf.line,
                    )
        elif is_credential_key(fname, ctx.credential_keys) and is_literal(text):
            yield Hit(
                path=("data", fname),
                message=f"data key `{fname}` holds a literal credential",
                hint="move it to a Secret (envFrom: secretRef / a Secret volume)",
                evidence=str(text),
            )
