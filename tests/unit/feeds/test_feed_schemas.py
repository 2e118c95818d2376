"""Every input/output schema of the feed actions is a valid draft-03 schema in the component convention."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft3Validator

from amazon_mws.feeds.inputs import component_root

SCHEMAS = sorted((component_root() / "schemas" / "feeds").glob("*.json"))


def _walk(schema, path="$"):
    yield path, schema
    for key, sub in (schema.get("properties") or {}).items():
        yield from _walk(sub, f"{path}.{key}")
    items = schema.get("items")
    if isinstance(items, dict):
        yield from _walk(items, f"{path}[]")


def test_there_is_a_schema_per_feed_step():
    names = {p.stem for p in SCHEMAS}
    for step in (
        "updateOrder",
        "updateItem",
        "submitInventory",
        "changeProductPrice",
        "changeProductImage",
        "establishProductRelationships",
        "shipOrder",
        "adjustOrder",
    ):
        assert f"{step}.in" in names
    assert {"feedResult.out", "feedSubmission.in", "feedSubmissionStatus.out"} <= names


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.stem)
def test_schema_is_draft3_with_titles(path):
    schema = json.loads(path.read_text())
    Draft3Validator.check_schema(schema)
    for where, sub in _walk(schema):
        if where != "$":
            assert sub.get("title"), f"{path.name}: {where} has no title"
        assert not isinstance(sub.get("required"), list), f"{where}: draft-03 puts required on the property"


def test_merchant_ids_are_strings():
    """The reference typed merchant ids as numbers; Amazon's type is a string."""
    schema = json.loads((component_root() / "schemas" / "feeds" / "updateOrder.in.json").read_text())
    item = schema["properties"]["messages"]["items"]["properties"]
    assert item["merchantOrderID"]["type"] == "string"
    assert item["merchantOrderItemID"]["type"] == "string"
    assert item["amazonOrderItemCode"]["pattern"] == "^[0-9]{14}$"
