"""The backend contract: the same cases, the same answers, on every backend (MWS and SP-API against the
sandbox). What the steps rely on is here: pages and the returned bound, batches and notFound, items
across pages, a feed as a job with its report, errors in the same kinds, and paging that always ends."""

from __future__ import annotations

import math
import time
from datetime import timedelta

import pytest
from contract_support import SETUPS, Harness

from amazon_mws import backends
from amazon_mws.core.errors import AccessDenied, CredentialsRejected, MwsError, PagingLoop, Throttled
from amazon_mws.core.paging import walk_pages
from amazon_mws.core.times import parse_time
from amazon_mws.feeds import intents, job
from amazon_mws.feeds.build import build_feed
from amazon_mws.steps.order_lookup import get_orders, order_items
from runsupport import visible_ids

SINCE = "2000-01-01T00:00:00Z"


def _walk(api) -> list:
    """Every page of the sandbox's orders, 25 a page."""
    return list(walk_pages(lambda: api.list_orders(last_updated_after=SINCE, max_results=25),
                           api.list_orders_by_next_token, what="ListOrders"))


def _requests(sb, prefix: str) -> list[dict]:
    return [r for r in sb.requests if (r["action"] or "").startswith(prefix)]


def _many_items(sb) -> dict:
    order = max(sb.orders.values(), key=lambda o: len(o["OrderItems"]))
    assert len(order["OrderItems"]) >= 5, "the seed has no order with three pages of items"
    return order


def test_list_orders_pages_follow_next_token_to_the_end_under_amazons_returned_bound(backend: Harness):
    sb = backend.sandbox
    pages = _walk(backend.orders())
    ids = [o["AmazonOrderId"] for page in pages for o in page.orders]
    bound = pages[0].last_updated_before
    assert len(ids) == len(set(ids)), "an order came on two pages"
    assert set(ids) == visible_ids(sb.orders, SINCE, bound)
    assert len(pages) == math.ceil(len(ids) / 25) >= 3 and all(len(p.orders) <= 25 for p in pages)
    assert all(p.next_token for p in pages[:-1]) and pages[-1].next_token is None
    assert {p.last_updated_before for p in pages} == {bound} and all(p.created_before is None for p in pages)
    # the bound is Amazon's (two minutes behind its clock), the cursor a caller stores
    assert abs(parse_time(bound, "bound") - (sb.now() - timedelta(minutes=2))) < timedelta(seconds=30)
    assert all(p.request_id for p in pages)
    stored = sb.orders
    got = {o["AmazonOrderId"]: o for page in pages for o in page.orders}
    assert {i: o.get("BuyerEmail") for i, o in got.items()} == {i: stored[i].get("BuyerEmail") for i in got}
    assert all(isinstance(o["NumberOfItemsShipped"], int) for o in got.values() if "NumberOfItemsShipped" in o)


def test_a_created_window_returns_its_created_bound(backend: Harness):
    page = backend.orders().list_orders(created_after=SINCE, max_results=100)
    assert page.created_before and page.last_updated_before is None
    purchased = [o["PurchaseDate"] for o in page.orders]
    assert purchased and max(purchased) <= page.created_before


def test_get_orders_in_batches_of_fifty_in_input_order_with_the_unknown_ids_not_found(backend: Harness):
    known = sorted(backend.sandbox.orders)[:63]
    unknown = ["902-0000000-0000001", "902-0000000-0000002"]
    wanted = [unknown[0], *known[:30], known[0], unknown[1], *known[30:]]
    out = get_orders(backend.orders(), wanted)
    assert [o["AmazonOrderId"] for o in out["orders"]] == known
    assert out["notFound"] == unknown
    assert out["orders"][5] == {**out["orders"][5], "OrderStatus": backend.sandbox.orders[known[5]]["OrderStatus"]}


def test_order_items_come_from_every_page(backend: Harness):
    order = _many_items(backend.sandbox)
    items = order_items(backend.orders(), order["AmazonOrderId"])
    assert [i["OrderItemId"] for i in items] == [i["OrderItemId"] for i in order["OrderItems"]]
    assert all(isinstance(i["QuantityOrdered"], int) for i in items)
    assert len(_requests(backend.sandbox, backend.setup.list_items)) == backend.setup.item_requests(len(items))


def test_a_feed_is_submitted_checked_and_its_report_fetched(backend: Harness):
    sb = backend.sandbox
    order = next(o for o in sb.orders.values() if o["OrderStatus"] == "Unshipped")
    message = {"amazonOrderID": order["AmazonOrderId"], "statusCode": "Success",
               "amazonOrderItemCode": order["OrderItems"][0]["OrderItemId"]}
    [doc] = build_feed("updateOrder", {"messages": [message]}, sb.seller_id)
    api = backend.feeds()
    state = job.start(api, doc)
    submission = state["feedSubmissionId"]
    assert submission and state["status"] == "_SUBMITTED_" and state["done"] is False
    assert job.status_of(api, submission)["status"] in ("_SUBMITTED_", "_IN_PROGRESS_", "_DONE_")
    out = job.wait_and_finish(api, state)
    assert (out["feedSubmissionId"], out["status"]) == (submission, "_DONE_")
    assert out["feedType"].strip("_") == "POST_ORDER_ACKNOWLEDGEMENT_DATA"
    report = out["processingReport"]
    assert (report["statusCode"], report["messagesProcessed"], report["messagesSuccessful"]) == ("Complete", 1, 1)
    assert report["messagesWithError"] == 0 and report["results"] == []
    status = job.status_of(api, submission)
    assert status["status"] == "_DONE_" and status["completedProcessingDate"]


