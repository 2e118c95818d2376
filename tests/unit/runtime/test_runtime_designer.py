"""Select models, metadata and credential verification as plain functions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from amazon_mws.runtime.designer import get_metadata, select_model, verify_credentials
from amazon_mws.runtime.errors import ValidationError
from amazon_mws.runtime.manifest import load_manifest

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "component"
CFG = {"sellerId": "A1SELLER", "secretKey": "right-secret-key-0001", "marketplaceId": "ATVPDKIKX0DER"}


@pytest.fixture(scope="module")
def manifest():
    return load_manifest(FIXTURE)


def test_select_static_function_and_credentials_models(manifest):
    assert select_model("listThings", "status", CFG, manifest=manifest) == {
        "Pending": "Pending",
        "Shipped": "Shipped",
    }
    assert select_model("listThings", "kinds", CFG, manifest=manifest) == {"small": "Small", "large": "Large"}
    markets = select_model("echoOrders", "marketplaceId", CFG, manifest=manifest)
    assert markets["A1F83G8C2ARO7P"] == "United Kingdom (amazon.co.uk)"


def test_select_unknown_field_or_no_model(manifest):
    with pytest.raises(ValidationError, match=r"field: listThings has no field 'nope' \(fields: apiPin, count"):
        select_model("listThings", "nope", CFG, manifest=manifest)
    with pytest.raises(ValidationError, match="field: listThings.count has no select model"):
        select_model("listThings", "count", CFG, manifest=manifest)


def test_metadata_static_and_dynamic(manifest):
    meta = get_metadata("echoOrders", CFG, manifest=manifest)
    assert meta["in"] == json.loads((FIXTURE / "schemas" / "echoOrders.in.json").read_text())
    order = json.loads((FIXTURE / "schemas" / "definitions" / "order.json").read_text())
    assert meta["out"]["properties"]["orders"]["items"]["properties"].keys() == order["properties"].keys()
    assert "$ref" not in json.dumps(meta)
    assert get_metadata("flaky", CFG, manifest=manifest)["out"] is None
    dynamic = get_metadata("dynamic", dict(CFG, fieldName="sku"), manifest=manifest)
    assert dynamic["in"]["properties"] == {"sku": {"type": "string", "required": True, "title": "sku"}}


def test_metadata_of_the_real_component_has_no_ref_left():
    """elastic.io's mapper follows no $ref: every step's metadata comes out whole, nested refs
    (order -> money.json, relative to definitions/) included."""
    real = load_manifest(Path(__file__).resolve().parents[3])
    cfg = {"sellerId": "A1SELLER", "marketplaceId": "ATVPDKIKX0DER", "orderStatus": ["Unshipped"]}
    for name in set(real.steps) - {"submitProduct"}:  # its schema comes from a category's XSD
        meta = get_metadata(name, cfg, manifest=real)
        assert "$ref" not in json.dumps(meta), name
    out = get_metadata("getNewAndUpdatedOrders", cfg, manifest=real)["out"]
    total = out["properties"]["orders"]["items"]["properties"]["OrderTotal"]
    assert total["properties"]["Amount"]["type"] == "string"


def test_verify_credentials(manifest):
    verify_credentials(CFG, manifest=manifest)
    with pytest.raises(PermissionError, match="does not match"):
        verify_credentials(dict(CFG, secretKey="wrong-secret-key"), manifest=manifest)
    with pytest.raises(ValidationError, match="cfg.sellerId: is required"):
        verify_credentials({"secretKey": "x", "marketplaceId": "m"}, manifest=manifest)
