"""Submit Product: categories from Product.xsd, the input schema derived per category, XML in XSD order."""

from __future__ import annotations

import copy

import pytest
from feed_samples import MERCHANT, TOY, XSD_DIR, assert_valid
from jsonschema import Draft3Validator
from lxml import etree

from amazon_mws.feeds.categories import CATEGORY_LABELS, categories, category_names, product_input_schema
from amazon_mws.feeds.errors import FeedInputError
from amazon_mws.feeds.metadata import payload_meta_model, product_meta_model
from amazon_mws.feeds.products import build_product_feed

FOLDER = str(XSD_DIR)

BEAUTY = {
    "SKU": "LIP-1",
    "DescriptionData": {"Title": "Lipstick", "Brand": "Acme"},
    "ProductData": {"Beauty": {"ProductType": {"BeautyMisc": {"SkinType": ["oily"]}}}},
}
GAME = {
    "SKU": "GAME-1",
    "DescriptionData": {"Title": "A game"},
    "ProductData": {
        "SoftwareVideoGames": {
            "ProductType": {
                "Software": {"MediaFormat": ["download"], "OperatingSystem": ["linux", "windows"]}
            }
        }
    },
}
SHIRT = {
    "SKU": "SHIRT-1",
    "DescriptionData": {"Title": "Shirt"},
    "ProductData": {"Clothing": {"ClassificationData": {"ClothingType": "Shirt", "Department": ["mens"]}}},
}


def test_categories_are_productdata_members_with_labels():
    names = category_names(FOLDER)
    assert len(names) == 55 and "Toys" in names and "SoftwareVideoGames" in names and "GiftCard" in names
    assert set(names) <= set(CATEGORY_LABELS)
    model = categories({"xsdDir": FOLDER})
    assert (
        model["CE"] == "Consumer Electronics" and model["Wireless"] == "Cell Phones & Accessories (Wireless)"
    )
    assert set(categories({})) == set(CATEGORY_LABELS)  # no XSDs: the table


@pytest.mark.parametrize("category", category_names(FOLDER))
def test_every_category_schema_is_a_valid_draft3_schema(category):
    schema = product_input_schema(category, "Upsert", FOLDER)
    Draft3Validator.check_schema(schema)
    item = schema["properties"]["messages"]["items"]
    assert item["properties"]["SKU"]["required"] is True
    assert list(item["properties"]["ProductData"]["properties"]) == [category]
    assert item["properties"]["DescriptionData"]["properties"]["Title"]["required"] is True


def test_derived_schema_types_follow_the_xsd():
    item = product_input_schema("Toys", "Upsert", FOLDER)["properties"]["messages"]["items"]["properties"]
    assert item["SKU"]["maxLength"] == 40
    assert item["StandardProductID"]["properties"]["Type"]["enum"][:3] == ["ISBN", "UPC", "EAN"]
    assert item["DescriptionData"]["properties"]["BulletPoint"]["type"] == "array"
    assert item["DescriptionData"]["properties"]["BulletPoint"]["maxItems"] == 5
    toys = item["ProductData"]["properties"]["Toys"]["properties"]
    age = toys["AgeRecommendation"]["properties"]["MinimumManufacturerAgeRecommended"]
    assert age["properties"]["unitOfMeasure"]["enum"] == ["months", "years"]
    assert age["properties"]["value"]["type"] == "integer"
    assert item["LaunchDate"]["pattern"].startswith("^-?[0-9]{4}")


@pytest.mark.parametrize("message", [TOY, BEAUTY, GAME, SHIRT], ids=lambda m: next(iter(m["ProductData"])))
def test_products_of_several_categories_validate(message, envelope_xsd):
    category = next(iter(message["ProductData"]))
    shuffled = dict(reversed(list(message.items())))  # JSON order must not matter
    doc = build_product_feed({"messages": [shuffled]}, MERCHANT, category=category, folder=FOLDER)[0]
    root = assert_valid(envelope_xsd, doc.xml)
    assert root.findtext("MessageType") == "Product"
    assert root.findtext("Message/OperationType") == "Update"
    assert root.find(f"Message/Product/ProductData/{category}") is not None
    assert root.find("Message/Product")[0].tag == "SKU"


