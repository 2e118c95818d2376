"""The console's routes without a browser, over real HTTP to `amazon-mws console`: authentication,
write-only secrets, the feed sample that sends nothing, the flow builder's map choices, errors by field."""

from __future__ import annotations

import json
import stat

import pytest
import requests

from amazon_mws.console.app import COOKIE, create_app
from amazon_mws.console.flows import schema_paths
from amazon_mws.console.forms import MWS_ONLY, SHARED, SP_API_ONLY, split_errors
from amazon_mws.runtime.manifest import load_manifest
from receivers import Receiver

from .console_support import TOKEN, secrets_of


class Client(requests.Session):
    """A session on the running console: relative paths, and its workspace folder at hand."""

    def __init__(self, console) -> None:
        super().__init__()
        self.base, self.workdir = console.url, console.workdir

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 60)
        return super().request(method, self.base + url, *args, **kwargs)


@pytest.fixture
def client(console):
    with Client(console) as session:
        yield session


@pytest.fixture
def signed_in(client):
    client.cookies.set(COOKIE, TOKEN)
    return client


def test_nothing_answers_without_the_token(client):
    for path in ("/", "/credentials", "/step", "/flow", "/runs", "/static/htmx.min.js", "/nope"):
        reply = client.get(path, allow_redirects=False)
        assert reply.status_code == 401, path
        assert "htmx" not in reply.text and "Credentials" not in reply.text
    assert client.get("/credentials", headers={"Authorization": "Bearer wrong-token-0000000000"}).status_code == 401
    assert client.get("/credentials", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_token_in_the_address_becomes_a_cookie_and_leaves_the_address(client):
    reply = client.get(f"/step?name=getOrder&token={TOKEN}", allow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/step?name=getOrder"
    cookie = reply.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert client.get("/step?name=getOrder").status_code == 200  # the cookie now carries it
    with pytest.raises(ValueError, match="token: must be at least 16"):
        create_app(client.workdir, "short")


def test_secrets_are_write_only(signed_in):
    form = {"backend": "mws", "sellerId": "A1SELLER", "marketplaceId": "ATVPDKIKX0DER",
            "accessKeyId": "AKIAEXAMPLE", "secretKey": "secret-value-0123456789", "mwsAuthToken": "amzn.mws.tok-0001"}
    page = signed_in.post("/credentials", data={**form, "action": "save"})
    assert page.status_code == 200 and "Saved." in page.text
    for path in ("/credentials", "/step", "/flow", "/runs"):
        text = signed_in.get(path).text
        assert "secret-value-0123456789" not in text and "amzn.mws.tok-0001" not in text, path
    assert 'data-secret-state="secretKey">set<' in signed_in.get("/credentials").text
    path = signed_in.workdir / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    signed_in.post("/credentials", data={**form, "secretKey": "", "sellerId": "A2OTHER", "action": "save"})
    stored = json.loads(path.read_text())
    assert stored["secretKey"] == "secret-value-0123456789" and stored["sellerId"] == "A2OTHER"  # empty keeps it
    signed_in.post("/credentials", data={**form, "secretKey": "", "clear-secretKey": "on", "action": "save"})
    assert "secretKey" not in json.loads(path.read_text())
    assert 'data-secret-state="secretKey">not set<' in signed_in.get("/credentials").text


def test_verify_names_the_missing_field_next_to_it(signed_in):
    page = signed_in.post("/credentials", data={"backend": "mws", "action": "verify"},
                          headers={"HX-Request": "true"})
    assert '<div class="error" id="error-sellerId" role="alert">is required</div>' in page.text
    assert '<div class="error" id="error-marketplaceId" role="alert">is required</div>' in page.text


def test_a_feed_sample_builds_and_validates_and_sends_nothing(signed_in, sandbox):
    creds = sandbox.credentials
    signed_in.post("/credentials", data={**creds, "action": "save"})
    feeds_before = len(sandbox.feeds)
    good = signed_in.post("/step/updateItem/try", data={
        "mode": "sample", "body": json.dumps({"messages": [{"SKU": "SKU-1", "Quantity": 3}]})})
    assert "Built and valid: nothing was sent" in good.text
    assert "&lt;SKU&gt;SKU-1&lt;/SKU&gt;" in good.text
    bad = signed_in.post("/step/updateItem/try", data={
        "mode": "sample", "body": json.dumps({"messages": [{"SKU": "", "Quantity": -1}]})})
    assert "Built and valid" not in bad.text and "messages[0]" in bad.text
    assert len(sandbox.feeds) == feeds_before  # neither reached Amazon
    assert all(secret not in good.text + bad.text for secret in secrets_of(creds))


def test_the_map_offers_the_previous_steps_output_paths(signed_in):
    page = signed_in.post("/flow", data={"name": "f", "trigger": "getNewAndUpdatedOrders", "actionCount": "0",
                                         "add": "listOrderItems", "sinkType": "file"},
                          headers={"HX-Request": "true"})
    assert 'name="action-0-map-amazonOrderId"' in page.text
    assert '<option value="orders[*].AmazonOrderId"' in page.text
    broken = signed_in.post("/flow", data={"name": "bad name!", "trigger": "getNewAndUpdatedOrders",
                                           "actionCount": "0", "sinkType": "file", "do": "save"})
    assert "flow.name:" in broken.text and not (signed_in.workdir / "flows" / "bad name!.flow.json").exists()


def test_schema_paths_follow_arrays_and_objects():
    schema = {"type": "object", "properties": {
        "orders": {"type": "array", "items": {"type": "object", "properties": {
            "AmazonOrderId": {"type": "string"},
            "OrderTotal": {"type": "object", "properties": {"Amount": {"type": "string"}}}}}},
        "count": {"type": "integer"}}}
    assert schema_paths(schema) == ["orders", "orders[*]", "orders[*].AmazonOrderId", "orders[*].OrderTotal",
                                    "orders[*].OrderTotal.Amount", "count"]


def test_errors_are_split_by_the_field_they_name():
    by_field, rest = split_errors(
        ["cfg.maxResultsPerPage: 500 is not between 1 and 100", "secretKey: Amazon refused it (X)",
         "body.messages[0].SKU: is required", "something else"], ["maxResultsPerPage", "secretKey"])
    assert by_field == {"maxResultsPerPage": ["500 is not between 1 and 100"], "secretKey": ["Amazon refused it (X)"]}
    assert rest == ["body.messages[0].SKU: is required", "something else"]


def test_every_credential_field_belongs_to_a_backend_group():
    """A new credentials field must say which backend reads it, or the form cannot show or hide it."""
    fields = set(load_manifest().credential_fields)
    assert fields == MWS_ONLY | SP_API_ONLY | SHARED
    assert not (MWS_ONLY & SP_API_ONLY) and not (SHARED & (MWS_ONLY | SP_API_ONLY))


def test_schedule_without_redis_says_what_it_needs(signed_in):
    page = signed_in.post("/flow", data={"name": "needs-redis", "trigger": "getNewAndUpdatedOrders",
                                         "actionCount": "0", "sinkType": "file", "interval": "60", "do": "schedule"})
    assert "Schedule: needs REDIS_URL" in page.text
    assert 'title="needs REDIS_URL"' in page.text  # the button is off


def test_ship_order_by_confirm_shipment_shows_its_calls_and_makes_none(signed_in, sandbox):
    signed_in.post("/credentials", data={**sandbox.sp_credentials, "action": "save"})
    order_id = next(iter(sandbox.orders))
    message = {"amazonOrderID": order_id, "fulfillmentDate": "2026-11-30T10:00:00Z", "carrierCode": "UPS",
               "shipperTrackingNumber": "1Z999", "items": [{"amazonOrderItemCode": "12345678901234", "quantity": 1}]}
    sandbox.reset_log()
    page = signed_in.post("/step/shipOrder/try", data={"shipVia": "confirmShipment", "mode": "sample",
                                                        "body": json.dumps({"messages": [message]})})
    assert "Built and valid: nothing was sent" in page.text and "confirmShipment, 1 message(s)" in page.text
    assert "1Z999" in page.text and order_id in page.text
    no_items = json.dumps({"messages": [{**message, "items": []}]})
    missing = signed_in.post("/step/shipOrder/try", data={"shipVia": "confirmShipment", "mode": "sample",
                                                           "body": no_items})
    assert "messages[0].items: confirmShipment needs the items" in missing.text
    assert sandbox.requests == []  # neither asked Amazon anything


def test_a_webhook_flow_reads_the_console_credentials_and_never_shows_its_url(signed_in, sandbox):
    """The console's flows read WORKDIR/credentials.json (outside flows/: the console allows its own folder);
    a loopback webhook needs the box ticked; the URL's token never reaches the browser, and a form still
    showing the masked URL keeps the saved one."""
    signed_in.post("/credentials", data={**sandbox.credentials, "action": "save"})
    signed_in.post("/step/getNewAndUpdatedOrders/metadata", data={
        "orderStatus": ["Unshipped", "PartiallyShipped", "Shipped"], "startTime": "2020-01-01T00:00:00Z"})
    with Receiver() as hook:
        url = hook.url + "/T0K3N-CONSOLE?key=K3Y-CONSOLE"
        form = {"name": "to-hook", "trigger": "getNewAndUpdatedOrders", "actionCount": "0", "sinkType": "webhook",
                "sinkTarget": url}

        def run_once(data: dict) -> str:
            started = signed_in.post("/flow", data={**data, "do": "run"})
            assert started.status_code == 204, started.text
            return signed_in.get(started.headers["HX-Redirect"]).text

        refused = run_once(form)
        assert "is a loopback address" in refused and "sink.allowPrivateNetwork" in refused
        assert hook.attempts == {}
        saved = json.loads((signed_in.workdir / "flows" / "to-hook.flow.json").read_text())
        assert saved["sink"] == {"type": "webhook", "url": url}

        page = signed_in.get("/flow?name=to-hook").text
        assert 'value="http://127.0.0.1:' in page and "/***?***" in page
        delivered = run_once({**form, "sinkTarget": hook.url.rsplit("/", 1)[0] + "/***?***", "sinkPrivate": "on"})
        assert hook.received, delivered  # the messages parked by the refused run, and any new ones
        saved = json.loads((signed_in.workdir / "flows" / "to-hook.flow.json").read_text())
        assert saved["sink"] == {"type": "webhook", "url": url, "allowPrivateNetwork": True}  # kept, not the mask
        shown = refused + page + delivered + signed_in.get("/flow?name=to-hook").text + signed_in.get("/runs").text
        assert "T0K3N-CONSOLE" not in shown and "K3Y-CONSOLE" not in shown
