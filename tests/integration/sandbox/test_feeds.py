"""Feeds: SubmitFeed with its MD5 rules, the _SUBMITTED_ -> _IN_PROGRESS_ -> _DONE_ lifecycle, the list,
count and cancel operations, and processing reports checked against Amazon's own XSDs."""

from __future__ import annotations

import functools
import time

import pytest
import requests
from lxml import etree

from amazon_mws.mws.signing import content_md5
from amazon_mws.sandbox import Sandbox

from .conftest import AMAZON, CREDS, FEEDS_NS, Mws, error_code, find, text, xml

EXAMPLES = AMAZON / "feed-examples"
XSD = AMAZON / "xsd"
FEED_TYPES = {
    "OrderAcknowledgement": "_POST_ORDER_ACKNOWLEDGEMENT_DATA_",
    "OrderFulfillment": "_POST_ORDER_FULFILLMENT_DATA_",
    "Inventory": "_POST_INVENTORY_AVAILABILITY_DATA_",
    "Price": "_POST_PRODUCT_PRICING_DATA_",
}


@pytest.fixture
def fsb():
    with (
        Sandbox(orders=30, seed=9, throttle=False, xsd_dir=XSD, credentials=CREDS) as box,
        requests.Session() as s,
    ):
        yield box, Mws(box, s)


def fid_of(resp) -> str:
    assert resp.status_code == 200, resp.text
    return text(xml(resp), "SubmitFeedResult/FeedSubmissionInfo/FeedSubmissionId", FEEDS_NS)


def status_of(mws, fid) -> str:
    resp = mws.call("GetFeedSubmissionList", {"FeedSubmissionIdList.Id.1": fid}, section="feeds")
    assert resp.status_code == 200, resp.text
    return text(xml(resp), "GetFeedSubmissionListResult/FeedSubmissionInfo/FeedProcessingStatus", FEEDS_NS)


def result_of(mws, fid):
    return mws.call("GetFeedSubmissionResult", {"FeedSubmissionId": fid}, section="feeds")


@functools.cache
def report_schema():
    return etree.XMLSchema(etree.parse(str(XSD / "amzn-envelope.xsd")))


@pytest.mark.parametrize("name", sorted(FEED_TYPES))
def test_valid_example_feed_is_done_and_all_successful(fsb, name):
    sb, mws = fsb
    feed = (EXAMPLES / f"{name}.minimal.xml").read_bytes()
    resp = mws.submit(feed, FEED_TYPES[name])
    fid = fid_of(resp)
    root = xml(resp)
    assert text(root, "SubmitFeedResult/FeedSubmissionInfo/FeedProcessingStatus", FEEDS_NS) == "_SUBMITTED_"
    assert text(root, "SubmitFeedResult/FeedSubmissionInfo/FeedType", FEEDS_NS) == FEED_TYPES[name]
    assert sb.feeds[fid]["body"] == feed  # the raw bytes, for tests to inspect
    sb.advance_clock(2.0)
    assert status_of(mws, fid) == "_DONE_"
    result = result_of(mws, fid)
    assert result.status_code == 200
    assert result.headers["Content-MD5"] == content_md5(result.content)
    report = etree.fromstring(result.content)
    assert report_schema().validate(report), report_schema().error_log
    summary = report.find("Message/ProcessingReport/ProcessingSummary")
    assert [
        summary.findtext(t) for t in ("MessagesProcessed", "MessagesSuccessful", "MessagesWithError")
    ] == ["1", "1", "0"]
    assert report.findtext("Message/ProcessingReport/DocumentTransactionID") == fid
    assert report.findall("Message/ProcessingReport/Result") == []


def test_lifecycle_follows_the_clock_and_result_is_not_ready_before_done(fsb):
    sb, mws = fsb
    fid = fid_of(mws.submit((EXAMPLES / "Inventory.minimal.xml").read_bytes(), FEED_TYPES["Inventory"]))
    assert status_of(mws, fid) == "_SUBMITTED_"
    early = result_of(mws, fid)
    assert (early.status_code, error_code(early)) == (404, "FeedProcessingResultNotReady")
    assert fid in text(xml(early), "Error/Message", FEEDS_NS)
    sb.advance_clock(0.6)
    assert status_of(mws, fid) == "_IN_PROGRESS_"
    assert result_of(mws, fid).status_code == 404
    sb.advance_clock(1.5)
    info = find(
        xml(mws.call("GetFeedSubmissionList", {"FeedSubmissionIdList.Id.1": fid}, section="feeds")),
        "GetFeedSubmissionListResult/FeedSubmissionInfo",
        FEEDS_NS,
    )[0]
    assert text(info, "FeedProcessingStatus", FEEDS_NS) == "_DONE_"
    assert text(info, "StartedProcessingDate", FEEDS_NS) and text(info, "CompletedProcessingDate", FEEDS_NS)


