"""Every feed action end to end: JSON -> validated XML -> SubmitFeed over HTTP to the sandbox ->
GetFeedSubmissionList until _DONE_ -> GetFeedSubmissionResult -> the parsed processing report."""

from __future__ import annotations

import copy

import pytest
from feed_ctx import TIME_SCALE, Ctx
from feed_samples import TOY, VALID
from jsonschema import Draft3Validator
from lxml import etree

from amazon_mws.feeds.errors import FeedCheckTimeout, FeedInputError
from amazon_mws.feeds.inputs import load_schema
from amazon_mws.feeds.kinds import KINDS
from amazon_mws.sandbox.app import Sandbox
from amazon_mws.steps import feed_actions

OUT = Draft3Validator(load_schema("feedResult.out"))

STEPS = sorted(VALID) + ["submitProduct", "submitProductCategoryFromPayload"]


def _body(step):
    if step.startswith("submitProduct"):
        return {"messages": [TOY]}
    return VALID[step]


def _cfg(box, **fields):
    return {**box.credentials, **fields}


def _actions(box, name):
    return [r for r in box.requests if r["action"] == name]


@pytest.mark.parametrize("step", STEPS)
def test_feed_step_reaches_done_with_a_clean_report(step, sandbox, ctx):
    cfg = _cfg(sandbox, category="Toys") if step == "submitProduct" else _cfg(sandbox)
    feed_actions.submit_and_wait(ctx, _body(step), cfg, step)
    [out] = ctx.data
    assert not list(OUT.iter_errors(out))
    assert out["status"] == "_DONE_"
    count = len(_body(step)["messages"])
    report = out["processingReport"]
    assert report["statusCode"] == "Complete"
    assert (report["messagesProcessed"], report["messagesSuccessful"], report["messagesWithError"]) == (
        count,
        count,
        0,
    )
    feed = sandbox.feeds_api.feeds[out["feedSubmissionId"]]
    expected_type = "_POST_PRODUCT_DATA_" if step.startswith("submitProduct") else KINDS[step].feed_type
    assert out["feedType"] == feed.feed_type == expected_type
    root = etree.fromstring(feed.body)
    assert root.findtext("Header/MerchantIdentifier") == sandbox.seller_id
    assert len(root.findall("Message")) == count
    assert len(_actions(sandbox, "SubmitFeed")) == 1
    assert len(_actions(sandbox, "GetFeedSubmissionResult")) == 1


def test_checks_are_spaced_by_response_check_delay(sandbox, ctx, monkeypatch):
    monkeypatch.setenv("RESPONSE_CHECK_DELAY", "100")
    feed_actions.submit_and_wait(ctx, VALID["updateItem"], _cfg(sandbox), "updateItem")
    submit = _actions(sandbox, "SubmitFeed")[0]["time"]
    checks = [r["time"] for r in _actions(sandbox, "GetFeedSubmissionList")]
    assert len(checks) >= 3  # 0.3 s of processing, a check every 0.1 s
    gaps = [b - a for a, b in zip([submit, *checks], checks, strict=False)]
    assert all(gap >= 0.095 for gap in gaps), gaps
    assert _actions(sandbox, "GetFeedSubmissionResult")[0]["time"] >= checks[-1]


def test_bad_message_among_many_sends_nothing(sandbox, ctx):
    body = copy.deepcopy(VALID["updateOrder"])
    body["messages"] = body["messages"] * 3
    body["messages"][4] = {**body["messages"][4], "statusCode": "Shipped"}
    with pytest.raises(FeedInputError, match=r"messages\[4\]\.statusCode: 'Shipped' is not one of"):
        feed_actions.submit_and_wait(ctx, body, _cfg(sandbox), "updateOrder")
    assert sandbox.feeds == {} and sandbox.requests == [] and ctx.events == []


def test_xsd_refusal_sends_nothing(sandbox, ctx):
    body = copy.deepcopy(VALID["shipOrder"])
    body["messages"][1]["merchantFulfillmentID"] = "0"
    with pytest.raises(FeedInputError, match=r"messages\[1\]\.merchantFulfillmentID: "):
        feed_actions.submit_and_wait(ctx, body, _cfg(sandbox), "shipOrder")
    assert sandbox.feeds == {} and sandbox.requests == []


