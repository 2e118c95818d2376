"""The console's ASGI app: authentication first, then the screens' routes.

Authentication as `serve` does it, for a browser: one token (printed at start, or given in
``AMAZON_MWS_CONSOLE_TOKEN``), compared with ``hmac.compare_digest``. The first visit carries it as
``?token=...``; the console answers with an HttpOnly cookie (SameSite=Lax: a page on another site can
neither read it nor post with it) and a redirect that drops the token from the address bar. Scripts may
send ``Authorization: Bearer <token>`` instead. Every other request gets 401, static files included, so an
unauthenticated caller learns nothing, not even which screens exist.
"""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from amazon_mws.console import credentials, flows, runs, steps
from amazon_mws.console.context import Console, console_of
from amazon_mws.console.workspace import Workspace
from amazon_mws.runtime.manifest import Manifest, load_manifest

COOKIE = "amazon_mws_console"
MIN_TOKEN_LENGTH = 16
PACKAGE = Path(str(resources.files("amazon_mws.console")))


def _token_ok(presented: str, token: str) -> bool:
    return bool(presented) and hmac.compare_digest(presented.encode("utf-8"), token.encode("utf-8"))


class TokenAuth(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        token = console_of(request).token
        given = request.query_params.get("token", "")
        if given and _token_ok(given, token):
            query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
            redirect = RedirectResponse(request.url.path + (f"?{query}" if query else ""), status_code=303)
            redirect.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/")
            return redirect
        authorization = request.headers.get("authorization", "")
        bearer = authorization[7:].strip() if authorization[:7].lower() == "bearer " else ""
        if _token_ok(request.cookies.get(COOKIE, ""), token) or _token_ok(bearer, token):
            response = await call_next(request)
            response.headers.setdefault("Cache-Control", "no-store")
            return response
        return PlainTextResponse(
            "401: open the address `amazon-mws console` printed (it carries the token), or send "
            "Authorization: Bearer <token>\n", status_code=401, headers={"WWW-Authenticate": 'Bearer realm="console"'})


def stamp(seconds: float | None) -> str:
    """A run's time for a person: UTC, to the second."""
    if not seconds:
        return "-"
    return datetime.fromtimestamp(float(seconds), timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def create_app(workdir: Path, token: str, manifest: Manifest | None = None) -> Starlette:
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(f"token: must be at least {MIN_TOKEN_LENGTH} characters")
    manifest = manifest or load_manifest()
    templates = Environment(loader=FileSystemLoader(PACKAGE / "templates"),
                            autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    templates.filters["stamp"] = stamp
    templates.filters["pretty"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False, default=str)
    console = Console(Workspace(workdir, manifest), manifest, token, templates)
    routes = [
        Route("/", lambda request: RedirectResponse("/credentials", status_code=303)),
        *credentials.ROUTES,
        *steps.ROUTES,
        *flows.ROUTES,
        *runs.ROUTES,
        Mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(TokenAuth)])
    app.state.console = console
    return app
