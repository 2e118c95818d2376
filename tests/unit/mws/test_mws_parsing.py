"""Typed parsing: every real sample and official mock parses; pinned results for several; hardening."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from mws_unit_data import MOCKS, SAMPLES, sample

from amazon_mws.core.model import DATATYPES, ListOf, Many, parse_document, to_json
from amazon_mws.core.reports import parse_processing_report
from amazon_mws.core.xml import XmlError, child, parse_xml

ALL_XML = sorted(SAMPLES.glob("*.xml")) + sorted(MOCKS.glob("*/*.xml"))


def _walk_types(value, path=""):
    """Yield (path, value) for every leaf."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk_types(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk_types(v, f"{path}[{i}]")
    else:
        yield path, value


def test_there_are_samples() -> None:
    assert len(ALL_XML) >= 35


@pytest.mark.parametrize("path", ALL_XML, ids=lambda p: p.name)
def test_every_sample_parses_typed(path: Path) -> None:
    doc = parse_document(path.read_bytes())
    ((root_name, body),) = doc.items()
    assert isinstance(body, dict) and body
    for leaf_path, value in _walk_types(body):
        name = leaf_path.rsplit("/", 1)[-1].split("[")[0]
        if name in (
            "QuantityOrdered",
            "NumberOfItemsShipped",
            "NumberOfItemsUnshipped",
            "Count",
            "MessageID",
            "MessagesProcessed",
            "ResultMessageCode",
            "PointsNumber",
            "NumberOfItems",
        ):
            assert isinstance(value, int) and not isinstance(value, bool), (leaf_path, value)
        if name.startswith("Is") or name in ("HasNext", "ShippedByAmazonTFM", "isAddressSharingConfidential"):
            assert isinstance(value, bool), (leaf_path, value)
        if name == "Amount":
            assert isinstance(value, str)


def test_lists_are_always_lists() -> None:
    one = parse_document(sample("CancelFeedSubmissions.peddler-2020-10-12-AU.xml"))
    infos = one["CancelFeedSubmissionsResponse"]["CancelFeedSubmissionsResult"]["FeedSubmissionInfo"]
    assert isinstance(infos, list) and len(infos) == 1
    empty = parse_document(sample("GetOrder.peddler-2020-10-13-empty.xml"))
    assert empty["GetOrderResponse"]["GetOrderResult"]["Orders"] == []
    items = parse_document(sample("ListOrderItems.docexample.eolabs.xml"))
    second = items["ListOrderItemsResponse"]["ListOrderItemsResult"]["OrderItems"][1]
    assert second["PromotionIds"] == ["FREESHIP"]
    report = parse_document(sample("GetFeedSubmissionResult.ProcessingReport.error-18021.spree-2013.xml"))
    assert isinstance(report["AmazonEnvelope"]["Message"][0]["ProcessingReport"]["Result"], list)


def test_wrappers_of_the_model_are_declared() -> None:
    order = DATATYPES["Order"]
    assert order["PaymentMethodDetails"] == ListOf("str")
    assert order["PaymentExecutionDetail"] == ListOf("PaymentExecutionDetailItem")
    assert DATATYPES["OrderItem"]["PromotionIds"] == ListOf("str")
    assert DATATYPES["FeedSubmissionListResult"]["FeedSubmissionInfo"] == Many("FeedSubmissionInfo")
    for name in (
        "Order",
        "OrderItem",
        "Address",
        "Money",
        "PaymentExecutionDetailItem",
        "PointsGranted",
        "InvoiceData",
        "BuyerTaxInfo",
        "TaxClassification",
        "FeedSubmissionInfo",
        "ProcessingReport",
    ):
        assert name in DATATYPES


PINNED_ORDER = {
    "LatestShipDate": "2020-08-22T15:59:59Z",
    "OrderType": "StandardOrder",
    "PurchaseDate": "2020-08-18T06:51:23.213Z",
    "AmazonOrderId": "FILTERED",
    "BuyerEmail": "FILTERED",
    "LastUpdateDate": "2020-09-03T12:05:18.859Z",
    "IsReplacementOrder": False,
    "NumberOfItemsShipped": 1,
    "ShipServiceLevel": "std-6-sg",
    "OrderStatus": "Shipped",
    "SalesChannel": "Amazon.sg",
    "ShippedByAmazonTFM": False,
    "IsBusinessOrder": False,
    "NumberOfItemsUnshipped": 0,
    "LatestDeliveryDate": "2020-09-09T15:59:59Z",
    "PaymentMethodDetails": ["CreditCard"],
    "IsGlobalExpressEnabled": False,
    "IsSoldByAB": False,
    "BuyerName": "FILTERED",
    "EarliestDeliveryDate": "2020-09-03T16:00:00Z",
    "IsPremiumOrder": False,
    "OrderTotal": {"Amount": "FILTERED", "CurrencyCode": "SGD"},
    "EarliestShipDate": "2020-08-20T16:00:00Z",
    "MarketplaceId": "A19VAU5U5O7RUS",
    "FulfillmentChannel": "MFN",
    "PaymentMethod": "Other",
    "ShippingAddress": {
        "City": "FILTERED",
        "PostalCode": "FILTERED",
        "isAddressSharingConfidential": False,
        "CountryCode": "SG",
        "Name": "FILTERED",
        "AddressLine1": "FILTERED",
    },
    "IsISPU": False,
    "IsPrime": False,
    "ShipmentServiceLevelCategory": "Standard",
}


