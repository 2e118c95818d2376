"""A webhook receiver on 127.0.0.1 that can be down, refuse, drip or hang: the sink's failures, for real.

``Receiver().mode`` decides each POST as it arrives (tests switch it while a flow runs):
``"ok"`` answers 204 and records the message; ``"down"`` answers ``status`` (503 by default);
``"drip"`` answers 200 and then its body one byte every ``drip_seconds`` (a receiver that holds the sender);
``"hold"`` records the POST, then waits (bounded) for ``release`` before answering 204;
``"redirect"`` answers 307 to ``location`` (a sink must not follow it).
``fail_first`` answers ``status`` to that many POSTs first, whatever the mode.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOLD_LIMIT = 60.0  # seconds a held POST waits at most, so a test that forgets to release still ends


class Receiver:
    def __init__(self, mode: str = "ok", *, status: int = 503, fail_first: int = 0, drip_seconds: float = 0.5,
                 location: str = ""):
        self.mode, self.status, self.fail_first, self.drip_seconds = mode, status, fail_first, drip_seconds
        self.location = location
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.attempts: dict[str, int] = {}
        self.held = threading.Event()  # set when a POST is being held
        self.release = threading.Event()
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                key = self.headers.get("Idempotency-Key") or ""
                with hook.lock:
                    hook.attempts[key] = hook.attempts.get(key, 0) + 1
                    failing = hook.fail_first > 0 or hook.mode == "down"
                    hook.fail_first -= 1 if hook.fail_first > 0 else 0
                    mode = hook.mode
                if failing:
                    self._answer(hook.status)
                elif mode == "drip":
                    self._drip()
                elif mode == "redirect":
                    self._answer(307, {"Location": hook.location})
                else:
                    with hook.lock:
                        hook.received.append((key, body))
                    if mode == "hold":
                        hook.held.set()
                        hook.release.wait(HOLD_LIMIT)
                    self._answer(204)

            def _answer(self, status: int, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _drip(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                try:
                    for _ in range(1000):
                        self.wfile.write(b".")
                        self.wfile.flush()
                        time.sleep(hook.drip_seconds)
                except OSError:  # the sender hung up: what the test wants
                    return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def sink(self, **settings: Any) -> dict[str, Any]:
        """A flow's webhook sink to this receiver: it listens on loopback, which a flow must allow."""
        return {"type": "webhook", "url": self.url, "allowPrivateNetwork": True, **settings}

    def delivered_keys(self) -> set[str]:
        with self.lock:
            return {key for key, _ in self.received}

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
