"""Seller Central's consent page, as the sandbox plays it for the website authorization workflow.

Amazon's flow: the app sends the seller to `{Seller Central}/apps/authorize/consent?application_id=...
&state=...&redirect_uri=...` (`version=beta` for a draft app); the seller signs in and confirms; Seller
Central redirects the browser to the redirect URI with `state`, `selling_partner_id` and
`spapi_oauth_code`, which the app exchanges at LWA for a refresh token (`SpAuth.exchange`).

The sandbox has one seller, already signed in, and one app (`SpAuth.application_id`). It refuses what
Amazon refuses here (an unknown application, a missing state) and, being local, redirects only to
loopback addresses.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode, urlsplit

from amazon_mws.sandbox.wire import Reply, Request

CONSENT_PATH = "/apps/authorize/consent"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {app} - Seller Central (sandbox)</title>
<style>body{{font-family:sans-serif;max-width:36rem;margin:3rem auto}}</style>
</head><body>
<h1>Seller Central (sandbox)</h1>
<p>Signed in as seller <b>{seller}</b>.</p>
<p>The application <b>{app}</b> asks for access to your Selling Partner API data.</p>
<form method="post" action="{path}">
{hidden}
<button type="submit" name="consent" value="confirm">Confirm</button>
</form>
</body></html>
"""


def _page(status: int, text: str) -> Reply:
    return Reply(status, text.encode("utf-8"), content_type="text/html; charset=utf-8")


def _problem(req: Request, application_id: str) -> str | None:
    q = req.params
    if q.get("application_id") != application_id:
        return f"The application {q.get('application_id')!r} is not known to Seller Central."
    if not q.get("state"):
        return "The authorization request has no state parameter."
    target = urlsplit(q.get("redirect_uri") or "")
    if target.scheme not in ("http", "https") or target.hostname not in LOOPBACK:
        return "The redirect_uri must be an http(s) address on this machine (the sandbox redirects nowhere else)."
    return None


def consent(req: Request, auth: Any, seller_id: str) -> Reply:
    """GET: the page with a Confirm button. POST (confirmed): a 302 to the redirect URI with the code."""
    problem = _problem(req, auth.application_id)
    if problem is not None:
        return _page(400, f"<!doctype html><title>Authorization failed</title><p>{html.escape(problem)}</p>")
    q = req.params
    if req.method == "POST" and q.get("consent") == "confirm":
        code = auth.issue_code(q["redirect_uri"])
        sep = "&" if urlsplit(q["redirect_uri"]).query else "?"
        query = urlencode({"state": q["state"], "selling_partner_id": seller_id, "spapi_oauth_code": code})
        return Reply(302, b"", headers={"Location": f"{q['redirect_uri']}{sep}{query}"}, content_type="text/plain")
    keep = ("application_id", "state", "redirect_uri", "version")
    hidden = "\n".join(
        f'<input type="hidden" name="{k}" value="{html.escape(q[k], quote=True)}">' for k in keep if k in q
    )
    return _page(200, _PAGE.format(app=html.escape(auth.application_id), seller=html.escape(seller_id),
                                   path=CONSENT_PATH, hidden=hidden))
