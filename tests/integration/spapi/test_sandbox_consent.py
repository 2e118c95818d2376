"""The sandbox's website authorization workflow: consent page, state, spapi_oauth_code, LWA exchange."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

CALLBACK = "http://127.0.0.1:9/callback"  # never fetched: the test reads the redirect's Location


def _consent(sandbox, **overrides):
    params = {"application_id": sandbox.sp.auth.application_id, "state": "s-123", "redirect_uri": CALLBACK,
              "version": "beta", **overrides}
    return requests.post(f"{sandbox.endpoint}/apps/authorize/consent", data={**params, "consent": "confirm"},
                         allow_redirects=False, timeout=10)


def _exchange(sandbox, code, redirect_uri=CALLBACK, secret=None):
    creds = sandbox.sp.creds
    return requests.post(sandbox.sp_credentials["lwaTokenUrl"], data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": creds["lwaClientId"], "client_secret": secret or creds["lwaClientSecret"]}, timeout=10)


def test_consent_page_then_code_for_the_refresh_token(sandbox):
    page = requests.get(f"{sandbox.endpoint}/apps/authorize/consent", params={
        "application_id": sandbox.sp.auth.application_id, "state": "s-123", "redirect_uri": CALLBACK}, timeout=10)
    assert page.status_code == 200 and "Confirm" in page.text and sandbox.sp.auth.application_id in page.text
    reply = _consent(sandbox)
    assert reply.status_code == 302
    location = urlsplit(reply.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = parse_qs(location.query)
    assert query["state"] == ["s-123"] and query["selling_partner_id"] == [sandbox.seller_id]
    code = query["spapi_oauth_code"][0]
    token = _exchange(sandbox, code)
    assert token.status_code == 200, token.text
    assert token.json()["refresh_token"] == sandbox.sp.creds["refreshToken"]
    again = _exchange(sandbox, code)  # one exchange per code
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_code_is_bound_to_redirect_uri_client_and_five_minutes(sandbox):
    def code():
        return parse_qs(urlsplit(_consent(sandbox).headers["Location"]).query)["spapi_oauth_code"][0]

    assert _exchange(sandbox, code(), redirect_uri="http://127.0.0.1:9/other").json()["error"] == "invalid_grant"
    assert _exchange(sandbox, code(), secret="wrong").json()["error"] == "invalid_client"
    late = code()
    sandbox.advance_clock(301)
    assert _exchange(sandbox, late).json()["error"] == "invalid_grant"


def test_consent_refuses_unknown_app_missing_state_and_outside_redirects(sandbox):
    assert _consent(sandbox, application_id="amzn1.sp.solution.other").status_code == 400
    assert _consent(sandbox, state="").status_code == 400
    outside = _consent(sandbox, redirect_uri="https://192.0.2.1/callback")
    assert outside.status_code == 400 and "Location" not in outside.headers