def test_pinned_order() -> None:
    doc = parse_document(sample("GetOrder.peddler-2020-10-13-SG.xml"))
    orders = doc["GetOrderResponse"]["GetOrderResult"]["Orders"]
    assert len(orders) == 5
    assert orders[1] == PINNED_ORDER
    assert doc["GetOrderResponse"]["ResponseMetadata"] == {
        "RequestId": "bcfb0614-6822-407a-99a6-8e2124aabe95"
    }


PINNED_ITEM = {
    "ASIN": "BT0093TELA",
    "OrderItemId": "68828574383266",
    "BuyerCustomizedInfo": {
        "CustomizedURL": "https://zme-caps.amazon.com/t/bR6qHkzSOxuB/J8nbWhze0Bd3DkajkOdY-XQbWkFralegp2sr_QZiKEE/1"
    },
    "SellerSKU": "CBA_OTF_1",
    "Title": "Example item name",
    "QuantityOrdered": 1,
    "QuantityShipped": 1,
    "ProductInfo": {"NumberOfItems": 12},
    "PointsGranted": {"PointsNumber": 10, "PointsMonetaryValue": {"CurrencyCode": "JPY", "Amount": "10.00"}},
    "ItemPrice": {"CurrencyCode": "JPY", "Amount": "25.99"},
    "ShippingPrice": {"CurrencyCode": "JPY", "Amount": "1.26"},
    "ShippingDiscount": {"CurrencyCode": "JPY", "Amount": "1.91"},
    "ShippingDiscountTax": {"CurrencyCode": "JPY", "Amount": "0.01"},
    "ScheduledDeliveryEndDate": "2013-09-09T01:30:00.000-06:00",
    "ScheduledDeliveryStartDate": "2013-09-07T02:00:00.000-06:00",
    "CODFee": {"CurrencyCode": "JPY", "Amount": "10.01"},
    "CODFeeDiscount": {"CurrencyCode": "JPY", "Amount": "1.00"},
    "IsGift": False,
    "IsTransparency": True,
    "GiftMessageText": "For you!",
    "GiftWrapPrice": {"CurrencyCode": "JPY", "Amount": "1.99"},
    "GiftWrapTax": {"CurrencyCode": "JPY", "Amount": "1.90"},
    "GiftWrapLevel": "Classic",
    "PriceDesignation": "BusinessPrice",
    "PromotionDiscount": {"CurrencyCode": "JPY", "Amount": "11.90"},
    "PromotionDiscountTax": {"CurrencyCode": "USD", "Amount": "0.09"},
    "TaxCollection": {"Model": "MarketplaceFacilitator", "ResponsibleParty": "Amazon Services, Inc."},
    "ItemTax": {"CurrencyCode": "USD", "Amount": "0.99"},
    "ShippingTax": {"CurrencyCode": "EUR", "Amount": "0.89"},
}


def test_pinned_order_item() -> None:
    doc = parse_document(sample("ListOrderItems.docexample.eolabs.xml"))
    result = doc["ListOrderItemsResponse"]["ListOrderItemsResult"]
    assert result["AmazonOrderId"] == "058-1233752-8214740"
    assert result["OrderItems"][0] == PINNED_ITEM


def test_pinned_feed_submission_info() -> None:
    doc = parse_document(sample("GetFeedSubmissionList.peddler-2020-10-12-EU-nexttoken.xml"))
    result = doc["GetFeedSubmissionListResponse"]["GetFeedSubmissionListResult"]
    assert result["HasNext"] is True
    assert result["NextToken"].startswith("tONyWHr7s6v2")
    assert len(result["FeedSubmissionInfo"]) == 10
    assert result["FeedSubmissionInfo"][1] == {
        "FeedProcessingStatus": "_DONE_",
        "FeedType": "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_",
        "FeedSubmissionId": "392435018547",
        "StartedProcessingDate": "2020-10-12T11:12:06+00:00",
        "SubmittedDate": "2020-10-12T11:12:00+00:00",
        "CompletedProcessingDate": "2020-10-12T11:15:23+00:00",
    }


