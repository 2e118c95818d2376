"""Validation: messages name the path and the rule; LazyList is validated without being materialised."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from amazon_mws.runtime.errors import ValidationError
from amazon_mws.runtime.message import LazyList
from amazon_mws.runtime.validation import SchemaSet, check_schema, validate_cfg

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "component"
IDS_IN = "./schemas/echoOrders.in.json"
GOOD_ID = "123-1234567-1234567"


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    return SchemaSet(FIXTURE)


def errors_of(schemas: SchemaSet, schema, body) -> list[str]:
    with pytest.raises(ValidationError) as info:
        schemas.validate(schema, body)
    return info.value.errors


def test_pattern_error_names_path_and_rule(schemas):
    errors = errors_of(schemas, IDS_IN, {"amazonOrderIds": [GOOD_ID, GOOD_ID, "12"]})
    assert errors == [r"body.amazonOrderIds[2]: '12' does not match '^\d{3}-\d{7}-\d{7}$'"]


def test_required_property(schemas):
    assert errors_of(schemas, IDS_IN, {}) == ["body.amazonOrderIds: is required"]


def test_type_and_bounds(schemas):
    assert errors_of(schemas, IDS_IN, {"amazonOrderIds": "x"}) == ["body.amazonOrderIds: 'x' is not of type 'array'"]
    assert errors_of(schemas, IDS_IN, {"amazonOrderIds": []}) == [
        "body.amazonOrderIds: has 0 items, expected at least 1"
    ]
    too_many = errors_of(schemas, IDS_IN, {"amazonOrderIds": [GOOD_ID] * 51})
    assert too_many == ["body.amazonOrderIds: has 51 items, expected at most 50"]


def test_valid_body_passes(schemas):
    schemas.validate(IDS_IN, {"amazonOrderIds": [GOOD_ID], "extra": 1})
    schemas.validate(None, {"anything": "goes"})


def test_ref_across_files_resolves_relative_to_the_referring_file(schemas):
    errors = errors_of(schemas, "./schemas/echoOrders.out.json", {"orders": [{"AmazonOrderId": "1"}]})
    assert errors == [r"body.orders[0].AmazonOrderId: '1' does not match '^\d{3}-\d{7}-\d{7}$'"]


def test_dynamic_schema_can_ref_definitions(schemas):
    schemas.validate({"$ref": "definitions/thing.json"}, {"id": 1, "status": "Pending"})
    assert errors_of(schemas, {"$ref": "definitions/thing.json"}, {"id": "1", "status": "Pending"}) == [
        "body.id: '1' is not of type 'integer'"
    ]


def test_validators_are_compiled_once(schemas):
    assert schemas.validator_for_file(IDS_IN) is schemas.validator_for_file("schemas/echoOrders.in.json")
    dyn = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert schemas.validator_for_schema(dyn) is schemas.validator_for_schema(dict(dyn))


def test_error_list_is_capped(schemas):
    errors = errors_of(schemas, IDS_IN, {"amazonOrderIds": ["bad"] * 40})
    assert len(errors) == 11 and errors[-1] == "body: more errors not shown"


def _things(n: int, bad_at: int | None = None):
    def factory():
        for i in range(n):
            yield {"id": "x" if i == bad_at else i, "status": "Pending"}

    return LazyList(factory, n)


def test_lazy_list_items_are_validated(schemas):
    out = "./schemas/listThings.out.json"
    schemas.validate(out, {"things": _things(100)})
    assert errors_of(schemas, out, {"things": _things(100, bad_at=42)}) == [
        "body.things[42].id: 'x' is not of type 'integer'"
    ]
    assert errors_of(schemas, out, {"things": _things(0)}) == ["body.things: has 0 items, expected at least 1"]


def test_lazy_list_validation_does_not_materialise(schemas):
    lazy = _things(10_000)
    tracemalloc.start()
    try:
        schemas.validate("./schemas/listThings.out.json", {"things": lazy})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 10,000 such dicts in a list take about 2 MB; one at a time stays a few KB.
    assert peak < 300_000, peak


def _unread(n: int, checked: object) -> LazyList:
    """A LazyList that fails the test if anything reads its items."""

    def factory():
        pytest.fail("the items were read again")
        yield {}

    return LazyList(factory, n, checked=checked)


def test_items_checked_before_they_are_stored_are_not_read_again(schemas):
    out = "./schemas/listThings.out.json"
    checked = schemas.check_items(out, "things", [{"id": 1, "status": "Pending"}])
    assert checked is not None
    schemas.validate(out, {"things": _unread(5, checked)})


def test_checked_items_of_another_schema_are_read_and_checked(schemas):
    other = schemas.check_items("./schemas/echoOrders.out.json", "orders", [])
    assert other is not None
    with pytest.raises(BaseException, match="the items were read again"):
        schemas.validate("./schemas/listThings.out.json", {"things": _unread(5, other)})
    assert errors_of(schemas, "./schemas/listThings.out.json", {"things": _things(3, bad_at=1)}) == [
        "body.things[1].id: 'x' is not of type 'integer'"
    ]


def test_check_items_names_each_bad_item_by_its_place_in_the_message_to_come(schemas):
    with pytest.raises(ValidationError) as info:
        schemas.check_items("./schemas/listThings.out.json", "things",
                            [{"id": 1, "status": "Pending"}, {"id": "x", "status": "Pending"}], first=200)
    assert info.value.errors == ["body.things[201].id: 'x' is not of type 'integer'"]


def test_check_items_of_a_dynamic_schema_and_of_no_such_array(schemas):
    dynamic = {"type": "object", "properties": {"rows": {"type": "array", "items": {"$ref": "definitions/thing.json"}}}}
    checked = schemas.check_items(dict(dynamic), "rows", [{"id": 1, "status": "Pending"}])
    assert checked is not None
    schemas.validate(dynamic, {"rows": _unread(2, checked)})
    with pytest.raises(ValidationError, match=r"body.rows\[0\].id: '1' is not of type 'integer'"):
        schemas.check_items(dynamic, "rows", [{"id": "1", "status": "Pending"}])
    assert schemas.check_items(dynamic, "nothing", [{"any": "thing"}]) is None
    assert schemas.check_items(None, "rows", [{"any": "thing"}]) is None


def test_check_schema_names_the_place():
    assert check_schema({"type": "object"}) is None
    problem = check_schema({"properties": {"a": {"required": "yes"}}})
    assert problem.startswith("is not a valid draft-03 schema: at properties.a.required: ")


FIELDS = {
    "sellerId": {"viewClass": "TextFieldView", "required": True},
    "status": {
        "viewClass": "SelectView",
        "required": True,
        "model": {"Pending": "Pending", "Shipped": "Shipped"},
    },
    "kinds": {"viewClass": "MultiSelectView", "model": {"a": "A", "b": "B"}},
    "market": {"viewClass": "SelectView", "model": "marketplaces"},
    "includeItems": {"viewClass": "CheckBoxView"},
}


def cfg_errors(cfg) -> list[str]:
    with pytest.raises(ValidationError) as info:
        validate_cfg(FIELDS, cfg)
    return info.value.errors


def test_cfg_required_fields():
    assert cfg_errors({"status": "Pending"}) == ["cfg.sellerId: is required"]
    assert cfg_errors({"sellerId": "", "status": None}) == [
        "cfg.sellerId: is required",
        "cfg.status: is required",
    ]


def test_cfg_select_within_static_model():
    assert cfg_errors({"sellerId": "S", "status": "Gone"}) == [
        "cfg.status: 'Gone' is not one of ['Pending', 'Shipped']"
    ]
    assert cfg_errors({"sellerId": "S", "status": "Pending", "kinds": ["a", "z"]}) == [
        "cfg.kinds: 'z' is not one of ['a', 'b']"
    ]
    assert cfg_errors({"sellerId": "S", "status": "Pending", "kinds": 7}) == [
        "cfg.kinds: must be a list of ['a', 'b'], got 7"
    ]


def test_cfg_multiselect_takes_one_value_as_a_list_of_one():
    assert validate_cfg(FIELDS, {"sellerId": "S", "status": "Pending", "kinds": "a"})["kinds"] == ["a"]
    assert cfg_errors({"sellerId": "S", "status": "Pending", "kinds": "z"}) == [
        "cfg.kinds: 'z' is not one of ['a', 'b']"
    ]


def test_cfg_checkbox_accepts_the_words_true_and_false():
    assert validate_cfg(FIELDS, {"sellerId": "S", "status": "Pending", "includeItems": "true"})["includeItems"] is True
    assert (
        validate_cfg(FIELDS, {"sellerId": "S", "status": "Pending", "includeItems": "False"})["includeItems"] is False
    )


def test_cfg_checkbox_accepts_elastic_ios_on():
    """A ticked CheckBoxView arrives as "on" on elastic.io; the step reads it as ticked too."""
    from amazon_mws.core.flags import as_bool

    out = validate_cfg(FIELDS, {"sellerId": "S", "status": "Pending", "includeItems": "on"})
    assert out["includeItems"] is True
    assert as_bool("on") is True and as_bool(" On ") is True
    assert as_bool("off") is False and as_bool("false") is False and as_bool(None) is False


def test_cfg_function_models_are_not_checked_statically():
    out = validate_cfg(FIELDS, {"sellerId": "S", "status": "Pending", "market": "anything"})
    assert out["market"] == "anything"


def test_cfg_unticked_checkbox_means_false():
    out = validate_cfg(FIELDS, {"sellerId": "S", "status": "Pending"})
    assert out["includeItems"] is False
    assert validate_cfg(FIELDS, {"sellerId": "S", "status": "Pending", "includeItems": True})["includeItems"] is True
    assert cfg_errors({"sellerId": "S", "status": "Pending", "includeItems": "yes"}) == [
        "cfg.includeItems: must be true or false (a checkbox), got 'yes'"
    ]


def test_cfg_must_be_an_object():
    assert cfg_errors(["a"]) == ["cfg: must be a JSON object, got list"]


def test_lazy_list_validates_through_a_ref_to_a_schema_that_names_its_dialect(tmp_path):
    """A `$schema` in a referenced file must not switch jsonschema to a validator that rejects LazyList."""
    import json

    from amazon_mws.runtime.message import LazyList
    from amazon_mws.runtime.validation import SchemaSet

    (tmp_path / "schemas" / "definitions").mkdir(parents=True)
    draft3 = "http://json-schema.org/draft-03/schema#"
    (tmp_path / "schemas" / "definitions" / "thing.json").write_text(
        json.dumps({"$schema": draft3, "type": "object", "properties": {"n": {"type": "integer", "required": True}}})
    )
    (tmp_path / "schemas" / "out.json").write_text(
        json.dumps(
            {
                "$schema": draft3,
                "type": "object",
                "properties": {"things": {"type": "array", "items": {"$ref": "definitions/thing.json"}}},
            }
        )
    )
    schemas = SchemaSet(tmp_path)
    schemas.validate("schemas/out.json", {"things": LazyList(lambda: iter([{"n": 1}, {"n": 2}]), 2)})
    with pytest.raises(ValidationError) as info:
        schemas.validate("schemas/out.json", {"things": LazyList(lambda: iter([{"n": 1}, {"n": "x"}]), 2)})
    assert info.value.errors == ["body.things[1].n: 'x' is not of type 'integer'"]
