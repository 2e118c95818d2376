"""Idempotency-Key on the feed routes: a client's repeat gets the first answer and makes no second feed."""

from __future__ import annotations

import threading

from .test_serve_rest import unshipped_order


def _refund(order: dict) -> dict:
    codes = [i["OrderItemId"] for i in order["OrderItems"]]
    return {"AmazonOrderID": order["AmazonOrderId"], "AdjustmentReason": "CustomerReturn", "Currency": "USD",
            "AmazonOrderItemCode_1": codes[0], "ItemPriceAdjustments_1": "10.00"}


def _submits(served) -> list[dict]:
    return served.amazon_requests("SubmitFeed")


def test_a_repeat_with_the_same_key_gets_the_first_answer_and_sends_nothing(served):
    form = _refund(unshipped_order(served.sandbox))
    first = served.post("/order/adjustment?wait=true", data=form, headers={"Idempotency-Key": "refund-1"})
    assert first.status_code == 200, first.text
    again = served.post("/order/adjustment?wait=true", data=form, headers={"Idempotency-Key": "refund-1"})
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert len(served.sandbox.feeds) == 1 and len(_submits(served)) == 1
    fresh = served.post("/order/adjustment?wait=true", data=form, headers={"Idempotency-Key": "refund-2"})
    assert fresh.status_code == 200 and fresh.json()["feedSubmissionId"] != first.json()["feedSubmissionId"]
    assert len(served.sandbox.feeds) == 2  # a new key is a new request


def test_a_repeat_after_the_reply_was_lost_continues_the_same_submission(served):
    """Amazon took the feed, its reply never came and the service failed the request (a 502): the client's
    repeat with the same key finds that submission; still one feed."""
    form = _refund(unshipped_order(served.sandbox))
    served.sandbox.inject_fault("lost", count=5, operation="SubmitFeed")
    served.sandbox.inject_fault("cut", count=20, operation="GetFeedSubmissionList")  # no reconciling now
    failed = served.post("/order/adjustment", data=form, headers={"Idempotency-Key": "k-lost"})
    assert failed.status_code == 502, failed.text
    assert len(served.sandbox.feeds) == 1
    served.sandbox.faults.clear()
    again = served.post("/order/adjustment?wait=true", data=form, headers={"Idempotency-Key": "k-lost"})
    assert again.status_code == 200, again.text
    assert again.json()["feedSubmissionId"] in served.sandbox.feeds and again.json()["status"] == "_DONE_"
    assert len(served.sandbox.feeds) == 1 and len(_submits(served)) == 1


def test_concurrent_repeats_make_one_feed(served):
    form = _refund(unshipped_order(served.sandbox))
    answers: list = []

    def send() -> None:
        answers.append(served.post("/order/adjustment", data=form, headers={"Idempotency-Key": "k-race"}))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.json()["feedSubmissionId"] for a in answers}) == 1
    assert len(served.sandbox.feeds) == 1


def test_a_key_reused_for_another_request_is_422_and_a_bad_key_400(served):
    form = _refund(unshipped_order(served.sandbox))
    assert served.post("/order/adjustment", data=form, headers={"Idempotency-Key": "k-1"}).status_code == 200
    other = served.post("/order/adjustment", data={**form, "ItemPriceAdjustments_1": "99.00"},
                        headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"
    bad = served.post("/order/adjustment", data=form, headers={"Idempotency-Key": "has space"})
    assert bad.status_code == 400 and bad.json()["problems"][0].startswith("Idempotency-Key:")
    assert len(served.sandbox.feeds) == 1
