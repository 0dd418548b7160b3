"""No host name under the reserved `.invalid` top-level domain.

`.invalid` is reserved so that it can never resolve (RFC 2606 section 2, RFC 6761 section 6.4):
it is the usual placeholder in examples, such as the Redis host in the reference overlays. Left
in place, it passes kustomize and the API server, and the service fails only at run time, when it
cannot reach the host. Looked at: a Service's `externalName`, containers' `env` values and the
text of ConfigMaps.

PASS::

    apiVersion: v1
    kind: Service
    metadata: {name: redis}
    spec: {type: ExternalName, externalName: 10.0.0.3.nip.io}

FAIL::

    apiVersion: v1
    kind: Service
    metadata: {name: redis}
    spec: {type: ExternalName, externalName: redis.production.spinnaker.example.invalid}

FAIL::

    apiVersion: v1
    kind: ConfigMap
    metadata: {name: echo-config}
    data:
      echo-local.yml: |
        redis:
          connection: redis://redis.example.invalid:6379
"""

from __future__ import annotations

import re

from spinops.check import k8s
from spinops.check.rules import Hit

ID = "placeholder-hosts"
DESCRIPTION = "no placeholder host names (the reserved .invalid domain)"
SEVERITY = "warning"

_HOST = re.compile(r"(?<![\w.-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+invalid)\.?(?![\w-])", re.IGNORECASE)
_HINT = "replace the placeholder with the real host name"


def _hosts(text: object) -> list[str]:
    return _HOST.findall(text) if isinstance(text, str) and "invalid" in text.lower() else []


def check(resource: dict, ctx):
    kind = resource.get("kind")
    spec = s if isinstance(s := resource.get("spec"), dict) else {}
    if kind == "Service":
        for host in _hosts(spec.get("externalName")):
            yield Hit(
                path=("spec", "externalName"),
                message=f"externalName {host!r} is a placeholder: .invalid never resolves",
                hint=_HINT,
            )
    elif kind == "ConfigMap" and isinstance(resource.get("data"), dict):
        for name, text in sorted(resource["data"].items()):
            for host in _hosts(text):
                yield Hit(
                    path=("data", name),
                    message=f"{name} names the placeholder host {host!r} (.invalid never resolves)",
                    hint=_HINT,
                )
    for container, path in k8s.containers(resource):
        env = container.get("env")
        for i, var in enumerate(env if isinstance(env, list) else []):
            if isinstance(var, dict):
                for host in _hosts(var.get("value")):
                    yield Hit(
                        path=(*path, "env", i, "value"),
                        message=f"env {var.get('name')} names the placeholder host {host!r}",
                        hint=_HINT,
                    )