def test_time_scale_compresses_processing():
    with Sandbox(orders=0, time_scale=0.05, credentials=CREDS) as sb, requests.Session() as s:
        mws = Mws(sb, s)
        fid = fid_of(mws.submit((EXAMPLES / "Price.minimal.xml").read_bytes(), FEED_TYPES["Price"]))
        time.sleep(0.15)  # 2 s of sandbox processing * 0.05
        assert result_of(mws, fid).status_code == 200


def test_invalid_message_gets_an_error_result_naming_the_field(fsb):
    sb, mws = fsb
    feed = (EXAMPLES / "OrderAcknowledgement.INVALID-statuscode.xml").read_bytes()
    fid = fid_of(mws.submit(feed, FEED_TYPES["OrderAcknowledgement"]))
    sb.advance_clock(3)
    report = etree.fromstring(result_of(mws, fid).content)
    assert report_schema().validate(report)
    summary = report.find("Message/ProcessingReport/ProcessingSummary")
    assert [
        summary.findtext(t) for t in ("MessagesProcessed", "MessagesSuccessful", "MessagesWithError")
    ] == ["1", "0", "1"]
    (res,) = report.findall("Message/ProcessingReport/Result")
    assert res.findtext("MessageID") == "1" and res.findtext("ResultCode") == "Error"
    assert res.findtext("ResultMessageCode") == "5000"
    assert "StatusCode" in res.findtext("ResultDescription") and "Maybe" in res.findtext("ResultDescription")
    assert res.findtext("AdditionalInfo/AmazonOrderID") == "050-1234567-1234567"


def test_errors_are_charged_to_their_own_message(fsb):
    sb, mws = fsb
    feed = b"""<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M1</MerchantIdentifier></Header>
<MessageType>Inventory</MessageType>
<Message><MessageID>1</MessageID><Inventory><SKU>OK-1</SKU><Quantity>3</Quantity></Inventory></Message>
<Message><MessageID>2</MessageID><Inventory><SKU>BAD-2</SKU><Quantity>-4</Quantity></Inventory></Message>
<Message><MessageID>3</MessageID><Inventory><SKU>OK-3</SKU><Quantity>1</Quantity></Inventory></Message>
</AmazonEnvelope>"""
    fid = fid_of(mws.submit(feed, FEED_TYPES["Inventory"]))
    sb.advance_clock(3)
    report = etree.fromstring(result_of(mws, fid).content)
    summary = report.find("Message/ProcessingReport/ProcessingSummary")
    assert [
        summary.findtext(t) for t in ("MessagesProcessed", "MessagesSuccessful", "MessagesWithError")
    ] == ["3", "2", "1"]
    (res,) = report.findall("Message/ProcessingReport/Result")
    assert (res.findtext("MessageID"), res.findtext("AdditionalInfo/SKU")) == ("2", "BAD-2")
    assert "Quantity" in res.findtext("ResultDescription")


@pytest.mark.parametrize(
    "body, needle",
    [
        (b"<AmazonEnvelope><Header>", "XML Parsing Fatal Error"),
        (b"<AmazonEnvelope><MessageType>Bogus</MessageType></AmazonEnvelope>", "Bogus"),
        (b"<AmazonEnvelope><MessageType>Price</MessageType></AmazonEnvelope>", "does not match FeedType"),
    ],
)
def test_broken_feed_fails_as_a_whole(fsb, body, needle):
    sb, mws = fsb
    fid = fid_of(mws.submit(body, FEED_TYPES["Inventory"]))
    sb.advance_clock(3)
    report = etree.fromstring(result_of(mws, fid).content)
    assert report.findtext("Message/ProcessingReport/ProcessingSummary/MessagesSuccessful") == "0"
    assert report.findtext("Message/ProcessingReport/ProcessingSummary/MessagesWithError") == "1"
    (res,) = report.findall("Message/ProcessingReport/Result")
    assert res.findtext("MessageID") == "0" and needle in res.findtext("ResultDescription")


