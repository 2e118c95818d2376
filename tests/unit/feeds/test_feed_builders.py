"""JSON in -> XML that Amazon's XSD accepts, with the envelope and element order Amazon requires."""

from __future__ import annotations

import pytest
from feed_samples import ITEM, MERCHANT, MESSAGE_TYPES, ORDER_ID, VALID, assert_valid, canonical
from lxml import etree

from amazon_mws.feeds.build import build_feed
from amazon_mws.feeds.kinds import KINDS


@pytest.mark.parametrize("step", sorted(VALID))
def test_every_feed_type_validates_against_the_envelope_xsd(step, with_xsd, envelope_xsd):
    docs = build_feed(step, VALID[step], MERCHANT)
    assert len(docs) == 1
    doc = docs[0]
    root = assert_valid(envelope_xsd, doc.xml)
    assert doc.feed_type == KINDS[step].feed_type
    assert root.findtext("Header/MerchantIdentifier") == MERCHANT
    assert root.findtext("MessageType") == MESSAGE_TYPES[step]
    ids = [m.findtext("MessageID") for m in root.findall("Message")]
    assert ids == [str(i) for i in range(1, len(VALID[step]["messages"]) + 1)]
    assert doc.message_index == {i + 1: i for i in range(len(ids))}


@pytest.mark.parametrize("step", sorted(VALID))
def test_builds_without_xsds_too(step, without_xsd, envelope_xsd, caplog):
    """No AMAZON_XSD_DIR: the JSON Schemas still check; the XML is the same and still valid."""
    docs = build_feed(step, VALID[step], MERCHANT)
    assert_valid(envelope_xsd, docs[0].xml)


def test_acknowledgement_matches_the_hand_written_example(amazon_dir, with_xsd):
    body = {
        "messages": [
            {
                "amazonOrderID": ORDER_ID,
                "merchantOrderID": "1234567",
                "statusCode": "Success",
                "amazonOrderItemCode": ITEM,
                "merchantOrderItemID": "1234567",
            }
        ]
    }
    xml = build_feed("updateOrder", body, MERCHANT)[0].xml
    expected = (amazon_dir / "feed-examples" / "OrderAcknowledgement.minimal.xml").read_bytes()
    assert canonical(xml) == canonical(expected)


def test_fulfillment_matches_the_hand_written_example(amazon_dir):
    body = {
        "messages": [
            {
                "amazonOrderID": ORDER_ID,
                "fulfillmentDate": "2020-01-02T10:00:00Z",
                "carrierCode": "UPS",
                "shippingMethod": "Ground",
                "shipperTrackingNumber": "1Z9999999999999999",
                "items": [{"amazonOrderItemCode": ITEM, "quantity": 1}],
            }
        ]
    }
    xml = build_feed("shipOrder", body, MERCHANT)[0].xml
    expected = (amazon_dir / "feed-examples" / "OrderFulfillment.minimal.xml").read_bytes()
    assert canonical(xml) == canonical(expected)


def test_inventory_and_price_match_the_hand_written_examples(amazon_dir):
    inv = build_feed(
        "submitInventory", {"messages": [{"SKU": "SKU-1", "Quantity": 10, "FulfillmentLatency": 2}]}, MERCHANT
    )[0].xml
    assert canonical(inv) == canonical((amazon_dir / "feed-examples" / "Inventory.minimal.xml").read_bytes())
    price = build_feed(
        "changeProductPrice",
        {"messages": [{"SKU": "SKU-1", "StandardPrice": {"Amount": "19.99", "CurrencyCode": "USD"}}]},
        MERCHANT,
    )[0].xml
    assert canonical(price) == canonical((amazon_dir / "feed-examples" / "Price.minimal.xml").read_bytes())


def test_element_order_follows_the_xsd_not_the_json(with_xsd, envelope_xsd):
    """JSON key order is arbitrary; XSD sequences are not."""
    msg = {
        "shipperTrackingNumber": "T1",
        "items": [{"quantity": 2, "amazonOrderItemCode": ITEM}],
        "carrierCode": "DHL",
        "fulfillmentDate": "2024-01-02T10:00:00Z",
        "amazonOrderID": ORDER_ID,
    }
    root = assert_valid(envelope_xsd, build_feed("shipOrder", {"messages": [msg]}, MERCHANT)[0].xml)
    fulfillment = root.find("Message/OrderFulfillment")
    assert [c.tag for c in fulfillment] == ["AmazonOrderID", "FulfillmentDate", "FulfillmentData", "Item"]
    assert [c.tag for c in fulfillment.find("Item")] == ["AmazonOrderItemCode", "Quantity"]


def test_operation_types(with_xsd):
    root = etree.fromstring(build_feed("changeProductImage", VALID["changeProductImage"], MERCHANT)[0].xml)
    assert [m.findtext("OperationType") for m in root.findall("Message")] == ["Update", "Delete"]
    assert root.find("Message[2]/ProductImage/ImageLocation") is None
    inv = etree.fromstring(build_feed("submitInventory", VALID["submitInventory"], MERCHANT)[0].xml)
    assert [m.findtext("OperationType") for m in inv.findall("Message")] == [
        "Update",
        "Update",
        "PartialUpdate",
    ]
    ack = etree.fromstring(build_feed("updateOrder", VALID["updateOrder"], MERCHANT)[0].xml)
    assert ack.find("Message/OperationType") is None  # OrderAcknowledgement has none
    rel = build_feed(
        "establishProductRelationships",
        VALID["establishProductRelationships"],
        MERCHANT,
        options={"operation": "Delete"},
    )[0].xml
    assert etree.fromstring(rel).findtext("Message/OperationType") == "Delete"


def test_price_tiers_and_currency_attributes(with_xsd):
    root = etree.fromstring(build_feed("changeProductPrice", VALID["changeProductPrice"], MERCHANT)[0].xml)
    price = root.find("Message/Price")
    assert price.find("StandardPrice").get("currency") == "USD"
    assert price.findtext("QuantityPrice/QuantityPrice2") == "10"
    assert price.findtext("QuantityPrice/QuantityLowerBound2") == "10"
    assert price.find("Sale/SalePrice").text == "15.00"


def test_adjustment_currency_defaults_to_the_item_currency(with_xsd):
    root = etree.fromstring(build_feed("adjustOrder", VALID["adjustOrder"], MERCHANT)[0].xml)
    amounts = root.findall(".//Amount")
    assert [a.get("currency") for a in amounts] == ["USD", "USD", "EUR"]


def test_many_messages_one_feed_and_the_split_guidance(with_xsd, envelope_xsd):
    body = {"messages": [{"SKU": f"SKU-{i}", "Quantity": i} for i in range(7)]}
    assert len(build_feed("updateItem", body, MERCHANT)) == 1
    docs = build_feed("updateItem", body, MERCHANT, max_messages=3)
    assert [d.message_count for d in docs] == [3, 3, 1]
    assert docs[2].message_index == {1: 6}
    for doc in docs:
        assert_valid(envelope_xsd, doc.xml)
    by_size = build_feed("updateItem", body, MERCHANT, max_bytes=1200)
    assert len(by_size) > 1 and sum(d.message_count for d in by_size) == 7
    assert all(len(d.xml) <= 1200 for d in by_size)
