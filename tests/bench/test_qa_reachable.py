"""``bench qa`` finds out the endpoint is unreachable before it analyses any video (issue 12)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from framesift.bench.qa import ServerError, check_reachable


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_listening_fails_at_once():
    with pytest.raises(ServerError, match="endpoint unreachable"):
        check_reachable(f"http://127.0.0.1:{_free_port()}/v1", timeout=5)


def test_any_http_answer_counts_as_reachable():
    class NotFound(BaseHTTPRequestHandler):
        def do_GET(self):  # a server without /models still answers: it is there
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        check_reachable(f"http://127.0.0.1:{server.server_port}/v1/chat/completions", timeout=5)
    finally:
        server.shutdown()
