"""The compiled schema checks give jsonschema's verdict, on the project's schemas and on any JSON.

`SchemaSet.validate` trusts the compiled check (runtime/schema_compiler.py) to say "valid" and asks
jsonschema's `Draft3Validator` only when it says no; a check more lenient than jsonschema would let a bad
body out, a stricter one would raise an error with no lines. Here both judge the same instances: values
drawn from each schema itself (enums, patterns, bounds, nested refs), the same with one place replaced by
any JSON, and arbitrary JSON; LazyList bodies included. Hand-written schemas cover the keywords the
component's files do not use yet (patternProperties, dependencies, exclusive bounds, recursion).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amazon_mws.runtime.message import LazyList
from amazon_mws.runtime.schema_compiler import compile_check
from amazon_mws.runtime.validation import SchemaSet, StreamingDraft3Validator, draft3_resource

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "schemas").rglob("*.json"))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=False),
                    st.text(max_size=12))
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                    st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                    max_leaves=12)


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    return SchemaSet(ROOT)


def instances(schema: dict, resolver, depth: int = 0) -> st.SearchStrategy:
    """Values shaped by `schema` (mostly valid), now and then any JSON in their place."""
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        return instances(resolved.contents, resolved.resolver, depth)
    if depth > 6:
        return JSON
    types = schema.get("type", "any")
    options = []
    for t in types if isinstance(types, list) else [types]:
        if isinstance(t, dict):
            options.append(instances(t, resolver, depth + 1))
        else:
            options.append(_of_type(t, schema, resolver, depth))
    return st.one_of(*options) | JSON if depth else st.one_of(*options)


def _of_type(t: str, schema: dict, resolver, depth: int) -> st.SearchStrategy:
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | st.text(max_size=8)
    if t == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True) | st.text(max_size=8)
        return st.text(min_size=max(0, schema.get("minLength", 0) - 1), max_size=schema.get("maxLength", 20) + 1)
    if t in ("integer", "number"):
        low = schema.get("minimum", -5)
        ints = st.integers(low - 2, low + 50)
        return ints | st.floats(allow_nan=False) if t == "number" else ints | st.sampled_from([1.0, True])
    if t == "boolean":
        return st.booleans() | st.sampled_from([0, 1, "true"])
    if t == "null":
        return st.none()
    if t == "array":
        item = instances(schema.get("items", {}), resolver, depth + 1)
        low = schema.get("minItems", 0)
        return st.lists(item, min_size=max(0, low - 1), max_size=low + 3)
    if t == "object":
        props = schema.get("properties") or {}
        fields = {k: instances(v, resolver, depth + 1) for k, v in props.items()}
        required = {k for k, v in props.items() if v.get("required")}
        return st.fixed_dictionaries(
            {k: fields[k] for k in required},
            optional={**{k: s for k, s in fields.items() if k not in required}, "extraField": JSON},
        ) | st.fixed_dictionaries({}, optional=fields)
    return JSON


def _lazy(value):
    """The same body with its list values behind LazyLists, as a trigger emits them."""
    if isinstance(value, dict):
        return {k: LazyList(lambda v=v: iter(v), len(v)) if isinstance(v, list) else v for k, v in value.items()}
    return value


def test_every_schema_of_the_component_is_compiled(schemas):
    assert SCHEMA_FILES
    assert [f for f in SCHEMA_FILES if schemas.compiled_file(f)[1] is None] == []


@pytest.mark.parametrize("relative", SCHEMA_FILES)
def test_same_verdict_as_jsonschema_on_each_schema(schemas, relative):
    validator, check = schemas.compiled_file(relative)
    resolver = schemas.registry.resolver()
    shaped = instances({"$ref": schemas.resolve(relative).as_uri()}, resolver)

    @SETTINGS
    @given(st.one_of(shaped, shaped, JSON))
    def judge(instance):
        assert check(instance) == validator.is_valid(instance)
        lazy = _lazy(instance)
        assert check(lazy) == validator.is_valid(lazy)

    judge()


def test_the_shaped_instances_reach_both_verdicts(schemas):
    """Guards the test above: drawn from the orders schema, both valid and invalid bodies occur."""
    validator, _ = schemas.compiled_file("schemas/getNewAndUpdatedOrders.out.json")
    seen = set()
    shaped = instances({"$ref": schemas.resolve("schemas/getNewAndUpdatedOrders.out.json").as_uri()},
                       schemas.registry.resolver())

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(shaped)
    def collect(instance):
        seen.add(validator.is_valid(instance))

    collect()
    assert seen == {True, False}


HAND_WRITTEN = [
    {"type": "object", "patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": False,
     "properties": {"a": {"type": ["string", "null"]}}},
    {"type": "object", "properties": {"a": {"type": "any"}, "b": {}}, "dependencies": {"a": "b", "c": ["a", "b"]}},
    {"type": ["number", "boolean"], "minimum": 0, "exclusiveMinimum": True, "maximum": 10, "exclusiveMaximum": True},
    {"type": "integer", "minimum": 2, "maximum": 3},
    {"properties": {"s": {"minLength": 2, "maxLength": 3, "pattern": "a"}}, "additionalProperties": {"type": "string"}},
    {"type": "array", "minItems": 1, "maxItems": 2, "items": {"enum": ["a", "b"]}},
    {"definitions": {"leaf": {"type": "integer", "required": True}}, "type": "object",
     "properties": {"kids": {"type": "array", "items": {"$ref": "#"}}, "n": {"$ref": "#/definitions/leaf"}}},
    {"id": "urn:elsewhere", "type": "string"},
    {"type": [{"type": "object", "properties": {"k": {"type": "string", "required": True}}}, "string"]},
    {"enum": ["x", "y"], "type": "string", "pattern": "^x"},
]


@pytest.mark.parametrize("schema", HAND_WRITTEN, ids=[json.dumps(s)[:40] for s in HAND_WRITTEN])
def test_same_verdict_on_hand_written_schemas(schema):
    from referencing import Registry

    uri = "urn:test:schema"
    registry = Registry().with_resource(uri, draft3_resource(schema))
    validator = StreamingDraft3Validator({"$ref": uri}, registry=registry)
    check = compile_check({"$ref": uri}, registry.resolver())
    if "id" in schema:  # an `id` may move the base of refs: left to jsonschema
        assert check is None
        return
    assert check is not None
    shaped = instances(schema, registry.resolver(uri))

    @SETTINGS
    @given(st.one_of(shaped, JSON))
    def judge(instance):
        assert check(instance) == validator.is_valid(instance)

    judge()


def test_keywords_left_to_jsonschema_are_not_compiled():
    from referencing import Registry

    for schema in ({"extends": {"type": "string"}}, {"disallow": "string"}, {"divisibleBy": 3},
                   {"uniqueItems": True}, {"items": [{"type": "string"}]}, {"enum": [1, 2]},
                   {"dependencies": {"a": {"type": "object"}}}, {"type": "bogus"}):
        registry = Registry().with_resource("urn:s", draft3_resource(schema))
        assert compile_check({"$ref": "urn:s"}, registry.resolver()) is None, schema