def test_a_submit_whose_reply_was_lost_is_found_by_the_backend_and_not_sent_again(backend: Harness):
    """What the feed intents stand on: the backend lists the submission Amazon took (its reply lost), so
    the job continues with it instead of making a second feed."""
    sb = backend.sandbox
    order = next(o for o in sb.orders.values() if o["OrderStatus"] == "Unshipped")
    message = {"amazonOrderID": order["AmazonOrderId"], "statusCode": "Success"}
    [doc] = build_feed("updateOrder", {"messages": [message]}, sb.seller_id)
    api = backend.feeds()
    since = sb.now() - timedelta(minutes=1)
    sb.inject_fault("lost", operation=backend.setup.submit_feed)
    state = intents.submit_once(api, doc, ["contract-lost-reply"])
    sends = [r for r in sb.requests if r["action"] == backend.setup.submit_feed]
    assert len(sends) == 1  # sent once; the reply never came
    found = [i["FeedSubmissionId"] for i in api.submissions_since(doc.feed_type, since)]
    assert found == [state["feedSubmissionId"]]
    assert api.account and api.account == backend.feeds().account  # intents are kept per account


def test_throttling_in_sample_mode_is_throttled_at_once(backend: Harness):
    backend.sandbox.inject_fault("throttle", count=3, operation=backend.setup.list_orders)
    started = time.monotonic()
    with pytest.raises(Throttled):
        backend.orders(sample=True).list_orders(last_updated_after=SINCE)
    assert time.monotonic() - started < 10
    assert len([r for r in backend.sandbox.requests if r["action"] == backend.setup.list_orders]) == 1


def test_a_credential_the_seller_did_not_give_is_access_denied_naming_it(backend: Harness):
    with pytest.raises(AccessDenied):
        backends.orders_api(backend.denied_cfg).list_orders(last_updated_after=SINCE)
    with pytest.raises(CredentialsRejected, match=f"^{backend.setup.denied_field}: "):
        backends.verify_credentials(backend.denied_cfg)
    backends.verify_credentials(backend.cfg)


def test_a_next_token_cycle_is_refused_for_orders_and_items(backend: Harness):
    sb = backend.sandbox
    sb.inject_fault("cycle", operation=backend.setup.list_orders)
    with pytest.raises(PagingLoop, match="ListOrders: NextToken repeated after 4 pages"):
        _walk(backend.orders())  # 5 pages: A -> B -> C -> D -> A
    assert len(_requests(sb, backend.setup.list_orders)) == 5, "the repeated token was followed"
    if not backend.setup.items_paged:
        return
    order = _many_items(sb)
    sb.inject_fault("cycle", operation=backend.setup.list_items)
    with pytest.raises(PagingLoop, match=f"ListOrderItems of {order['AmazonOrderId']}: NextToken repeated"):
        order_items(backend.orders(), order["AmazonOrderId"])


# SP-API answers both with a 404; MWS with InvalidParameterValue on the order id, and by leaving an unknown
# submission out of GetFeedSubmissionList. Every backend raises core's NotFound for both.
@pytest.mark.parametrize("case", ["items of an unknown order", "status of an unknown feed submission"])
def test_something_unknown_is_the_same_error_kind_on_every_backend(sandbox, case):
    kinds = {}
    for name, setup in SETUPS.items():
        harness = Harness(setup, sandbox)
        with pytest.raises(MwsError) as raised:
            if case.startswith("items"):
                order_items(harness.orders(), "902-0000000-0000000")
            else:
                job.status_of(harness.feeds(), "999999999999")
        kinds[name] = type(raised.value).__name__
    assert set(kinds.values()) == {"NotFound"}, kinds


def test_every_backend_and_orders_api_is_in_the_contract(sandbox):
    cfgs = [setup.cfg(sandbox) for setup in SETUPS.values()]
    assert {backends.backend_of(cfg) for cfg in cfgs} == set(backends.BACKENDS)
    sp_orders = {cfg.get("ordersApi") or backends.DEFAULT_SP_ORDERS_API for cfg in cfgs
                 if backends.backend_of(cfg) == backends.SP_API}
    assert sp_orders == set(backends.SP_ORDERS_APIS)


def test_an_orders_api_the_backend_does_not_have_is_refused_naming_the_field(sandbox):
    with pytest.raises(ValueError, match=r"^cfg\.ordersApi: 'v1' is not one of 2026-01-01, v0"):
        backends.orders_api({**sandbox.sp_credentials, "ordersApi": "v1"})
    assert sandbox.requests == []
