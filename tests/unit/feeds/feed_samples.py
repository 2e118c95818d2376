"""Valid input bodies, one per feed step, and XML helpers (shared by unit and integration tests)."""

from pathlib import Path

from lxml import etree

AMAZON = Path(__file__).resolve().parents[3] / ".." / "shared" / "amazon"
XSD_DIR = (AMAZON / "xsd").resolve()
MERCHANT = "M_EXAMPLE_123456"

ORDER_ID = "050-1234567-1234567"
ITEM = "12345678901234"

VALID = {
    "updateOrder": {
        "messages": [
            {
                "amazonOrderID": ORDER_ID,
                "merchantOrderID": "1234567",
                "statusCode": "Success",
                "amazonOrderItemCode": ITEM,
                "merchantOrderItemID": "1234567",
            },
            {
                "amazonOrderID": "111-2222222-3333333",
                "statusCode": "Failure",
                "amazonOrderItemCode": ITEM,
                "cancelReason": "NoInventory",
            },
        ]
    },
    "updateItem": {"messages": [{"SKU": "SKU-1", "Quantity": 10}, {"SKU": "SKU-2", "Quantity": 0}]},
    "submitInventory": {
        "messages": [
            {
                "SKU": "SKU-1",
                "FulfillmentCenterID": "DEFAULT",
                "Quantity": 3,
                "RestockDate": "2024-05-01",
                "FulfillmentLatency": 2,
                "SwitchFulfillmentTo": "MFN",
            },
            {"SKU": "SKU-2", "Lookup": "FulfillmentNetwork"},
            {"SKU": "SKU-3", "Available": False, "OperationType": "PartialUpdate"},
        ]
    },
    "changeProductPrice": {
        "messages": [
            {
                "SKU": "SKU-1",
                "StandardPrice": {"Amount": "19.99", "CurrencyCode": "USD"},
                "BusinessPrice": "18.50",
                "QuantityPriceType": "percent",
                "QuantityPrice": [{"LowerBound": 5, "Price": "5"}, {"LowerBound": 10, "Price": "10"}],
                "MinimumSellerAllowedPrice": {"Amount": "10.00", "CurrencyCode": "USD"},
                "MaximumSellerAllowedPrice": {"Amount": "30.00", "CurrencyCode": "USD"},
                "Sale": {
                    "StartDate": "2024-01-01T00:00:00Z",
                    "EndDate": "2024-02-01T00:00:00Z",
                    "SalePrice": {"Amount": "15.00", "CurrencyCode": "USD"},
                },
            },
            {"SKU": "SKU-2", "StandardPrice": {"Amount": "7", "CurrencyCode": "EUR"}},
        ]
    },
    "changeProductImage": {
        "messages": [
            {"sku": "SKU-1", "imageType": "Main", "imageLocation": "https://images.example.com/sku-1.jpg"},
            {"sku": "SKU-1", "imageType": "PT1", "operation": "Delete"},
        ]
    },
    "establishProductRelationships": {
        "messages": [
            {
                "parentSKU": "PARENT",
                "relation": [
                    {"sku": "CHILD-1", "type": "Variation"},
                    {"sku": "CHILD-2", "type": "Variation"},
                ],
            }
        ]
    },
    "shipOrder": {
        "messages": [
            {
                "amazonOrderID": ORDER_ID,
                "merchantFulfillmentID": "123",
                "fulfillmentDate": "2024-01-02T10:00:00Z",
                "carrierCode": "UPS",
                "shippingMethod": "Ground",
                "shipperTrackingNumber": "1Z9999999999999999",
                "items": [{"amazonOrderItemCode": ITEM, "quantity": 1, "merchantFulfillmentItemID": "5"}],
            },
            {
                "merchantOrderID": "M-1",
                "fulfillmentDate": "2024-01-02T10:00:00+01:00",
                "carrierName": "Acme Post",
            },
        ]
    },
    "adjustOrder": {
        "messages": [
            {
                "amazonOrderID": ORDER_ID,
                "actionType": "Refund",
                "items": [
                    {
                        "amazonOrderItemCode": ITEM,
                        "adjustmentReason": "CustomerReturn",
                        "currency": "USD",
                        "itemPriceAdjustments": [
                            {"type": "Principal", "amount": "10.00"},
                            {"type": "Shipping", "amount": "2.50"},
                        ],
                        "quantityCancelled": 1,
                    }
                ],
            },
            {
                "merchantOrderID": "M-2",
                "actionType": "Cancel",
                "items": [
                    {
                        "merchantOrderItemID": "MI-1",
                        "adjustmentReason": "NoInventory",
                        "currency": "EUR",
                        "promotionAdjustments": [
                            {
                                "merchantPromotionID": "P1",
                                "components": [{"type": "Principal", "amount": "1.00"}],
                            }
                        ],
                    }
                ],
            },
        ]
    },
}

MESSAGE_TYPES = {
    "updateOrder": "OrderAcknowledgement",
    "updateItem": "Inventory",
    "submitInventory": "Inventory",
    "changeProductPrice": "Price",
    "changeProductImage": "ProductImage",
    "establishProductRelationships": "Relationship",
    "shipOrder": "OrderFulfillment",
    "adjustOrder": "OrderAdjustment",
}

TOY = {
    "SKU": "TOY-1",
    "StandardProductID": {"Type": "UPC", "Value": "012345678905"},
    "DescriptionData": {"Title": "A wooden train", "Brand": "Acme", "BulletPoint": ["Oak", "Painted"]},
    "ProductData": {
        "Toys": {
            "ProductType": {"ToysAndGames": {}},
            "AgeRecommendation": {
                "MinimumManufacturerAgeRecommended": {"value": 3, "unitOfMeasure": "years"}
            },
        }
    },
}


def assert_valid(schema: etree.XMLSchema, xml: bytes) -> etree._Element:
    root = etree.fromstring(xml, etree.XMLParser(no_network=True, resolve_entities=False))
    assert schema.validate(root), "\n".join(str(e) for e in schema.error_log)
    return root


def canonical(xml: bytes) -> bytes:
    """Whitespace-insensitive canonical form, to compare a built feed with a hand-written example."""
    parser = etree.XMLParser(remove_blank_text=True, no_network=True)
    return etree.tostring(etree.fromstring(xml, parser), method="c14n")
