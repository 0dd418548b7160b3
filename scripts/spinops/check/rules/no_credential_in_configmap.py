"""No credential value in any ConfigMap.

ConfigMaps are readable by anyone who can read the namespace and end up in diffs, PR comments
and logs; credentials belong in Secrets, referenced from the config as `${NAME}` placeholders
that Spring resolves from the environment. A value is a credential when its key is one the
halconfig schema marks as a credential (`x-spinops-credential`: password, token, accessToken,
clientSecret, apiKey, ...) or, for keys outside the halconfig (profiles, plain ConfigMaps), when
its last word is one (password, passwd, `*_PWD`, passphrase, secret, token, credential(s), apikey,
appkey, accesskey, secretkey, privatekey, insertkey): the build's own definition, `spinops.credentials`,
so a value check flags is one the build refuses, and the reverse. It passes when it uses a `${NAME}` placeholder, a
Spinnaker secret
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

from spinops.check import configfiles
from spinops.check.k8s import dotted
from spinops.check.rules import Hit
from spinops.credentials import is_credential_key, is_literal

ID = "no-credential-in-configmap"
DESCRIPTION = "no credential value in any ConfigMap (use ${NAME} placeholders and Secrets)"
SEVERITY = "error"

def _last_key(key) -> str:
    """`spring.datasource.password` (a .properties key) is judged by its last segment."""
    return str(key).rsplit(".", 1)[-1]


def check(resource: dict, ctx):
    if resource.get("kind") != "ConfigMap" or not isinstance(resource.get("data"), dict):
        return
    for fname, text in resource["data"].items():
        fname = str(fname)
        if configfiles.is_yaml(fname) or fname.endswith((".env", ".js", ".properties", ".conf")):
            for leaf in configfiles.leaves(fname, text):
                if is_credential_key(_last_key(leaf.key)) and is_literal(leaf.value):
                    yield Hit(
                        path=("data", fname),
                        inner=leaf.path,
                        message=f"{fname}: `{dotted(leaf.path)}` holds a literal credential (line {leaf.line} of the "
                                "file)",
                        hint="replace the value by a ${NAME} placeholder and declare NAME in halconfig/secrets.yml",
                        evidence=str(leaf.value),
                        inner_line=leaf.line,
                    )
        elif is_credential_key(_last_key(fname)) and is_literal(text):
            yield Hit(
                path=("data", fname),
                message=f"data key `{fname}` holds a literal credential",
                hint="move it to a Secret (envFrom: secretRef / a Secret volume)",
                evidence=str(text),
            )
