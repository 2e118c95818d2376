"""The service: authentication first, then one route table for the Spree hub endpoint and the Order REST API.

Authentication comes before routing, so an unauthenticated caller learns nothing, not even which paths
exist: every request without a configured bearer token (`Authorization: Bearer ...`, or the Spree hub's
own `X-Hub-Access-Token`) or API key (`X-Api-Key`) gets 401. Presented secrets are compared with
`hmac.compare_digest` against every configured one, without stopping at the first match.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from collections.abc import Callable
from functools import cache, partial
from importlib import resources
from typing import Any

from amazon_mws.serve import feed_routes, orders_routes, spree_poll
from amazon_mws.serve.config import ServerConfig
from amazon_mws.serve.errors import HttpError, from_exception
from amazon_mws.serve.forms import SPECS, FormSpec
from amazon_mws.serve.http import MAX_CONNECTIONS, REQUEST_READ_SECONDS, Request, Response, make_server

log = logging.getLogger("amazon_mws.serve")


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document shipped in the package (served at /openapi.json)."""
    return json.loads(resources.files("amazon_mws.serve").joinpath("openapi.json").read_text(encoding="utf-8"))


def _matches(presented: str, accepted: tuple[str, ...]) -> bool:
    found = False
    given = presented.encode("utf-8")
    for secret in accepted:
        found |= hmac.compare_digest(given, secret.encode("utf-8"))
    return found


def authenticated(request: Request, config: ServerConfig) -> bool:
    ok = False
    authorization = request.header("authorization")
    if authorization[:7].lower() == "bearer " and authorization[7:].strip():
        ok |= _matches(authorization[7:].strip(), config.bearer_tokens)
    hub_token = request.header("x-hub-access-token").strip()
    if hub_token:
        ok |= _matches(hub_token, config.bearer_tokens)
    api_key = request.header("x-api-key").strip()
    if api_key:
        ok |= _matches(api_key, config.api_keys)
    return ok


class App:
    """Request -> Response for one configuration (thread-safe: it holds no per-request state)."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/openapi.json"): lambda request: Response(200, openapi_document()),
            ("POST", "/amazon/order/poll"): lambda request: spree_poll.poll(request, self.config),
            ("GET", "/order"): lambda request: orders_routes.list_orders(request, self._amazon()),
            ("GET", "/order/item"): lambda request: orders_routes.list_order_items(request, self._amazon()),
        }
        for name, spec in SPECS.items():
            self.routes[("POST", f"/order/{name}")] = partial(self._submit_form, spec)

    def _submit_form(self, spec: FormSpec, request: Request) -> Response:
        return feed_routes.submit(spec, request, self._amazon())

    def _amazon(self) -> dict[str, Any]:
        if not self.config.amazon:
            raise HttpError(503, "this server has no Amazon credentials for the Order REST API (amazon in --config)")
        return dict(self.config.amazon)

    def handle(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/healthz":  # for health checks: no token, no data
            return Response(200, {"status": "ok"})
        if not authenticated(request, self.config):
            return Response(
                401,
                {"error": "unauthorized", "message": "send Authorization: Bearer <token> or X-Api-Key: <key>"},
                {"WWW-Authenticate": 'Bearer realm="amazon-mws"'},
            )
        path = request.path.rstrip("/") or "/"
        route = self.routes.get((request.method, path))
        if route is None:
            allowed = sorted(method for method, p in self.routes if p == path)
            if allowed:
                return HttpError(405, f"{request.method} is not allowed on {path}",
                                 headers={"Allow": ", ".join(allowed)}).response()
            return HttpError(404, f"no route {path}").response()
        try:
            return route(request)
        except HttpError as exc:
            return exc.response()
        except Exception as exc:
            error = from_exception(exc)
            if error.status == 500:
                log.exception("serve: %s %s failed", request.method, path)
            else:
                log.info("serve: %s %s -> %d %s", request.method, path, error.status, error.extra.get("type"))
            return error.response()


class Service:
    """The HTTP service in a background thread (tests, embedding) or in the foreground (`serve_forever`)."""

    def __init__(
        self,
        config: ServerConfig,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        certfile: str | None = None,
        keyfile: str | None = None,
        max_connections: int = MAX_CONNECTIONS,
        request_read_seconds: float = REQUEST_READ_SECONDS,
    ) -> None:
        self.app = App(config)
        self.host = host
        self.tls = bool(certfile)
        self._server = make_server(self.app.handle, host, port, certfile=certfile, keyfile=keyfile,
                                   max_connections=max_connections, request_read_seconds=request_read_seconds)
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Service(url={self.url!r})"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def start(self) -> Service:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), name="amazon-mws-serve",
                                        daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever(0.5)

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits for a serve_forever loop, so only if one runs
            self._server.shutdown()
        self._server.close_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
