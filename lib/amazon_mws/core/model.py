"""The declared model of Amazon's MWS datatypes, and the one-pass conversion of XML into typed JSON.

Why a model: a generic XML-to-dict turns `<NumberOfItemsShipped>1</...>` into the string "1" and
an `<Orders>` holding one `<Order>` into a dict instead of a list, so every consumer re-guesses types
and shapes. Here each datatype declares its fields once (from the Orders 2013-09-01 reference,
../shared/seeds/mws-orders-api-2013-09-01-reference.txt, the Feeds 2009-01-01 client models and
ProcessingReport.xsd) and the converter applies it:

- scalars: `STR` (stripped text; dates stay Amazon's ISO strings, `Amount` stays the decimal string),
  `INT` (xs:int -> int), `BOOL` (xs:boolean -> bool);
- a datatype name (`"Money"`, `"Address"`, ...): a nested object typed by that datatype;
- `ListOf(kind)`: a wrapper whose children are the items (`Orders/Order`, `OrderItems/OrderItem`,
  `PromotionIds/PromotionId`, `PaymentMethodDetails/PaymentMethodDetail`,
  `PaymentExecutionDetail/PaymentExecutionDetailItem`): always a list, empty wrapper = `[]`;
- `Many(kind)`: an element that repeats in place (`FeedSubmissionInfo` in a list result, `Result` in
  a ProcessingReport): always a list, one occurrence = a list of one.

Elements the model does not know are kept, not dropped: a leaf as its string, a subtree as an
untyped object (repeated siblings become lists). Namespaces are ignored (MWS answers in several).
The conversion is a single walk over lxml's tree with one dict lookup per element: each datatype's
field table also remembers the namespaced tags it has met (`{ns}Order` -> Order's spec), so no tag is
split twice and the common kinds (text, nested datatype, wrapped list) are handled inline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from lxml import etree

from amazon_mws.core.xml import _LOCAL, local_name, parse_xml

STR = "str"
INT = "int"
BOOL = "bool"


class ListOf(NamedTuple):
    item: Kind


class Many(NamedTuple):
    item: Kind


Kind = str | ListOf | Many

_MONEY_FIELDS = [
    *("OrderTotal", "ItemPrice", "ShippingPrice", "GiftWrapPrice", "ItemTax", "ShippingTax", "GiftWrapTax"),
    *("ShippingDiscount", "ShippingDiscountTax", "PromotionDiscount", "PromotionDiscountTax", "CODFee"),
    *("CODFeeDiscount", "Payment", "PointsMonetaryValue"),
]

DATATYPES: dict[str, dict[str, Kind]] = {
    # -- Orders 2013-09-01 -------------------------------------------------------------------------
    "Money": {"CurrencyCode": STR, "Amount": STR},
    "Address": {
        "Name": STR,
        "AddressLine1": STR,
        "AddressLine2": STR,
        "AddressLine3": STR,
        "City": STR,
        "County": STR,
        "District": STR,
        "StateOrRegion": STR,
        "PostalCode": STR,
        "CountryCode": STR,
        "Phone": STR,
        "AddressType": STR,
        "isAddressSharingConfidential": BOOL,
    },
    "PaymentExecutionDetailItem": {"Payment": "Money", "PaymentMethod": STR},
    "TaxClassification": {"Name": STR, "Value": STR},
    "BuyerTaxInfo": {
        "CompanyLegalName": STR,
        "TaxingRegion": STR,
        "TaxClassifications": ListOf("TaxClassification"),
    },
    "MarketplaceTaxInfo": {"TaxClassifications": ListOf("TaxClassification")},
    "FulfillmentInstruction": {"FulfillmentSupplySourceId": STR},
    "Order": {
        "AmazonOrderId": STR,
        "SellerOrderId": STR,
        "PurchaseDate": STR,
        "LastUpdateDate": STR,
        "OrderStatus": STR,
        "FulfillmentChannel": STR,
        "SalesChannel": STR,
        "OrderChannel": STR,
        "ShipServiceLevel": STR,
        "ShippingAddress": "Address",
        "OrderTotal": "Money",
        "NumberOfItemsShipped": INT,
        "NumberOfItemsUnshipped": INT,
        "PaymentExecutionDetail": ListOf("PaymentExecutionDetailItem"),
        "PaymentMethod": STR,
        "PaymentMethodDetails": ListOf(STR),
        "MarketplaceId": STR,
        "BuyerEmail": STR,
        "BuyerName": STR,
        "BuyerCounty": STR,
        "BuyerTaxInfo": "BuyerTaxInfo",
        "MarketplaceTaxInfo": "MarketplaceTaxInfo",
        "ShipmentServiceLevelCategory": STR,
        "EasyShipShipmentStatus": STR,
        "ShippedByAmazonTFM": BOOL,
        "TFMShipmentStatus": STR,
        "CbaDisplayableShippingLabel": STR,
        "OrderType": STR,
        "EarliestShipDate": STR,
        "LatestShipDate": STR,
        "EarliestDeliveryDate": STR,
        "LatestDeliveryDate": STR,
        "IsBusinessOrder": BOOL,
        "IsPrime": BOOL,
        "IsPremiumOrder": BOOL,
        "IsGlobalExpressEnabled": BOOL,
        "IsReplacementOrder": BOOL,
        "ReplacedOrderId": STR,
        "IsSoldByAB": BOOL,
        "IsISPU": BOOL,
        "IsAccessPointOrder": BOOL,
        "IsEstimatedShipDateSet": BOOL,
        "PurchaseOrderNumber": STR,
        "PromiseResponseDueDate": STR,
        "SellerDisplayName": STR,
        "DefaultShipFromLocationAddress": "Address",
        "FulfillmentInstruction": "FulfillmentInstruction",
    },
    "PointsGranted": {"PointsNumber": INT, "PointsMonetaryValue": "Money"},
    "InvoiceData": {
        "InvoiceRequirement": STR,
        "BuyerSelectedInvoiceCategory": STR,
        "InvoiceTitle": STR,
        "InvoiceInformation": STR,
    },
    "ProductInfo": {"NumberOfItems": INT},
    "TaxCollection": {"Model": STR, "ResponsibleParty": STR},
    "BuyerCustomizedInfo": {"CustomizedURL": STR},
    "OrderItem": {
        "ASIN": STR,
        "SellerSKU": STR,
        "OrderItemId": STR,
        "Title": STR,
        "QuantityOrdered": INT,
        "QuantityShipped": INT,
        "ProductInfo": "ProductInfo",
        "PointsGranted": "PointsGranted",
        **{name: "Money" for name in _MONEY_FIELDS if name not in ("OrderTotal", "Payment")},
        "PromotionIds": ListOf(STR),
        "GiftMessageText": STR,
        "GiftWrapLevel": STR,
        "InvoiceData": "InvoiceData",
        "ConditionNote": STR,
        "ConditionId": STR,
        "ConditionSubtypeId": STR,
        "ScheduledDeliveryStartDate": STR,
        "ScheduledDeliveryEndDate": STR,
        "PriceDesignation": STR,
        "IsGift": BOOL,
        "IsTransparency": BOOL,
        "SerialNumberRequired": BOOL,
        "TaxCollection": "TaxCollection",
        "BuyerCustomizedInfo": "BuyerCustomizedInfo",
        "IossNumber": STR,
        "StoreChainStoreId": STR,
        "DeemedResellerCategory": STR,
    },
    "ServiceMessage": {"Locale": STR, "Text": STR},
    # -- Feeds 2009-01-01 ---------------------------------------------------------------------------
    "FeedSubmissionInfo": {
        "FeedSubmissionId": STR,
        "FeedType": STR,
        "SubmittedDate": STR,
        "FeedProcessingStatus": STR,
        "StartedProcessingDate": STR,
        "CompletedProcessingDate": STR,
    },
    # -- ProcessingReport (ProcessingReport.xsd inside an AmazonEnvelope) ---------------------------
    "ProcessingSummary": {
        "MessagesProcessed": INT,
        "MessagesSuccessful": INT,
        "MessagesWithError": INT,
        "MessagesWithWarning": INT,
    },
    "AdditionalInfo": {
        "SKU": STR,
        "FulfillmentCenterID": STR,
        "AmazonOrderID": STR,
        "AmazonOrderItemCode": STR,
    },
    "ProcessingResult": {
        "MessageID": INT,
        "ResultCode": STR,
        "ResultMessageCode": INT,
        "ResultDescription": STR,
        "AdditionalInfo": "AdditionalInfo",
    },
    "ProcessingReport": {
        "DocumentTransactionID": STR,
        "StatusCode": STR,
        "ProcessingSummary": "ProcessingSummary",
        "Result": Many("ProcessingResult"),
    },
    "EnvelopeHeader": {"DocumentVersion": STR, "MerchantIdentifier": STR},
    "EnvelopeMessage": {"MessageID": INT, "ProcessingReport": "ProcessingReport"},
    "AmazonEnvelope": {"Header": "EnvelopeHeader", "MessageType": STR, "Message": Many("EnvelopeMessage")},
    # -- Results and envelopes of the operations ----------------------------------------------------
    "OrdersResult": {
        "NextToken": STR,
        "LastUpdatedBefore": STR,
        "CreatedBefore": STR,
        "Orders": ListOf("Order"),
    },
    "OrderItemsResult": {"NextToken": STR, "AmazonOrderId": STR, "OrderItems": ListOf("OrderItem")},
    "GetServiceStatusResult": {
        "Status": STR,
        "Timestamp": STR,
        "MessageId": STR,
        "Messages": ListOf("ServiceMessage"),
    },
    "SubmitFeedResult": {"FeedSubmissionInfo": "FeedSubmissionInfo"},
    "FeedSubmissionListResult": {
        "NextToken": STR,
        "HasNext": BOOL,
        "FeedSubmissionInfo": Many("FeedSubmissionInfo"),
    },
    "GetFeedSubmissionCountResult": {"Count": INT},
    "CancelFeedSubmissionsResult": {"Count": INT, "FeedSubmissionInfo": Many("FeedSubmissionInfo")},
    "ResponseMetadata": {"RequestId": STR},
    "Error": {"Type": STR, "Code": STR, "Message": STR},
    "ErrorResponse": {"Error": Many("Error"), "RequestId": STR, "RequestID": STR},
}

# operation result element -> its datatype
RESULTS: dict[str, str] = {
    "ListOrdersResult": "OrdersResult",
    "ListOrdersByNextTokenResult": "OrdersResult",
    "GetOrderResult": "OrdersResult",
    "ListOrderItemsResult": "OrderItemsResult",
    "ListOrderItemsByNextTokenResult": "OrderItemsResult",
    "GetServiceStatusResult": "GetServiceStatusResult",
    "SubmitFeedResult": "SubmitFeedResult",
    "GetFeedSubmissionListResult": "FeedSubmissionListResult",
    "GetFeedSubmissionListByNextTokenResult": "FeedSubmissionListResult",
    "GetFeedSubmissionCountResult": "GetFeedSubmissionCountResult",
    "CancelFeedSubmissionsResult": "CancelFeedSubmissionsResult",
    "GetFeedSubmissionResultResult": "ResponseMetadata",  # the official mock's empty result element
}

for _result, _type in RESULTS.items():
    DATATYPES[_result.removesuffix("Result") + "Response"] = {
        _result: _type,
        "ResponseMetadata": "ResponseMetadata",
    }


# -- conversion ---------------------------------------------------------------------------------------


def _str(el: etree._Element) -> str:
    text = el.text
    return text.strip() if text else ""


def _int(el: etree._Element) -> int | str | None:
    text = el.text
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text.strip()  # keep what Amazon sent rather than lose it (e.g. sanitized "FILTERED")


_BOOLS = {"true": True, "false": False, "True": True, "False": False, "1": True, "0": False}


def _bool(el: etree._Element) -> bool | str | None:
    text = el.text
    if not text:
        return None
    value = _BOOLS.get(text)
    if value is None:
        stripped = text.strip()
        value = _BOOLS.get(stripped.lower())
        return stripped if value is None else value
    return value


def untyped(el: etree._Element) -> Any:
    """An element the model does not know: a leaf is its stripped text, a subtree an object whose
    repeated children become lists."""
    if len(el) == 0:
        text = el.text
        return text.strip() if text else ""
    out: dict[str, Any] = {}
    repeated: set[str] = set()
    for c in el:
        tag = c.tag
        name = _LOCAL.get(tag) or local_name(tag)
        value = untyped(c)
        if name in out:
            if name in repeated:
                out[name].append(value)
            else:
                out[name] = [out[name], value]
                repeated.add(name)
        else:
            out[name] = value
    return out


# How a field is converted. TEXT, NESTED, WRAPPED_TEXT and WRAPPED_NESTED are the common cases, inlined in
# _convert; PLAIN and REPEATED call a converter; UNKNOWN keeps the element untyped.
TEXT, NESTED, WRAPPED_TEXT, WRAPPED_NESTED, PLAIN, REPEATED, UNKNOWN = range(7)
Converter = Callable[[etree._Element], Any]
Spec = tuple[int, Any, str]  # (how, converter or field table, the output key)
Table = dict[str, Spec]
_COMPILED: dict[str, Table] = {}
MAX_LEARNED_TAGS = 2048  # per datatype: tags seen in replies, remembered with their namespace


def _converter(kind: Kind) -> Converter:
    if kind == STR:
        return _str
    if kind == INT:
        return _int
    if kind == BOOL:
        return _bool
    if isinstance(kind, str):
        table = _COMPILED[kind]
        return lambda el: _convert(el, table)
    raise TypeError(f"nested list kinds are not supported: {kind!r}")


def _spec(field: str, kind: Kind) -> Spec:
    if isinstance(kind, ListOf):
        if kind.item == STR:
            return (WRAPPED_TEXT, None, field)
        if isinstance(kind.item, str) and kind.item in _COMPILED:
            return (WRAPPED_NESTED, _COMPILED[kind.item], field)
        conv = _converter(kind.item)
        return (PLAIN, lambda el: [conv(item) for item in el], field)
    if isinstance(kind, Many):
        return (REPEATED, _converter(kind.item), field)
    if kind == STR:
        return (TEXT, None, field)
    if kind in _COMPILED:
        return (NESTED, _COMPILED[kind], field)
    return (PLAIN, _converter(kind), field)


def _compile() -> None:
    for name in DATATYPES:
        _COMPILED[name] = {}
    for name, fields in DATATYPES.items():
        _COMPILED[name].update({field: _spec(field, kind) for field, kind in fields.items()})


def _learn(table: Table, tag: str) -> Spec:
    """The spec of a child's tag as it comes (`{namespace}Name`), by its local name; remembered in the
    table under the tag itself, so the next element with that tag costs one lookup."""
    name = local_name(tag)
    spec = table.get(name) or (UNKNOWN, None, name)
    if len(table) < MAX_LEARNED_TAGS:
        table[tag] = spec
    return spec


def _convert(el: etree._Element, table: Table) -> dict[str, Any]:
    out: dict[str, Any] = {}
    unknown_lists: set[str] | None = None
    for c in el:
        tag = c.tag
        how, arg, name = table.get(tag) or _learn(table, tag)
        if how == TEXT:
            text = c.text
            out[name] = text.strip() if text else ""
        elif how == NESTED:
            out[name] = _convert(c, arg)
        elif how == WRAPPED_NESTED:
            out[name] = [_convert(item, arg) for item in c]
        elif how == UNKNOWN:  # not in the model: keep it, untyped
            value = untyped(c)
            if name not in out:
                out[name] = value
            elif unknown_lists is not None and name in unknown_lists:
                out[name].append(value)
            else:
                out[name] = [out[name], value]
                unknown_lists = (unknown_lists or set()) | {name}
        elif how == PLAIN:
            out[name] = arg(c)
        elif how == WRAPPED_TEXT:
            out[name] = [_str(item) for item in c]
        else:
            bucket = out.get(name)
            if bucket is None:
                out[name] = [arg(c)]
            else:
                bucket.append(arg(c))
    return out


_compile()


def to_json(element: etree._Element, datatype: str) -> dict[str, Any]:
    """Convert `element` as an instance of the declared `datatype` (a key of DATATYPES)."""
    try:
        fields = _COMPILED[datatype]
    except KeyError:
        raise KeyError(f"unknown MWS datatype {datatype!r}") from None
    return _convert(element, fields)


def element_json(element: etree._Element) -> Any:
    """Convert an element whose datatype is known by its own name (a response root, a result
    element, `AmazonEnvelope`, `Order`...); anything else is converted untyped."""
    name = local_name(element.tag)
    fields = _COMPILED.get(name) or _COMPILED.get(RESULTS.get(name, ""))
    return _convert(element, fields) if fields is not None else untyped(element)


def parse_document(data: bytes) -> dict[str, Any]:
    """Hardened parse plus typed conversion: `{root_name: typed_content}`."""
    root = parse_xml(data)
    return {local_name(root.tag): element_json(root)}
