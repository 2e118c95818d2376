"""Bad input is refused before anything is sent, with the input path and the rule that failed."""

from __future__ import annotations

import copy

import pytest
from feed_samples import ITEM, MERCHANT, ORDER_ID, VALID

from amazon_mws.feeds.build import build_feed
from amazon_mws.feeds.errors import FeedInputError


def _problems(step, body, **kw):
    with pytest.raises(FeedInputError) as info:
        build_feed(step, body, MERCHANT, **kw)
    return info.value.problems, str(info.value)


def test_enum_error_names_message_index_field_and_allowed_values(with_xsd):
    body = copy.deepcopy(VALID["updateOrder"])
    body["messages"] += [dict(body["messages"][0]) for _ in range(2)]
    body["messages"][3]["statusCode"] = "Shipped"
    problems, text = _problems("updateOrder", body)
    assert problems == ["messages[3].statusCode: 'Shipped' is not one of ['Success', 'Failure']"]
    assert text.startswith("invalid feed input, nothing was sent: messages[3].statusCode")


def test_every_problem_of_every_message_is_listed_in_order(without_xsd):
    msgs = [{"SKU": f"S{i}", "Quantity": i} for i in range(12)]
    msgs[2] = {"SKU": "", "Quantity": -1}
    msgs[10] = {"Quantity": "7"}
    problems, _ = _problems("updateItem", {"messages": msgs})
    assert [p.split(":")[0] for p in problems] == [
        "messages[2].Quantity",
        "messages[2].SKU",
        "messages[10].Quantity",
        "messages[10].SKU",
    ]
    assert "'SKU' is a required property" in problems[3]
    assert "is less than the minimum of 0" in problems[0]


def test_patterns_and_string_ids(without_xsd):
    body = {
        "messages": [
            {
                "amazonOrderID": ORDER_ID,
                "statusCode": "Success",
                "amazonOrderItemCode": "123",
                "merchantOrderID": 1234567,
            }
        ]
    }
    problems, _ = _problems("updateOrder", body)
    assert any(p.startswith("messages[0].amazonOrderItemCode: '123' does not match") for p in problems)
    assert any(p.startswith("messages[0].merchantOrderID: 1234567 is not of type 'string'") for p in problems)


def test_unknown_fields_and_empty_inputs_are_refused(without_xsd):
    problems, _ = _problems("updateItem", {"messages": [{"SKU": "A", "Quantity": 1, "Qty": 2}]})
    assert problems[0].startswith("messages[0]: Additional properties are not allowed ('Qty' was unexpected)")
    problems, _ = _problems("updateItem", {"messages": []})
    assert problems == ["messages: [] should be non-empty"]
    problems, _ = _problems("updateItem", {})
    assert problems == ["messages: 'messages' is a required property"]


def test_cross_field_rules_draft3_cannot_say(without_xsd):
    problems, _ = _problems(
        "submitInventory", {"messages": [{"SKU": "A"}, {"SKU": "B", "Quantity": 1, "Available": True}]}
    )
    assert problems == [
        "messages[0]: exactly one of Quantity, Available, Lookup is required",
        "messages[1]: exactly one of Quantity, Available, Lookup is required (got Available, Quantity)",
    ]
    problems, _ = _problems(
        "shipOrder",
        {
            "messages": [
                {
                    "fulfillmentDate": "2024-01-02T10:00:00Z",
                    "amazonOrderID": ORDER_ID,
                    "merchantOrderID": "M",
                    "shippingMethod": "Ground",
                }
            ]
        },
    )
    assert "messages[0]: exactly one of amazonOrderID, merchantOrderID is required" in problems
    assert "messages[0]: carrierCode or carrierName is required with shipping details" in problems
    problems, _ = _problems("changeProductImage", {"messages": [{"sku": "A", "imageType": "Main"}]})
    assert problems == ["messages[0].imageLocation: is required unless the operation is Delete"]
    problems, _ = _problems(
        "adjustOrder", {"messages": [{"amazonOrderID": ORDER_ID, "items": [{"adjustmentReason": "Other"}]}]}
    )
    assert problems == [
        "messages[0].items[0]: exactly one of amazonOrderItemCode, merchantOrderItemID is required"
    ]


def test_xsd_errors_are_mapped_back_to_input_fields(with_xsd):
    """Values the JSON Schema lets through but Amazon's XSD refuses: reported in input terms."""
    ship = copy.deepcopy(VALID["shipOrder"])
    ship["messages"][1]["merchantFulfillmentID"] = "0"  # IDNumber is a positiveInteger
    price = copy.deepcopy(VALID["changeProductPrice"])
    price["messages"][1]["Sale"] = {
        "StartDate": "2024-13-45T00:00:00Z",
        "EndDate": "2024-02-01T00:00:00Z",
        "SalePrice": {"Amount": "1", "CurrencyCode": "USD"},
    }
    problems, _ = _problems("shipOrder", ship)
    assert len(problems) == 1 and problems[0].startswith("messages[1].merchantFulfillmentID: ")
    assert "MerchantFulfillmentID" in problems[0] and "'0'" in problems[0]
    problems, _ = _problems("changeProductPrice", price)
    assert len(problems) == 1 and problems[0].startswith("messages[1].Sale.StartDate: ")
    assert "dateTime" in problems[0]


def test_xsd_errors_without_the_xsds_are_not_raised_but_logged(without_xsd, caplog):
    import amazon_mws.feeds.xsd as xsd

    xsd._warned_missing = False
    ship = copy.deepcopy(VALID["shipOrder"])
    ship["messages"][1]["merchantFulfillmentID"] = "0"
    with caplog.at_level("WARNING"):
        docs = build_feed("shipOrder", ship, MERCHANT)
    assert docs and "AMAZON_XSD_DIR" in caplog.text


def test_merchant_identifier_is_required():
    with pytest.raises(FeedInputError, match="sellerId: is required"):
        build_feed("updateItem", VALID["updateItem"], "")


def test_item_code_in_shipments_checked(without_xsd):
    body = {
        "messages": [
            {
                "amazonOrderID": ORDER_ID,
                "fulfillmentDate": "2024-01-02T10:00:00Z",
                "carrierCode": "Pigeon",
                "items": [{"amazonOrderItemCode": ITEM, "quantity": 0}],
            }
        ]
    }
    problems, _ = _problems("shipOrder", body)
    assert problems[0].startswith("messages[0].carrierCode: 'Pigeon' is not one of ['USPS', 'UPS'")
    assert problems[1] == "messages[0].items[0].quantity: 0 is less than the minimum of 1"
