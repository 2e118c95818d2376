"""Screen 1, Credentials: the form from component.json, Verify, and "Connect with Amazon".

Secrets are write-only: the page shows "set" or "not set", a secret input left empty keeps the stored
value, and nothing the console sends back to the browser contains one. Verify saves the form, then calls
the component's own verifier (`runtime.designer.verify_credentials`); its error names the field at fault,
and the page shows it under that field.

Connect with Amazon is SP-API's website authorization workflow: the console sends the browser to Seller
Central's consent page with a one-time ``state``; Seller Central sends it back to ``/connect/callback``
with that state and an ``spapi_oauth_code``, which the console exchanges at Login with Amazon
(``grant_type=authorization_code``) for the seller's refresh token, stored as ``refreshToken``.
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlencode

import requests
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from amazon_mws.console.context import console_of
from amazon_mws.console.forms import error_lines, form_fields, parse_fields, split_errors
from amazon_mws.runtime.designer import verify_credentials
from amazon_mws.runtime.secrets import redact

STATE_SECONDS = 600.0  # a consent not finished in ten minutes starts again
LWA_TIMEOUT = 15.0
CONSENT_PATH = "/apps/authorize/consent"
CONNECT_SETTINGS = ("applicationId", "sellerCentralUrl")


def _page(request: Request, *, errors: dict[str, list[str]] | None = None, notice: str = "",
          problems: list[str] | None = None, status: int = 200) -> Response:
    console = console_of(request)
    stored = console.workspace.public_credentials()
    fields = form_fields(console.manifest.credential_fields, stored, credentials=True)
    connect = console.workspace.connect_settings()
    template = "credentials_form.html" if request.headers.get("hx-request") else "credentials.html"
    return console.render(request, template, status, fields=fields, errors=errors or {}, notice=notice,
                          problems=problems or [], backend=stored.get("backend") or "mws", connect=connect)


def show(request: Request) -> Response:
    notice = {"connected": "Connected: the refresh token from Amazon is stored."}.get(
        request.query_params.get("done", ""), "")
    problem = request.query_params.get("problem", "")
    return _page(request, notice=notice, problems=[problem] if problem else [])


async def save(request: Request) -> Response:
    """Save the form; with ``action=verify``, then ask Amazon whether it takes the credentials."""
    form = await request.form()
    return await run_in_threadpool(_save, request, form)


def _save(request: Request, form: Any) -> Response:
    """Off the event loop: Verify calls Amazon."""
    console = console_of(request)
    specs = console.manifest.credential_fields
    clear = {name for name in specs if form.get(f"clear-{name}") == "on"}
    stored = console.workspace.save_credentials(parse_fields(specs, form), clear)
    console.workspace.save_connect_settings({k: str(form.get(k, "")).strip() for k in CONNECT_SETTINGS})
    if form.get("action") != "verify":
        return _page(request, notice="Saved.")
    try:
        verify_credentials(stored, manifest=console.manifest)
    except Exception as exc:  # the verifier's refusal, or a field the runtime refused
        by_field, rest = split_errors([redact(line) for line in error_lines(exc)], specs)
        return _page(request, errors=by_field, problems=rest)
    return _page(request, notice="Verified: Amazon accepts these credentials.")


def _callback_url(request: Request) -> str:
    return str(request.url_for("connect_callback"))


def connect(request: Request) -> Response:
    """Start the website authorization workflow: off to Seller Central with a fresh state."""
    console = console_of(request)
    settings = console.workspace.connect_settings()
    missing = [label for key, label in (("applicationId", "Application ID"), ("sellerCentralUrl", "Seller Central URL"))
               if not settings.get(key)]
    if missing:
        return _page(request, problems=[f"Connect with Amazon: {', '.join(missing)} is required (save it first)"])
    state = secrets.token_urlsafe(24)
    now = time.time()
    console.oauth_states = {s: t for s, t in console.oauth_states.items() if t > now}
    console.oauth_states[state] = now + STATE_SECONDS
    query = urlencode({"application_id": settings["applicationId"], "state": state,
                       "redirect_uri": _callback_url(request), "version": "beta"})
    return RedirectResponse(f"{settings['sellerCentralUrl'].rstrip('/')}{CONSENT_PATH}?{query}", status_code=303)


def _back(problem: str = "", done: str = "") -> Response:
    query = urlencode({"problem": problem} if problem else {"done": done})
    return RedirectResponse(f"/credentials?{query}", status_code=303)


def callback(request: Request) -> Response:
    """Seller Central sent the seller back: check the state, exchange the code, store the refresh token."""
    console = console_of(request)
    q = request.query_params
    expires = console.oauth_states.pop(q.get("state", ""), None)
    if expires is None or expires < time.time():
        return _back("Connect with Amazon: the state parameter is unknown or expired; start again")
    if not q.get("spapi_oauth_code"):
        return _back(f"Connect with Amazon: Seller Central sent no authorization code ({q.get('error', 'no reason')})")
    creds = console.workspace.credentials()
    missing = [k for k in ("lwaClientId", "lwaClientSecret") if not creds.get(k)]
    if missing:
        return _back(f"{missing[0]}: is required to exchange the authorization code")
    from amazon_mws.spapi.credentials import DEFAULT_TOKEN_URL

    try:
        reply = requests.post(creds.get("lwaTokenUrl") or DEFAULT_TOKEN_URL, timeout=LWA_TIMEOUT, data={
            "grant_type": "authorization_code", "code": q["spapi_oauth_code"],
            "redirect_uri": _callback_url(request),
            "client_id": creds["lwaClientId"], "client_secret": creds["lwaClientSecret"]})
        answer: dict[str, Any] = reply.json() if reply.content else {}
    except (requests.RequestException, ValueError) as exc:
        return _back(f"lwaTokenUrl: Login with Amazon did not answer ({type(exc).__name__})")
    if reply.status_code != 200 or not answer.get("refresh_token"):
        field = "lwaClientSecret" if answer.get("error") == "invalid_client" else "refreshToken"
        return _back(f"{field}: Login with Amazon refused the exchange ({answer.get('error', reply.status_code)}: "
                     f"{answer.get('error_description', '')})")
    console.workspace.set_credential("refreshToken", answer["refresh_token"])
    if q.get("selling_partner_id") and not creds.get("sellerId"):
        console.workspace.set_credential("sellerId", q["selling_partner_id"])
    return _back(done="connected")


ROUTES = [
    Route("/credentials", show, methods=["GET"]),
    Route("/credentials", save, methods=["POST"]),
    Route("/connect", connect, methods=["GET"]),
    Route("/connect/callback", callback, methods=["GET"], name="connect_callback"),
]
