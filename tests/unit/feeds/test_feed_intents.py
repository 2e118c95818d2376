"""The intent book's own rules, with a stand-in for Amazon that counts what it is sent."""

from __future__ import annotations

from amazon_mws.feeds import intents
from amazon_mws.feeds.build import build_feed
from amazon_mws.runtime.state import MemoryStateStore

BODY = {"messages": [{"SKU": "SKU-1", "Quantity": 3}]}


class CountingAmazon:
    account = "mws-TEST"

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def submit_feed(self, body, feed_type, **_):
        self.sent.append(body)
        return {"FeedSubmissionId": str(1000 + len(self.sent)), "FeedType": feed_type}

    def submissions_since(self, feed_type, since):
        return [{"FeedSubmissionId": str(1000 + n), "FeedType": feed_type} for n in range(1, len(self.sent) + 1)]


def _submit(api, store, message_id, now):
    [doc] = build_feed("updateItem", BODY, "SELLER")
    settings = intents.IntentSettings(keep_seconds=100)
    return intents.submit_once(api, doc, [message_id], store=store, settings=settings, clock=lambda: now)


def test_intents_older_than_the_keep_time_are_forgotten_when_a_new_one_is_stored():
    api, store = CountingAmazon(), MemoryStateStore()
    _submit(api, store, "m-1", now=1000.0)
    assert _submit(api, store, "m-1", now=1050.0)["feedSubmissionId"] == "1001" and len(api.sent) == 1
    _submit(api, store, "m-2", now=1200.0)  # stored 200 s after m-1: m-1 is past the keep time
    [ns_name] = store._namespaces
    kept = {r["messageIds"][0] for k, r in store.namespace(ns_name).load().items() if k != intents.SLOT}
    assert kept == {"m-2"}


def test_the_intent_key_is_the_input_not_the_order_of_its_message_ids():
    key = intents.intent_key("mws-A", "_POST_INVENTORY_AVAILABILITY_DATA_", "abc", ["m-2", "m-1"])
    assert key == intents.intent_key("mws-A", "_POST_INVENTORY_AVAILABILITY_DATA_", "abc", ["m-1", "m-2"])
    assert key != intents.intent_key("mws-A", "_POST_INVENTORY_AVAILABILITY_DATA_", "abd", ["m-1", "m-2"])
    assert key != intents.intent_key("mws-B", "_POST_INVENTORY_AVAILABILITY_DATA_", "abc", ["m-1", "m-2"])
