"""A webhook receiver on loopback that records every call, and can refuse for a while."""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebhookReceiver:
    """HTTP on 127.0.0.1:`port`: 204 for each call (its `webhook-id` and CloudEvent id
    counted), or 503 while refusing (counted apart)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: Counter[str] = Counter()  # webhook-id (the delivery id) -> calls
        self.events: dict[str, str] = {}  # webhook-id -> the CloudEvent's id
        self.refused = 0
        self.refusing = False
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Where to register the webhook."""
        return f"http://127.0.0.1:{self.port}/hooks/chaos"

    def start(self) -> None:
        """Listen in a thread of its own."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.refusing:
                    with receiver._lock:
                        receiver.refused += 1
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                delivery = self.headers.get("webhook-id", "")
                event: Any = json.loads(body or b"{}")
                with receiver._lock:
                    receiver.received[delivery] += 1
                    receiver.events[delivery] = str(event.get("id", ""))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the run prints its figures

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
