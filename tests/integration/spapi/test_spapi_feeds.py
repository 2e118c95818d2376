"""Feeds 2021-06-30 end to end against the sandbox over HTTP: createFeedDocument -> upload -> createFeed ->
getFeed until DONE -> getFeedDocument -> the GZIP report parsed into the MWS output shape, driven by the
unchanged `feeds.job` state machine; XML order feeds through the feed actions, listings as JSON_LISTINGS_FEED."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest
import requests
from jsonschema import Draft3Validator, Draft7Validator

from amazon_mws.backends import feeds_api
from amazon_mws.feeds import job
from amazon_mws.feeds.errors import FeedInputError
from amazon_mws.feeds.inputs import load_schema
from amazon_mws.feeds.listings import ListingsDocument, build_listings_feed
from amazon_mws.sandbox import Sandbox
from amazon_mws.steps import feed_actions

from .spapi_support import LISTINGS_SCHEMAS as SCHEMAS
from .spapi_support import TIME_SCALE, sp_requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "feeds"))  # the feed samples, shared
from feed_samples import TOY, VALID, XSD_DIR  # noqa: E402

OUT = Draft3Validator(load_schema("feedResult.out"))
ORDER_FEEDS = {
    "updateOrder": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
    "shipOrder": "POST_ORDER_FULFILLMENT_DATA",
    "adjustOrder": "POST_PAYMENT_ADJUSTMENT_DATA",
}
LISTINGS = [
    "updateItem",
    "submitInventory",
    "changeProductPrice",
    "changeProductImage",
    "establishProductRelationships",
]


class Ctx:
    sample = False

    def __init__(self) -> None:
        self.data: list[dict] = []

    def emit(self, kind: str, body) -> None:
        assert kind == "data"
        self.data.append(body)


@pytest.fixture(autouse=True)
def _fast(monkeypatch):
    monkeypatch.setenv("AMAZON_MWS_TIME_SCALE", str(TIME_SCALE))
    monkeypatch.setenv("RESPONSE_CHECK_DELAY", "40")
    monkeypatch.setenv("AMAZON_XSD_DIR", str(XSD_DIR))
    monkeypatch.delenv("REDIS_URL", raising=False)


@pytest.fixture
def box():
    with Sandbox(orders=0, time_scale=TIME_SCALE, feed_processing_seconds=30, xsd_dir=XSD_DIR) as sb:
        yield sb


def _report_of(sb: Sandbox, feed_id: str) -> bytes:
    feed = sb.sp.feeds.feeds[feed_id]
    assert feed.result.compression == "GZIP"
    return gzip.decompress(feed.result.body)


@pytest.mark.parametrize("step", sorted(ORDER_FEEDS))
def test_order_feed_actions_reach_done_with_the_mws_output_shape(step, box):
    ctx = Ctx()
    feed_actions.submit_and_wait(ctx, VALID[step], box.sp_credentials, step)
    [out] = ctx.data
    assert not list(OUT.iter_errors(out))
    assert (out["status"], out["feedType"]) == ("_DONE_", ORDER_FEEDS[step])
    count = len(VALID[step]["messages"])
    report = out["processingReport"]
    assert (report["statusCode"], report["messagesProcessed"], report["messagesWithError"]) == ("Complete", count, 0)
    feed = box.sp.feeds.feeds[out["feedSubmissionId"]]
    assert feed.document.content_type.startswith("text/xml") and feed.document.body.startswith(b"<?xml")
    assert b"<MerchantIdentifier>" + box.seller_id.encode() in feed.document.body
    assert b"<ProcessingReport>" in _report_of(box, feed.id)
    flow = [r["action"] for r in box.requests if r["action"] != "lwaToken"]
    assert flow[:3] == ["createFeedDocument", "uploadFeedDocument", "createFeed"]
    assert flow[-1] == "getFeedDocument" and flow.count("getFeed") >= 2, "checked until DONE, then the report"


@pytest.mark.parametrize("step", LISTINGS)
def test_listings_steps_send_a_json_listings_feed_validated_by_amazons_schema(step, box):
    docs = build_listings_feed(step, VALID[step], box.sp_credentials, schema_dir=SCHEMAS)
    out = job.run_to_completion(feeds_api(box.sp_credentials), docs[0])
    assert not list(OUT.iter_errors(out))
    assert (out["status"], out["feedType"]) == ("_DONE_", "JSON_LISTINGS_FEED")
    sent = json.loads(box.sp.feeds.feeds[out["feedSubmissionId"]].document.body)
    schema = Draft7Validator(json.loads((SCHEMAS / "listings-feed-schema-v2.json").read_text()))
    assert not list(schema.iter_errors(sent))
    assert sent["header"]["sellerId"] == box.seller_id
    report = out["processingReport"]
    assert report["messagesProcessed"] == len(sent["messages"]) and report["messagesWithError"] == 0
    raw = json.loads(_report_of(box, out["feedSubmissionId"]))
    report_schema = json.loads((SCHEMAS / "listings-feed-processing-report-schema-v2.json").read_text())
    amazon_report = Draft7Validator(report_schema)
    assert not list(amazon_report.iter_errors(raw))


def test_update_item_sets_the_quantity_of_the_listing(box):
    docs = build_listings_feed("updateItem", {"messages": [{"SKU": "SKU-9", "Quantity": 7}]}, box.sp_credentials)
    job.run_to_completion(feeds_api(box.sp_credentials), docs[0])
    availability = box.sp.feeds.listings["SKU-9"]["attributes"]["fulfillment_availability"]
    assert availability == [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}]


def test_bad_listings_input_is_refused_before_anything_is_sent(box):
    with pytest.raises(FeedInputError) as bad_type:
        build_listings_feed("updateItem", {"messages": [{"SKU": "A", "Quantity": "ten"}]}, box.sp_credentials)
    assert "messages[0].Quantity" in str(bad_type.value)
    with pytest.raises(FeedInputError) as no_attribute:
        build_listings_feed(
            "changeProductImage",
            {
                "messages": [
                    {"sku": "A", "imageType": "Main", "imageLocation": "https://x/a.jpg"},
                    {"sku": "B", "imageType": "Search", "imageLocation": "https://x/b.jpg"},
                ]
            },
            box.sp_credentials,
        )
    assert "messages[1].imageType" in str(no_attribute.value)
    with pytest.raises(FeedInputError) as no_seller:
        build_listings_feed("updateItem", VALID["updateItem"], {**box.sp_credentials, "sellerId": ""})
    assert "sellerId" in str(no_seller.value)
    assert box.requests == []


def test_per_message_errors_come_back_as_data(box):
    feed = {
        "header": {"sellerId": box.seller_id, "version": "2.0"},
        "messages": [
            {"messageId": 1, "sku": "OK-1", "operationType": "DELETE"},
            {"messageId": 2, "sku": "BAD-1", "operationType": "PATCH", "productType": "PRODUCT", "patches": []},
        ],
    }
    out = job.run_to_completion(feeds_api(box.sp_credentials), ListingsDocument(feed))
    report = out["processingReport"]
    assert (report["messagesProcessed"], report["messagesSuccessful"], report["messagesWithError"]) == (2, 1, 1)
    [result] = report["results"]
    assert result["messageId"] == 2 and result["resultCode"] == "Error" and result["additionalInfo"] == {"SKU": "BAD-1"}
    assert not list(OUT.iter_errors(out))


def test_a_retired_xml_listings_feed_ends_fatal_with_a_report_saying_why(box):
    api = feeds_api(box.sp_credentials)
    xml = b"<?xml version='1.0'?><AmazonEnvelope><MessageType>Inventory</MessageType></AmazonEnvelope>"
    info = api.submit_feed(xml, "_POST_INVENTORY_AVAILABILITY_DATA_")
    box.advance_clock(60)
    [state] = api.get_feed_submission_list(ids=[info["FeedSubmissionId"]]).infos
    assert state["FeedProcessingStatus"] == "_FATAL_"
    report = api.get_feed_submission_result(info["FeedSubmissionId"]).report
    assert report["messagesWithError"] == 0 and "JSON_LISTINGS_FEED" in report["results"][0]["resultDescription"]


def test_the_upload_must_carry_the_declared_content_type(box):
    api = feeds_api(box.sp_credentials)
    document = api.create_feed_document("text/xml; charset=UTF-8")
    wrong = requests.put(document["url"], data=b"<a/>", headers={"Content-Type": "application/json"}, timeout=10)
    assert wrong.status_code == 403 and b"SignatureDoesNotMatch" in wrong.content
    forged = requests.put(
        document["url"].split("?")[0] + "?X-Amz-Signature=forged",
        data=b"<a/>",
        headers={"Content-Type": "text/xml; charset=UTF-8"},
        timeout=10,
    )
    assert forged.status_code == 403
    assert box.sp.feeds.documents[document["feedDocumentId"]].body is None


def test_feed_checks_on_a_throttled_get_feed_wait_and_go_on(box):
    box.inject_fault("throttle", count=2, operation="getFeed")
    ctx = Ctx()
    feed_actions.submit_and_wait(ctx, VALID["updateOrder"], box.sp_credentials, "updateOrder")
    assert ctx.data[0]["status"] == "_DONE_"
    assert [r["status"] for r in sp_requests(box, "getFeed")][:3] == [429, 429, 200]


def test_feed_status_and_result_actions_pick_a_submission_up_by_id(box):
    api = feeds_api(box.sp_credentials)
    [doc] = build_listings_feed("updateItem", VALID["updateItem"], box.sp_credentials)
    info = api.submit_feed(doc.xml, doc.feed_type)
    status_ctx, result_ctx = Ctx(), Ctx()
    feed_actions.emit_status(status_ctx, {"submissionId": info["FeedSubmissionId"]}, box.sp_credentials)
    assert status_ctx.data[0]["status"] in ("_SUBMITTED_", "_IN_PROGRESS_")
    feed_actions.emit_result(result_ctx, {"submissionId": info["FeedSubmissionId"]}, box.sp_credentials)
    [out] = result_ctx.data
    assert out["status"] == "_DONE_" and out["processingReport"]["messagesSuccessful"] == 2
    assert not list(OUT.iter_errors(out))


def test_update_order_through_the_cli_on_sp_api(run_cli):
    with Sandbox(orders=10, seed=2, time_scale=TIME_SCALE, feed_processing_seconds=30) as sb:
        order = next(o for o in sb.orders.values() if o["OrderStatus"] == "Unshipped")
        message = {
            "messages": [
                {"amazonOrderID": order["AmazonOrderId"], "merchantOrderID": "ERP-77", "statusCode": "Success"}
            ]
        }
        run = run_cli("updateOrder", sb.sp_credentials, message=message, env={"RESPONSE_CHECK_DELAY": "40"})
        assert run.returncode == 0, run.stderr
        [event] = run.data()
        assert event["body"]["status"] == "_DONE_" and event["body"]["processingReport"]["messagesSuccessful"] == 1
        assert sb.orders[order["AmazonOrderId"]]["SellerOrderId"] == "ERP-77"
        assert sb.sp_credentials["refreshToken"] not in run.stdout + run.stderr


@pytest.mark.parametrize("step", ["submitProduct", "submitProductCategoryFromPayload"])
def test_submit_product_sends_an_update_with_the_categorys_product_type(step, box):
    cfg = {**box.sp_credentials, "category": "Toys"}
    docs = build_listings_feed(step, {"messages": [TOY]}, cfg, schema_dir=SCHEMAS)
    out = job.run_to_completion(feeds_api(cfg), docs[0])
    assert out["status"] == "_DONE_" and out["processingReport"]["messagesWithError"] == 0
    listing = box.sp.feeds.listings["TOY-1"]
    assert listing["productType"] == "TOYS"
    assert listing["attributes"]["item_name"][0]["value"] == "A wooden train"
    assert [b["value"] for b in listing["attributes"]["bullet_point"]] == ["Oak", "Painted"]
    with pytest.raises(FeedInputError):
        build_listings_feed(step, {"messages": [{**TOY, "SKU": ""}]}, cfg)


def test_update_item_through_the_cli_on_sp_api_sends_json_listings(run_cli):
    with Sandbox(orders=0, seed=2, time_scale=TIME_SCALE, feed_processing_seconds=30) as sb:
        message = {"messages": [{"SKU": "SKU-CLI", "Quantity": 4}]}
        run = run_cli("updateItem", sb.sp_credentials, message=message, env={"RESPONSE_CHECK_DELAY": "40"})
        assert run.returncode == 0, run.stderr
        [event] = run.data()
        assert event["body"]["feedType"] == "JSON_LISTINGS_FEED"
        assert event["body"]["status"] == "_DONE_"
        assert event["body"]["processingReport"]["messagesSuccessful"] == 1
        availability = sb.sp.feeds.listings["SKU-CLI"]["attributes"]["fulfillment_availability"]
        assert availability[0]["quantity"] == 4


def _ship_message(order: dict, **overrides) -> dict:
    items = [{"amazonOrderItemCode": i["OrderItemId"], "quantity": i["QuantityOrdered"]} for i in order["OrderItems"]]
    return {
        "amazonOrderID": order["AmazonOrderId"],
        "fulfillmentDate": "2026-11-20T10:00:00Z",
        "carrierCode": "UPS",
        "shipperTrackingNumber": "1Z999AA10123456784",
        "items": items,
        **overrides,
    }


def test_ship_order_via_confirm_shipment_on_sp_api(run_cli):
    with Sandbox(orders=40, seed=3, time_scale=TIME_SCALE) as sb:
        unshipped = [o for o in sb.orders.values() if o["OrderStatus"] == "Unshipped"][:2]
        shipped = next(o for o in sb.orders.values() if o["OrderStatus"] == "Shipped")
        message = {"messages": [_ship_message(o) for o in unshipped] + [_ship_message(shipped)]}
        run = run_cli("shipOrder", {**sb.sp_credentials, "shipVia": "confirmShipment"}, message=message)
        assert run.returncode == 0, run.stderr
        [event] = run.data()
        report = event["body"]["processingReport"]
        assert event["body"]["feedType"] == "confirmShipment" and event["body"]["status"] == "_DONE_"
        assert (report["messagesProcessed"], report["messagesSuccessful"], report["messagesWithError"]) == (3, 2, 1)
        assert report["results"][0]["messageId"] == 3
        assert report["results"][0]["additionalInfo"] == {"AmazonOrderID": shipped["AmazonOrderId"]}
        assert all(sb.orders[o["AmazonOrderId"]]["OrderStatus"] == "Shipped" for o in unshipped)
        assert [r for r in sb.requests if r["action"] == "confirmShipment"] and sb.feeds == {}


def test_confirm_shipment_input_is_checked_whole_before_any_call(run_cli):
    with Sandbox(orders=40, seed=3, time_scale=TIME_SCALE) as sb:
        order = next(o for o in sb.orders.values() if o["OrderStatus"] == "Unshipped")
        message = {"messages": [_ship_message(order), _ship_message(order, shipperTrackingNumber=None)]}
        message["messages"][1].pop("shipperTrackingNumber")
        run = run_cli("shipOrder", {**sb.sp_credentials, "shipVia": "confirmShipment"}, message=message)
        assert run.returncode == 1
        assert (
            "messages[1].shipperTrackingNumber: is required with confirmShipment" in run.errors()[0]["error"]["message"]
        )
        assert not [r for r in sb.requests if r["action"] == "confirmShipment"]
        on_mws = run_cli("shipOrder", {**sb.credentials, "shipVia": "confirmShipment"}, message=message)
        assert (
            on_mws.returncode == 1
            and "shipVia: confirmShipment is an SP-API call" in on_mws.errors()[0]["error"]["message"]
        )
