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
    assert meta["out"]["properties"]["orders"]["items"] == {"$ref": "definitions/order.json"}
    assert get_metadata("flaky", CFG, manifest=manifest)["out"] is None
    dynamic = get_metadata("dynamic", dict(CFG, fieldName="sku"), manifest=manifest)
    assert dynamic["in"]["properties"] == {"sku": {"type": "string", "required": True, "title": "sku"}}


def test_verify_credentials(manifest):
    verify_credentials(CFG, manifest=manifest)
    with pytest.raises(PermissionError, match="does not match"):
        verify_credentials(dict(CFG, secretKey="wrong-secret-key"), manifest=manifest)
    with pytest.raises(ValidationError, match="cfg.sellerId: is required"):
        verify_credentials({"secretKey": "x", "marketplaceId": "m"}, manifest=manifest)
