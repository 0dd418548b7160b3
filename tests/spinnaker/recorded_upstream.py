"""Recorded responses of Spinnaker's public sources (recorded/upstream.txt), served over real HTTP at 127.0.0.1
in raw.githubusercontent.com's layout (/<owner>/<repo>/<ref>/<path>), so that the catalog's HTTPS client is tested
through a real socket and never the network."""

from __future__ import annotations

import contextlib
import http.server
import threading
from pathlib import Path

RECORDED = Path(__file__).parent / "recorded" / "upstream.txt"
BROKEN = "/broken/"  # any path holding it answers 500 (a GitHub outage)


def recorded_files() -> dict[tuple[str, str, str], str]:
    """(repo, ref, path) -> body, from recorded/upstream.txt."""
    out: dict[tuple[str, str, str], list[str]] = {}
    current: list[str] | None = None
    for line in RECORDED.read_text(encoding="utf-8").splitlines():
        if line.startswith("=== "):
            repo, ref, path = line[4:].split(" ")
            current = out.setdefault((repo, ref, path), [])
        elif current is not None:
            current.append(line)
    return {k: "\n".join(v) + "\n" for k, v in out.items()}


def write_tree(root: Path, files: dict[tuple[str, str, str], str]) -> None:
    for (repo, ref, path), body in files.items():
        dest = root / repo / ref / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(body, encoding="utf-8")


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        if BROKEN in self.path:
            self.send_error(500, "recorded outage")
            return
        super().do_GET()

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass


@contextlib.contextmanager
def serve(root: Path):
    """An HTTP server on 127.0.0.1 serving `root`'s tree; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: _Handler(*a, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