def test_pinned_processing_report_typed_and_contract() -> None:
    raw = sample("GetFeedSubmissionResult.ProcessingReport.error-18021.spree-2013.xml")
    doc = parse_document(raw)
    report = doc["AmazonEnvelope"]["Message"][0]["ProcessingReport"]
    assert report["ProcessingSummary"] == {
        "MessagesProcessed": 1,
        "MessagesSuccessful": 0,
        "MessagesWithError": 1,
        "MessagesWithWarning": 0,
    }
    description = (
        "The quantities you provided for order id (103-6652650-4045858) were larger than the quantities that "
        "could be fulfilled. Please review the quantity from the order report and take into account any "
        "items that have been cancelled or already fulfilled."
    )
    assert parse_processing_report(raw) == {
        "documentTransactionId": "8252984128",
        "statusCode": "Complete",
        "messagesProcessed": 1,
        "messagesSuccessful": 0,
        "messagesWithError": 1,
        "messagesWithWarning": 0,
        "results": [
            {
                "messageId": 1,
                "resultCode": "Error",
                "resultMessageCode": 18021,
                "resultDescription": description,
                "additionalInfo": {"AmazonOrderID": "103-6652650-4045858"},
            }
        ],
    }


@pytest.mark.parametrize(
    "name",
    [
        "GetFeedSubmissionResult.ProcessingReport.success.spree-2013.xml",
        "GetFeedSubmissionResult.ProcessingReport.scaleleap-2020-06-25-CA.xml",
    ],
)
def test_success_reports(name: str) -> None:
    report = parse_processing_report(sample(name))
    assert report["statusCode"] == "Complete"
    assert report["messagesProcessed"] == report["messagesSuccessful"] == 1
    assert report["messagesWithError"] == 0
    assert report["results"] == [] or all(r["resultCode"] != "Error" for r in report["results"])


def test_report_parser_refuses_a_non_report() -> None:
    with pytest.raises(XmlError, match="no ProcessingReport"):
        parse_processing_report(sample("SubmitFeed.spree-2013-10-22.xml"))


def test_unknown_elements_are_kept() -> None:
    xml = (
        b'<Order xmlns="urn:x"><AmazonOrderId>1</AmazonOrderId><NewThing>v</NewThing>'
        b"<NewGroup><A>1</A><A>2</A><B/></NewGroup><Rep>x</Rep><Rep>y</Rep><Rep>z</Rep></Order>"
    )
    typed = to_json(parse_xml(xml), "Order")
    assert typed == {
        "AmazonOrderId": "1",
        "NewThing": "v",
        "NewGroup": {"A": ["1", "2"], "B": ""},
        "Rep": ["x", "y", "z"],
    }


def test_namespace_agnostic() -> None:
    plain = b"<Money><CurrencyCode>EUR</CurrencyCode><Amount>1.50</Amount></Money>"
    spaced = b'<m:Money xmlns:m="urn:a"><m:CurrencyCode>EUR</m:CurrencyCode><Amount>1.50</Amount></m:Money>'
    assert (
        to_json(parse_xml(plain), "Money")
        == to_json(parse_xml(spaced), "Money")
        == {"CurrencyCode": "EUR", "Amount": "1.50"}
    )


# -- hardening -----------------------------------------------------------------------------------------


def test_external_entity_to_a_local_file_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<ListOrdersResponse><ListOrdersResult><NextToken>&x;</NextToken></ListOrdersResult></ListOrdersResponse>"
    ).encode()
    before = secret.stat().st_atime_ns
    with pytest.raises(XmlError, match="entities") as info:
        parse_document(xxe)
    assert "TOP-SECRET" not in str(info.value)
    assert secret.stat().st_atime_ns == before


def test_billion_laughs_is_refused_quickly() -> None:
    lol = ['<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">']
    lol.append('<!ENTITY lol1 "' + "&lol;" * 10 + '">')
    for i in range(2, 10):
        lol.append(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">')
    lol.append("]><lolz>&lol9;</lolz>")
    started = time.perf_counter()
    with pytest.raises(XmlError, match="entities"):
        parse_xml("".join(lol).encode())
    assert time.perf_counter() - started < 1.0


def test_oversized_and_malformed_are_refused() -> None:
    with pytest.raises(XmlError, match="limit"):
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1000)
    with pytest.raises(XmlError, match="malformed"):
        parse_xml(b"<ListOrdersResponse><unclosed></ListOrdersResponse>")
    with pytest.raises(XmlError, match="empty"):
        parse_xml(b"   ")


def test_doctype_pointing_at_the_network_is_not_fetched() -> None:
    with pytest.raises(XmlError, match="network"):
        parse_xml(b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/never.dtd"><r><a>1</a></r>')


def test_doctype_without_entities_or_external_id_is_allowed() -> None:
    root = parse_xml(b"<!DOCTYPE r><r><a>1</a></r>")
    assert child(root, "a").text == "1"