def test_category_from_payload_mixes_categories(envelope_xsd):
    body = {"messages": [TOY, BEAUTY, GAME]}
    doc = build_product_feed(body, MERCHANT, category=None, folder=FOLDER)[0]
    root = assert_valid(envelope_xsd, doc.xml)
    assert [m.find("Product/ProductData")[0].tag for m in root.findall("Message")] == [
        "Toys",
        "Beauty",
        "SoftwareVideoGames",
    ]


def test_category_errors_name_message_and_field():
    bad = copy.deepcopy(TOY)
    del bad["ProductData"]["Toys"]["AgeRecommendation"]
    with pytest.raises(FeedInputError) as info:
        build_product_feed({"messages": [TOY, bad]}, MERCHANT, category="Toys", folder=FOLDER)
    assert info.value.problems == [
        "messages[1].ProductData.Toys.AgeRecommendation: 'AgeRecommendation' is a required property"
    ]
    with pytest.raises(FeedInputError) as info:
        build_product_feed({"messages": [TOY, BEAUTY]}, MERCHANT, category="Toys", folder=FOLDER)
    assert info.value.problems[0].startswith(
        "messages[1].ProductData: Additional properties are not allowed ('Beauty' was unexpected)"
    )
    with pytest.raises(FeedInputError) as info:
        build_product_feed(
            {"messages": [TOY, bad, {"SKU": "X", "ProductData": {"Nope": {}}}]},
            MERCHANT,
            category=None,
            folder=FOLDER,
        )
    assert info.value.problems == [
        "messages[1].ProductData.Toys.AgeRecommendation: 'AgeRecommendation' is a required property",
        "messages[2].ProductData: must hold exactly one category element of Product.xsd (got ['Nope'])",
    ]
    with pytest.raises(FeedInputError, match="category: 'Toyz' is not one of"):
        build_product_feed({"messages": [TOY]}, MERCHANT, category="Toyz", folder=FOLDER)


def test_xsd_only_rules_are_mapped_for_products():
    """A required XSD choice (ProductType) the schema leaves open is reported at its input path."""
    bad = copy.deepcopy(TOY)
    bad["ProductData"]["Toys"]["ProductType"] = {}
    with pytest.raises(FeedInputError) as info:
        build_product_feed({"messages": [bad]}, MERCHANT, category="Toys", folder=FOLDER)
    assert info.value.problems[0].startswith("messages[0].ProductData.Toys.ProductType: ")
    assert "Missing child element" in info.value.problems[0]


def test_delete_needs_only_the_sku(envelope_xsd):
    doc = build_product_feed(
        {"messages": [{"SKU": "OLD-1"}]}, MERCHANT, category="Toys", operation_name="Delete", folder=FOLDER
    )[0]
    root = assert_valid(envelope_xsd, doc.xml)
    assert root.findtext("Message/OperationType") == "Delete"
    assert [c.tag for c in root.find("Message/Product")] == ["SKU"]


def test_partial_update_does_not_require_product_data(envelope_xsd):
    doc = build_product_feed(
        {"messages": [{"SKU": "P-1", "DescriptionData": {"Title": "New title"}}]},
        MERCHANT,
        category="Toys",
        operation_name="PartialUpdate",
        folder=FOLDER,
    )[0]
    assert etree.fromstring(doc.xml).findtext("Message/OperationType") == "PartialUpdate"
    assert_valid(envelope_xsd, doc.xml)


def test_meta_models(with_xsd):
    meta = product_meta_model({"category": "Beauty", "operation": "Upsert"})
    assert (
        "Beauty" in meta["in"]["properties"]["messages"]["items"]["properties"]["ProductData"]["properties"]
    )
    assert meta["out"]["properties"]["feedSubmissionId"]["required"] is True
    with pytest.raises(ValueError, match="category: is required"):
        product_meta_model({})
    assert payload_meta_model({})["in"]["properties"]["messages"]["items"]["properties"]["SKU"]["required"]


def test_without_xsds_products_pass_through_in_input_order(without_xsd):
    doc = build_product_feed({"messages": [TOY]}, MERCHANT, category="Toys")[0]
    product = etree.fromstring(doc.xml).find("Message/Product")
    assert [c.tag for c in product] == ["SKU", "StandardProductID", "DescriptionData", "ProductData"]
    assert (
        product.find("ProductData/Toys/AgeRecommendation/MinimumManufacturerAgeRecommended").get(
            "unitOfMeasure"
        )
        == "years"
    )
