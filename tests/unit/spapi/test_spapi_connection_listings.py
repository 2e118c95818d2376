"""The SP-API connection's pacing, token and logging rules (against the in-process sandbox over loopback),
and the listings mapping and report conversion (pure functions, Amazon's schemas and example as oracle)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import requests
from jsonschema import Draft7Validator

from amazon_mws.core.errors import Throttled
from amazon_mws.core.limiter import LocalLimiter
from amazon_mws.core.quotas import SP_API_RATES
from amazon_mws.feeds.listings import build_listings_feed
from amazon_mws.sandbox import Sandbox
from amazon_mws.spapi.connection import SpConnection
from amazon_mws.spapi.credentials import SpCredentials
from amazon_mws.spapi.feeds import report_from_listings
from amazon_mws.spapi.orders import SpOrdersApi

SCHEMAS = (Path(__file__).resolve().parents[3] / ".." / "shared" / "amazon" / "sp-api" / "schemas" / "feeds").resolve()
SCALE = 0.01


@pytest.fixture
def sb():
    with Sandbox(orders=20, seed=4, time_scale=SCALE) as box:
        yield box


def _conn(sb, **kwargs) -> SpConnection:
    return SpConnection(SpCredentials.from_config(sb.sp_credentials), time_scale=SCALE,
                        limiter=LocalLimiter(SCALE), **kwargs)


def test_the_rate_amazon_states_replaces_the_tables(sb, monkeypatch):
    conn = _conn(sb)
    assert conn.quota("getOrder").restore_seconds == pytest.approx(SCALE / 0.5)
    # this partner/app gets a lower rate than the default plan: the sandbox says so in x-amzn-RateLimit-Limit
    monkeypatch.setitem(SP_API_RATES, "getOrder", (0.2, 30))
    SpOrdersApi(conn, restricted_data=False).get_order(["999-0000000-0000000"])
    quota = conn.quota("getOrder")
    assert quota.restore_seconds == pytest.approx(SCALE / 0.2) and quota.burst == 30


def test_rdt_is_cached_and_secrets_never_reach_the_logs(sb, caplog):
    caplog.set_level(logging.DEBUG)
    conn = _conn(sb)
    api = SpOrdersApi(conn)
    ids = [o["AmazonOrderId"] for o in list(sb.orders.values())[:3]]
    assert len(api.get_order(ids)) == 3
    actions = [r["action"] for r in sb.requests]
    assert actions.count("createRestrictedDataToken") == 1 and actions.count("lwaToken") == 1
    text = caplog.text
    creds = sb.sp_credentials
    token = conn.tokens.get()
    for secret in (creds["lwaClientSecret"], creds["refreshToken"], token):
        assert secret not in text
    assert "getOrder GET -> 200" in text


def test_sample_mode_neither_waits_nor_retries(sb):
    sb.inject_fault("throttle", count=3, operation="getOrder")
    conn = _conn(sb, sample=True)
    with pytest.raises(Throttled):
        SpOrdersApi(conn, restricted_data=False).get_order([next(iter(sb.orders))])
    assert [r["status"] for r in sb.requests if r["action"] == "getOrder"] == [429]


def test_every_listings_step_builds_a_feed_amazons_schema_accepts():
    schema = Draft7Validator(json.loads((SCHEMAS / "listings-feed-schema-v2.json").read_text()))
    message_schema = Draft7Validator(json.loads((SCHEMAS / "listings-feed-message-schema-v2.json").read_text()))
    cfg = {"sellerId": "A1SELLER", "marketplaceId": "ATVPDKIKX0DER"}
    bodies = {
        "updateItem": {"messages": [{"SKU": "S1", "Quantity": 4}]},
        "submitInventory": {"messages": [{"SKU": "S1", "OperationType": "Delete"}, {"SKU": "S2", "Quantity": 1,
                                                                                     "FulfillmentLatency": 3}]},
        "changeProductPrice": {"messages": [{"SKU": "S1", "StandardPrice": {"Amount": "9.99", "CurrencyCode": "USD"}}]},
        "changeProductImage": {"messages": [{"sku": "S1", "imageType": "PT3", "imageLocation": "https://x/y.jpg"}]},
        "establishProductRelationships": {"messages": [{"parentSKU": "P", "relation": [{"sku": "C", "type":
                                                                                        "Variation"}]}]},
        "submitProduct": {"messages": [{"SKU": "S9", "StandardProductID": {"Type": "EAN", "Value": "4006381333931"},
                                        "DescriptionData": {"Title": "Toy", "Brand": "Acme", "BulletPoint": ["a"]}}]},
    }
    for step, body in bodies.items():
        [doc] = build_listings_feed(step, body, {**cfg, "category": "Toys"}, schema_dir=SCHEMAS)
        assert not list(schema.iter_errors(doc.feed)), step
        assert all(not list(message_schema.iter_errors(m)) for m in doc.feed["messages"]), step
        assert doc.xml.startswith(b"{") and doc.message_count == len(doc.feed["messages"])
    [doc] = build_listings_feed("changeProductImage", bodies["changeProductImage"], cfg)
    assert doc.feed["messages"][0]["patches"][0]["path"] == "/attributes/other_product_image_locator_3"


def test_amazons_example_report_in_the_mws_output_shape():
    example = json.loads((SCHEMAS / "listings-feed-processing-report-schema-v2.example.json").read_text())
    report = report_from_listings(example)
    assert (report["messagesProcessed"], report["messagesSuccessful"], report["messagesWithError"]) == (4, 2, 2)
    assert report["documentTransactionId"] == "1234567890" and len(report["results"]) == 3
    first = report["results"][0]
    assert first == {"messageId": 4, "resultCode": "Error", "resultMessageCode": 90220,
                     "resultDescription": "'[batteries_required]' is required but not supplied.",
                     "additionalInfo": {"SKU": "My-SKU-B"}}
    assert report["results"][2]["additionalInfo"]["attributeNames"] == ["purchasable_offer.our_price"]


def test_a_token_endpoint_outage_is_retried_with_backoff(sb):
    calls = []
    conn = _conn(sb)
    conn._sleep = calls.append  # the backoff is Amazon's 1, 4, ... s (scaled); not slept here
    real_post = conn.session.post
    failures = iter([True, True])

    def flaky_post(url, *args, **kwargs):
        if url.endswith("/auth/o2/token") and next(failures, False):
            response = requests.Response()
            response.status_code, response._content = 503, b""
            return response
        return real_post(url, *args, **kwargs)

    conn.session.post = flaky_post
    assert SpOrdersApi(conn, restricted_data=False).get_order([next(iter(sb.orders))])
    assert calls == [pytest.approx(1.0 * SCALE), pytest.approx(4.0 * SCALE)]
