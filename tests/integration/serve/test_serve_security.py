"""Authentication on every route, secrets kept in, and the real `amazon-mws serve` process over HTTPS."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from amazon_mws.serve import ConfigError, ServerConfig
from amazon_mws.serve.app import App, openapi_document

from .serve_support import API_KEY, HUB_TOKEN, TOKEN, server_config

AMAZON_MWS = Path(sys.executable).parent / "amazon-mws"


def every_route() -> list[tuple[str, str]]:
    doc = openapi_document()
    routes = [(method.upper(), path) for path, ops in doc["paths"].items() for method, op in ops.items()
              if op.get("security") != []]  # /healthz: for health checks, without a token (tested below)
    assert len(routes) == 7
    return routes + [("GET", "/nowhere"), ("DELETE", "/order"), ("POST", "/order"), ("POST", "/healthz"),
                     ("GET", "/healthz/x")]


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token-wrong-token"},
    {"Authorization": f"Bearer {TOKEN[:-1]}"},
    {"Authorization": "Bearer "},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": f"Bearer {API_KEY}"},  # an API key is not a bearer token
    {"X-Api-Key": TOKEN},  # and a bearer token is not an API key
    {"X-Api-Key": API_KEY + "x"},
    {"X-Hub-Access-Token": "wrong-wrong-wrong-wrong"},
])
def test_every_route_answers_401_without_valid_credentials(served, headers):
    session = requests.Session()
    for method, path in every_route():
        reply = session.request(method, served.url + path, headers=headers, timeout=10,
                                data=b"AmazonOrderID=111-1111111-1111111",
                                params={"LastUpdatedAfter": "2020-01-01T00:00:00Z"})
        assert reply.status_code == 401, (method, path, reply.status_code)
        assert reply.headers["WWW-Authenticate"].startswith("Bearer")
        assert reply.json()["error"] == "unauthorized"
    assert served.amazon_requests() == []


def test_the_health_route_needs_no_token_and_says_only_ok(served):
    reply = requests.get(served.url + "/healthz", timeout=10)
    assert (reply.status_code, reply.json()) == (200, {"status": "ok"})
    assert served.amazon_requests() == []
    done = subprocess.run([str(AMAZON_MWS), "health", "serve", "--url", served.url], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, f"serve {served.url}: ok"), done.stderr
    closed = subprocess.run([str(AMAZON_MWS), "health", "serve", "--url", "http://127.0.0.1:9", "--timeout", "2"],
                            capture_output=True, text=True, timeout=60)
    assert closed.returncode == 1 and "serve http://127.0.0.1:9: no answer" in closed.stderr


@pytest.mark.parametrize("headers", [
    {"Authorization": f"Bearer {TOKEN}"},
    {"Authorization": f"bearer {HUB_TOKEN}"},
    {"X-Api-Key": API_KEY},
    {"X-Hub-Access-Token": HUB_TOKEN, "X-Hub-Store": "store-1"},
])
def test_each_configured_credential_opens_the_door(served, headers):
    reply = requests.get(served.url + "/openapi.json", headers=headers, timeout=10)
    assert reply.status_code == 200
    assert reply.json()["openapi"].startswith("3.1")
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.headers["Cache-Control"] == "no-store"


def test_server_config_is_checked_whole_and_hides_its_secrets(served):
    with pytest.raises(ConfigError) as caught:
        ServerConfig.from_dict({"auth": {"bearerTokens": ["short"], "passwords": []},
                                "amazon": {"sellerId": "S", "secretkey": "x"},
                                "spree": {"orderStatus": ["Lost"], "endpoint": "ftp://x"},
                                "extra": 1})
    assert caught.value.problems == [
        "extra: unknown key (expected one of auth, amazon, spree)",
        "auth.passwords: unknown key (expected bearerTokens, apiKeys)",
        "auth.bearerTokens[0]: must be a string of at least 16 characters",
        "amazon.secretkey: unknown field (did you mean secretKey?)",
        "amazon.accessKeyId: is required",  # every missing key, not the first alone
        "amazon.secretKey: is required",
        "amazon.marketplaceId: is required",
        "spree.endpoint: must be an http:// or https:// base URL",
        "spree.orderStatus: 'Lost' is not one of PendingAvailability, Pending, Unshipped, PartiallyShipped, "
        "Shipped, InvoiceUnconfirmed, Canceled, Unfulfillable",
    ]
    with pytest.raises(ConfigError, match="auth: give at least one of bearerTokens, apiKeys"):
        ServerConfig.from_dict({"amazon": served.sandbox.credentials})
    config = server_config(served.sandbox)
    for secret in (TOKEN, API_KEY, served.sandbox.credentials["secretKey"], served.sandbox.credentials["mwsAuthToken"]):
        assert secret not in repr(config) and secret not in str(config)


def test_rest_api_without_amazon_credentials_is_503_and_spree_still_works(served):
    app = App(ServerConfig.from_dict({"auth": {"apiKeys": [API_KEY]}}))
    from amazon_mws.serve.http import Request

    reply = app.handle(Request("GET", "/order", {"LastUpdatedAfter": ["2020-01-01T00:00:00Z"]}, {"x-api-key": API_KEY}))
    assert reply.status == 503 and "amazon in --config" in reply.body["message"]


def test_secrets_never_reach_answers_or_logs(served, caplog):
    caplog.set_level(logging.DEBUG)
    sb = served.sandbox
    sb.add_order(OrderStatus="Unshipped")
    sb.advance_clock(121)
    secret = sb.credentials["secretKey"]
    texts = [served.post("/amazon/order/poll", json=served.hub_message("2001-01-01T00:00:00Z")).text]
    wrong = served.hub_message("2001-01-01T00:00:00Z", **{"amazon.secret_key": secret[::-1]})
    texts.append(served.post("/amazon/order/poll", json=wrong).text)
    texts.append(served.get("/order", params={"LastUpdatedAfter": "2020-01-01T00:00:00Z"}).text)
    texts.append(served.post("/order/acknowledgement", data={"AmazonOrderID": "bad"}).text)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for text in [*texts, logged]:
        for value in (secret, secret[::-1], sb.credentials["mwsAuthToken"], TOKEN, API_KEY):
            assert value not in text


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 made by the system's openssl."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def start_cli(config_path: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "AMAZON_MWS_TIME_SCALE": "0.01", "LOG_LEVEL": "INFO"}
    proc = subprocess.Popen([str(AMAZON_MWS), "serve", "--port", "0", "--config", str(config_path), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    assert "listening on" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc, line.rsplit(" ", 1)[1].strip()


def test_the_cli_serves_https_with_a_certificate(served, certificate, tmp_path):
    cert, key = certificate
    config = tmp_path / "server.json"
    sb = served.sandbox
    config.write_text(json.dumps({"auth": {"bearerTokens": [TOKEN]}, "amazon": sb.credentials,
                                  "spree": {"endpoint": sb.endpoint}}))
    order = sb.add_order(OrderStatus="Unshipped")
    sb.advance_clock(121)
    proc, url = start_cli(config, "--certfile", str(cert), "--keyfile", str(key))
    try:
        assert url.startswith("https://127.0.0.1:")
        auth = {"Authorization": f"Bearer {TOKEN}"}
        reply = requests.post(url + "/amazon/order/poll", json=served.hub_message("2001-01-01T00:00:00Z"),
                              headers=auth, verify=str(cert), timeout=30)
        assert reply.status_code == 200, reply.text
        assert [m["payload"]["order"]["number"] for m in reply.json()["messages"]] == [order["AmazonOrderId"]]
        assert requests.get(url + "/openapi.json", verify=str(cert), timeout=10).status_code == 401
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(url + "/openapi.json", headers=auth, timeout=10)  # not trusted without the cert
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(url.replace("https", "http") + "/openapi.json", headers=auth, timeout=10)
        # the server survived the failed handshakes
        assert requests.get(url + "/openapi.json", headers=auth, verify=str(cert), timeout=10).status_code == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    stderr = proc.stderr.read()
    assert sb.credentials["secretKey"] not in stderr and TOKEN not in stderr
    assert "POST /amazon/order/poll -> 200" in stderr


def test_the_cli_refuses_a_bad_config_with_the_key_and_rule(tmp_path):
    config = tmp_path / "server.json"
    config.write_text(json.dumps({"auth": {"apiKeys": ["short"]}}))
    proc = subprocess.run([str(AMAZON_MWS), "serve", "--port", "0", "--config", str(config)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "auth.apiKeys[0]: must be a string of at least 16 characters" in proc.stderr
    missing = subprocess.run([str(AMAZON_MWS), "serve", "--config", str(tmp_path / "nope.json")],
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode == 2 and "--config: cannot read" in missing.stderr