def test_per_message_errors_come_back_as_data(sandbox, ctx):
    """Shipping more than was ordered: Amazon's 18021 for that message, the others succeed."""
    order = sandbox.add_order(OrderStatus="Unshipped", OrderItems=[{"QuantityOrdered": 1}])
    item = order["OrderItems"][0]["OrderItemId"]
    ship = {
        "amazonOrderID": order["AmazonOrderId"],
        "fulfillmentDate": "2024-01-02T10:00:00Z",
        "carrierCode": "UPS",
        "shipperTrackingNumber": "1Z1",
        "items": [{"amazonOrderItemCode": item, "quantity": 5}],
    }
    ack = {"amazonOrderID": order["AmazonOrderId"], "statusCode": "Success", "merchantOrderID": "ERP-1"}
    feed_actions.submit_and_wait(ctx, {"messages": [ack]}, _cfg(sandbox), "updateOrder")
    feed_actions.submit_and_wait(ctx, {"messages": [ship]}, _cfg(sandbox), "shipOrder")
    report = ctx.data[1]["processingReport"]
    assert report["messagesWithError"] == 1
    [result] = report["results"]
    assert (result["messageId"], result["resultCode"], result["resultMessageCode"]) == (1, "Error", 18021)
    assert ctx.data[0]["processingReport"]["messagesWithError"] == 0


def test_without_client_xsds_amazon_reports_the_schema_error(sandbox, ctx, monkeypatch):
    """No AMAZON_XSD_DIR on the client: the JSON Schema passes it, Amazon's report names the error."""
    monkeypatch.delenv("AMAZON_XSD_DIR")
    body = copy.deepcopy(VALID["shipOrder"])
    body["messages"][1]["merchantFulfillmentID"] = "0"
    feed_actions.submit_and_wait(ctx, body, _cfg(sandbox), "shipOrder")
    report = ctx.data[0]["processingReport"]
    assert report["messagesWithError"] >= 1
    assert {r["messageId"] for r in report["results"] if r["resultCode"] == "Error"} == {2}


def test_cap_then_get_feed_submission_result_finishes_later(ctx, monkeypatch):
    monkeypatch.setenv("FEED_CHECK_MAX_ATTEMPTS", "2")
    # 100 s of Amazon time = 1 s here: two checks 40 ms apart cannot see it finish
    with Sandbox(orders=0, time_scale=TIME_SCALE, feed_processing_seconds=100) as box:
        with pytest.raises(FeedCheckTimeout) as info:
            feed_actions.submit_and_wait(ctx, VALID["updateItem"], _cfg(box), "updateItem")
        submission = info.value.submission_id
        assert submission in box.feeds and len(_actions(box, "GetFeedSubmissionList")) == 2
        assert _actions(box, "GetFeedSubmissionResult") == []
        status_ctx = Ctx()
        feed_actions.emit_status(status_ctx, {"submissionId": submission}, _cfg(box))
        [status] = status_ctx.data
        assert status["status"] in ("_SUBMITTED_", "_IN_PROGRESS_") and status["submittedDate"]
        assert not list(Draft3Validator(load_schema("feedSubmissionStatus.out")).iter_errors(status))
        monkeypatch.setenv("FEED_CHECK_MAX_ATTEMPTS", "50")
        monkeypatch.setenv("RESPONSE_CHECK_DELAY", "150")
        later = Ctx()  # resumes by id and waits (checks spaced as usual) until _DONE_
        feed_actions.emit_result(later, {"submissionId": submission}, _cfg(box))
        [out] = later.data
        assert out["status"] == "_DONE_" and out["processingReport"]["messagesProcessed"] == 2
        assert out["feedType"] == "_POST_INVENTORY_AVAILABILITY_DATA_"


def test_status_of_an_unknown_submission_is_a_clear_error(sandbox, ctx):
    with pytest.raises(LookupError, match="submissionId: no feed submission 123"):
        feed_actions.emit_status(ctx, {"submissionId": "123"}, _cfg(sandbox))
    with pytest.raises(FeedInputError, match="submissionId: 'abc' is not a feed submission id"):
        feed_actions.emit_status(ctx, {"submissionId": "abc"}, _cfg(sandbox))


def test_a_sample_call_builds_the_feed_and_sends_nothing(sandbox):
    ctx = Ctx(sample=True)
    feed_actions.submit_and_wait(ctx, VALID["updateItem"], _cfg(sandbox), "updateItem")
    [out] = ctx.data
    assert out["status"] == "_NOT_SENT_" and out["sample"] is True and "<SKU>SKU-2</SKU>" in out["document"]
    assert out["processingReport"]["messagesProcessed"] == 2
    assert sandbox.requests == [] and not sandbox.feeds