def test_message_without_message_id_is_an_error_even_without_xsds():
    with Sandbox(orders=0, throttle=False, credentials=CREDS) as sb, requests.Session() as s:
        mws = Mws(sb, s)
        feed = (
            b"<AmazonEnvelope><MessageType>Inventory</MessageType><Message><Inventory><SKU>S</SKU>"
            b"</Inventory></Message></AmazonEnvelope>"
        )
        fid = fid_of(mws.submit(feed, FEED_TYPES["Inventory"]))
        sb.advance_clock(3)
        report = etree.fromstring(result_of(mws, fid).content)
        assert report.findtext("Message/ProcessingReport/ProcessingSummary/MessagesWithError") == "1"
        assert "MessageID" in report.findtext("Message/ProcessingReport/Result/ResultDescription")


def test_md5_is_required_and_must_match(fsb):
    sb, mws = fsb
    feed = (EXAMPLES / "Price.minimal.xml").read_bytes()
    missing = mws.call("SubmitFeed", {"FeedType": FEED_TYPES["Price"]}, section="feeds", body=feed)
    assert (missing.status_code, error_code(missing)) == (400, "ContentMD5Missing")
    wrong = mws.call(
        "SubmitFeed",
        {"FeedType": FEED_TYPES["Price"]},
        section="feeds",
        body=feed,
        headers={"Content-MD5": content_md5(b"something else")},
    )
    assert (wrong.status_code, error_code(wrong)) == (400, "ContentMD5DoesNotMatch")
    signed = mws.call(
        "SubmitFeed",
        {"FeedType": FEED_TYPES["Price"], "ContentMD5Value": content_md5(feed)},
        section="feeds",
        body=feed,
    )
    assert signed.status_code == 200
    bad_param = mws.call(
        "SubmitFeed",
        {"FeedType": FEED_TYPES["Price"], "ContentMD5Value": content_md5(b"x")},
        section="feeds",
        body=feed,
    )
    assert (bad_param.status_code, error_code(bad_param)) == (400, "ContentMD5DoesNotMatch")
    assert len(sb.feeds) == 1
    no_type = mws.call(
        "SubmitFeed", {}, section="feeds", body=feed, headers={"Content-MD5": content_md5(feed)}
    )
    assert (no_type.status_code, error_code(no_type)) == (400, "MissingParameter")


def test_list_pages_with_max_count_and_filters_and_count(fsb):
    sb, mws = fsb
    feed = (EXAMPLES / "Inventory.minimal.xml").read_bytes()
    price = (EXAMPLES / "Price.minimal.xml").read_bytes()
    ids = [fid_of(mws.submit(feed, FEED_TYPES["Inventory"])) for _ in range(5)]
    ids.append(fid_of(mws.submit(price, FEED_TYPES["Price"])))
    resp = mws.call("GetFeedSubmissionList", {"MaxCount": "4"}, section="feeds")
    root = xml(resp)
    assert text(root, "GetFeedSubmissionListResult/HasNext", FEEDS_NS) == "true"
    first = [
        text(i, "FeedSubmissionId", FEEDS_NS)
        for i in find(root, "GetFeedSubmissionListResult/FeedSubmissionInfo", FEEDS_NS)
    ]
    token = text(root, "GetFeedSubmissionListResult/NextToken", FEEDS_NS)
    nxt = xml(mws.call("GetFeedSubmissionListByNextToken", {"NextToken": token}, section="feeds"))
    assert text(nxt, "GetFeedSubmissionListByNextTokenResult/HasNext", FEEDS_NS) == "false"
    rest = [
        text(i, "FeedSubmissionId", FEEDS_NS)
        for i in find(nxt, "GetFeedSubmissionListByNextTokenResult/FeedSubmissionInfo", FEEDS_NS)
    ]
    assert first + rest == ids[::-1]  # newest first
    typed = xml(
        mws.call("GetFeedSubmissionList", {"FeedTypeList.Type.1": FEED_TYPES["Price"]}, section="feeds")
    )
    assert [
        text(i, "FeedSubmissionId", FEEDS_NS)
        for i in find(typed, "GetFeedSubmissionListResult/FeedSubmissionInfo", FEEDS_NS)
    ] == [ids[-1]]
    count = xml(
        mws.call("GetFeedSubmissionCount", {"FeedTypeList.Type.1": FEED_TYPES["Inventory"]}, section="feeds")
    )
    assert text(count, "GetFeedSubmissionCountResult/Count", FEEDS_NS) == "5"
    bad = mws.call("GetFeedSubmissionList", {"MaxCount": "101"}, section="feeds")
    assert (bad.status_code, error_code(bad)) == (400, "InvalidParameterValue")


