"""TEST DOUBLE: the smallest Kubernetes API server kubectl's client-side code needs: discovery for a few
core and apps/v1 kinds, and 404 for every object. Enough for `kubectl apply --dry-run=client -o yaml`
(which shows what kubectl would send, ApplySet labels included); nothing is stored."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


def _resources(*kinds: tuple[str, str, bool]) -> list[dict]:
    return [{"name": n, "singularName": n[:-1], "namespaced": ns, "kind": k, "verbs": VERBS} for n, k, ns in kinds]


ROUTES = {
    "/api": {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
    },
    "/apis": {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {
                "name": "apps",
                "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
            }
        ],
    },
    "/api/v1": {
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": _resources(
            ("configmaps", "ConfigMap", True),
            ("secrets", "Secret", True),
            ("services", "Service", True),
            ("namespaces", "Namespace", False),
        ),
    },
    "/apis/apps/v1": {
        "kind": "APIResourceList",
        "groupVersion": "apps/v1",
        "resources": _resources(("deployments", "Deployment", True)),
    },
}
NOT_FOUND = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server hook
        body = ROUTES.get(self.path.split("?")[0])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body or NOT_FOUND).encode())


class FakeApiServer:
    def __enter__(self) -> FakeApiServer:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def kubeconfig(self) -> str:
        return (
            "apiVersion: v1\nkind: Config\n"
            f"clusters: [{{name: fake, cluster: {{server: \"{self.url}\"}}}}]\n"
            "users: [{name: u, user: {}}]\n"
            "contexts: [{name: fake, context: {cluster: fake, user: u}}]\ncurrent-context: fake\n"
        )
