"""The third-party `python-amazon-sp-api` package (PyPI) against the sandbox's SP-API.

A client written by others must work unchanged against our local Amazon: the LWA token exchange, getOrders
through every NextToken page (with a Restricted Data Token for buyer and address data), getOrderItems, the
Orders API v2026-01-01's searchOrders through every paginationToken page and getOrder (its `OrdersV20260101`),
and a feed from createFeedDocument through the upload, createFeed and getFeed to the GZIP result document.
Two adaptations, both through the package's own options: its endpoint is set to the sandbox's (its
marketplaces table knows only Amazon's hosts), and its LWA client class is pointed at the sandbox's token URL
(`auth_token_client_class`, the package's hook for that).
"""

from __future__ import annotations

import io
import time
from urllib.parse import urlsplit

import pytest
from sp_api.api import Feeds, Orders
from sp_api.api.orders.orders_2026_01_01 import OrdersV20260101
from sp_api.auth import AccessTokenClient
from sp_api.base import Marketplaces

from amazon_mws.sandbox import Sandbox

TIME_SCALE = 0.01


@pytest.fixture
def sandbox():
    with Sandbox(orders=120, seed=7, time_scale=TIME_SCALE, items_page_size=2, feed_processing_seconds=20) as sb:
        yield sb


def client(kind, sb: Sandbox):
    cfg = sb.sp_credentials
    token_url = urlsplit(cfg["lwaTokenUrl"])

    class SandboxLwa(AccessTokenClient):
        scheme = f"{token_url.scheme}://"
        host = token_url.netloc
        path = token_url.path

    api = kind(
        marketplace=Marketplaces.US,
        credentials={"refresh_token": cfg["refreshToken"], "lwa_app_id": cfg["lwaClientId"],
                     "lwa_client_secret": cfg["lwaClientSecret"]},
        auth_token_client_class=SandboxLwa,
    )
    api.endpoint = sb.endpoint
    return api


def test_get_orders_through_every_page_and_the_items(sandbox):
    orders_api = client(Orders, sandbox)
    seen, token, pages = [], None, 0
    while True:
        if token:
            res = orders_api.get_orders(NextToken=token, MarketplaceIds=[sandbox.marketplace_id])
        else:
            res = orders_api.get_orders(LastUpdatedAfter="1970-01-01T00:00:00Z", MaxResultsPerPage=25,
                                        MarketplaceIds=[sandbox.marketplace_id],
                                        RestrictedResources=["buyerInfo", "shippingAddress"])
        pages += 1
        seen.extend(res.payload["Orders"])
        token = res.payload.get("NextToken")
        if not token:
            break
        time.sleep(60 * TIME_SCALE)  # the package does not pace: keep under getOrders' restore rate
    visible = [o for o in sandbox.orders.values() if o["LastUpdateDate"] <= res.payload["LastUpdatedBefore"]]
    assert sorted(o["AmazonOrderId"] for o in seen) == sorted(o["AmazonOrderId"] for o in visible)
    assert pages == -(-len(visible) // 25)
    first_page_with_buyer = [o for o in seen[:25] if o["OrderStatus"] == "Shipped"]
    assert first_page_with_buyer and all(o["BuyerInfo"]["BuyerEmail"] for o in first_page_with_buyer)
    big = max(sandbox.orders.values(), key=lambda o: len(o["OrderItems"]))
    items, token = [], None
    while True:
        res = orders_api.get_order_items(big["AmazonOrderId"], **({"NextToken": token} if token else {}))
        items.extend(res.payload["OrderItems"])
        token = res.payload.get("NextToken")
        if not token:
            break
    assert [i["OrderItemId"] for i in items] == [i["OrderItemId"] for i in big["OrderItems"]]
    assert [r["action"] for r in sandbox.requests].count("lwaToken") == 1


def test_orders_v2026_search_through_every_page_and_get_order(sandbox):
    api = client(OrdersV20260101, sandbox)
    query = {"lastUpdatedAfter": "1970-01-01T00:00:00Z", "maxResultsPerPage": 25, "fulfillmentStatuses": ["SHIPPED"],
             "includedData": ["BUYER", "RECIPIENT", "PROCEEDS", "FULFILLMENT"]}
    seen, token = [], None
    while True:
        res = api.search_orders(**query, **({"paginationToken": token} if token else {}))
        seen.extend(res.payload["orders"])
        token = res.next_token  # the package lifts `pagination` out of the payload
        if not token:
            break
    shipped = {i for i, o in sandbox.orders.items() if o["OrderStatus"] in ("Shipped", "InvoiceUnconfirmed")}
    assert sorted(o["orderId"] for o in seen) == sorted(shipped)
    assert all(o["fulfillment"]["fulfillmentStatus"] == "SHIPPED" and o["buyer"]["buyerEmail"] for o in seen)
    one = api.get_order(seen[0]["orderId"], includedData=["PROCEEDS"]).payload["order"]
    assert one["orderId"] == seen[0]["orderId"] and one["proceeds"]["grandTotal"] and "buyer" not in one
    assert [i["orderItemId"] for i in one["orderItems"]] == [
        i["OrderItemId"] for i in sandbox.orders[one["orderId"]]["OrderItems"]]


def test_a_feed_from_create_feed_document_to_the_report(sandbox):
    feeds = client(Feeds, sandbox)
    order = next(o for o in sandbox.orders.values() if o["OrderStatus"] == "Unshipped")
    xml = (
        "<?xml version='1.0' encoding='UTF-8'?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>"
        f"<MerchantIdentifier>{sandbox.seller_id}</MerchantIdentifier></Header>"
        "<MessageType>OrderAcknowledgement</MessageType><Message><MessageID>1</MessageID><OrderAcknowledgement>"
        f"<AmazonOrderID>{order['AmazonOrderId']}</AmazonOrderID><MerchantOrderID>M-1</MerchantOrderID>"
        "<StatusCode>Success</StatusCode></OrderAcknowledgement></Message></AmazonEnvelope>"
    )
    document, created = feeds.submit_feed("POST_ORDER_ACKNOWLEDGEMENT_DATA", io.BytesIO(xml.encode()),
                                          content_type="text/xml; charset=UTF-8",
                                          marketplaceIds=[sandbox.marketplace_id])
    feed_id = created.payload["feedId"]
    for _ in range(100):
        feed = feeds.get_feed(feed_id).payload
        if feed["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
            break
        time.sleep(0.05)
    assert feed["processingStatus"] == "DONE"
    report = feeds.get_feed_result_document(feed["resultFeedDocumentId"])
    assert "<MessagesSuccessful>1</MessagesSuccessful>" in report
    assert sandbox.orders[order["AmazonOrderId"]]["SellerOrderId"] == "M-1"