def test_cancel_only_touches_feeds_not_yet_processing(fsb):
    sb, mws = fsb
    feed = (EXAMPLES / "Inventory.minimal.xml").read_bytes()
    old = fid_of(mws.submit(feed, FEED_TYPES["Inventory"]))
    sb.advance_clock(1)
    new = fid_of(mws.submit(feed, FEED_TYPES["Inventory"]))
    resp = mws.call(
        "CancelFeedSubmissions",
        {"FeedSubmissionIdList.Id.1": old, "FeedSubmissionIdList.Id.2": new},
        section="feeds",
    )
    root = xml(resp)
    assert text(root, "CancelFeedSubmissionsResult/Count", FEEDS_NS) == "1"
    assert text(root, "CancelFeedSubmissionsResult/FeedSubmissionInfo/FeedSubmissionId", FEEDS_NS) == new
    assert status_of(mws, new) == "_CANCELLED_"
    sb.advance_clock(5)
    cancelled = result_of(mws, new)
    assert (cancelled.status_code, error_code(cancelled)) == (400, "FeedCanceled")
    assert result_of(mws, old).status_code == 200


def test_unknown_submission_id(fsb):
    _, mws = fsb
    resp = result_of(mws, "123")
    assert (resp.status_code, error_code(resp)) == (400, "InvalidFeedSubmissionId")


def test_fulfillment_feed_ships_a_sandbox_order_and_refuses_too_much(fsb):
    sb, mws = fsb
    order = next(
        o for o in sb.orders.values() if o["OrderStatus"] == "Unshipped" and o["FulfillmentChannel"] == "MFN"
    )
    item = order["OrderItems"][0]

    def feed(qty):
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M1</MerchantIdentifier></Header>
<MessageType>OrderFulfillment</MessageType><Message><MessageID>1</MessageID><OrderFulfillment>
<AmazonOrderID>{order["AmazonOrderId"]}</AmazonOrderID><FulfillmentDate>2020-01-02T10:00:00Z</FulfillmentDate>
<FulfillmentData><CarrierCode>UPS</CarrierCode><ShipperTrackingNumber>1Z999</ShipperTrackingNumber></FulfillmentData>
<Item><AmazonOrderItemCode>{item["OrderItemId"]}</AmazonOrderItemCode><Quantity>{qty}</Quantity></Item>
</OrderFulfillment></Message></AmazonEnvelope>""".encode()

    too_many = fid_of(mws.submit(feed(item["QuantityOrdered"] + 1), FEED_TYPES["OrderFulfillment"]))
    sb.advance_clock(3)
    report = etree.fromstring(result_of(mws, too_many).content)
    res = report.find("Message/ProcessingReport/Result")
    assert res.findtext("ResultMessageCode") == "18021"
    assert res.findtext("AdditionalInfo/AmazonOrderID") == order["AmazonOrderId"]
    assert sb.orders[order["AmazonOrderId"]]["OrderStatus"] == "Unshipped"
    ok = fid_of(mws.submit(feed(item["QuantityOrdered"]), FEED_TYPES["OrderFulfillment"]))
    sb.advance_clock(3)
    assert status_of(mws, ok) == "_DONE_"
    shipped = sb.orders[order["AmazonOrderId"]]
    expected = "Shipped" if len(order["OrderItems"]) == 1 else "PartiallyShipped"
    assert shipped["OrderStatus"] == expected
    assert shipped["OrderItems"][0]["QuantityShipped"] == item["QuantityOrdered"]
    assert shipped["LastUpdateDate"] > order["LastUpdateDate"]
