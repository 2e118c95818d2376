"""Hypothesis strategies for requests, read from the service's own OpenAPI document, and the checks of
a response against what the document promises.

Why not schemathesis: it would bring a large dependency tree (and its own pinned Hypothesis range) for
what seven routes need here: values from JSON Schema's string/integer/boolean/array/enum/pattern/const
keywords, query parameters, form bodies with numbered (`_N`) fields, and response validation, which
jsonschema already does. This module is that, in about a hundred lines.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

DATES = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(timezone.utc))


def resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node: Any = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def value_strategy(doc: dict, schema: dict) -> st.SearchStrategy:
    """Values valid against `schema` (the keywords the document uses; anything else is a test failure)."""
    schema = resolve(doc, schema)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date-time":
            return DATES.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
        low, high = schema.get("minLength", 0), schema.get("maxLength", 40)
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda s: low <= len(s) <= high)
        return st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=low, max_size=high)
    if kind == "integer":
        return st.integers(schema.get("minimum", -(10**6)), schema.get("maximum", 10**6))
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(value_strategy(doc, schema["items"]), max_size=min(schema.get("maxItems", 3), 3))
    raise AssertionError(f"the test cannot generate values for {schema!r}")


def query_strategy(doc: dict, operation: dict) -> st.SearchStrategy[dict[str, Any]]:
    """Query parameters: required ones always, optional ones sometimes; arrays sent as repeated names."""
    parts = {}
    for param in operation.get("parameters", []):
        value = value_strategy(doc, param["schema"])
        if isinstance(param["schema"].get("default"), bool):
            value = value.map(lambda b: "true" if b else "false")
        parts[param["name"]] = value if param.get("required") else st.none() | value
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None and v != []})


def form_strategy(doc: dict, schema: dict) -> st.SearchStrategy[dict[str, str]]:
    """A form: required fields, some optional ones, and up to three numbered items from patternProperties."""
    schema = resolve(doc, schema)
    required = set(schema.get("required", []))
    fields = {name: value_strategy(doc, sub) if name in required else st.none() | value_strategy(doc, sub)
              for name, sub in schema["properties"].items()}
    items = {pattern.split("_")[0].lstrip("^"): sub for pattern, sub in schema.get("patternProperties", {}).items()}

    @st.composite
    def build(draw) -> dict[str, str]:
        form = {k: str(v) for k, v in draw(st.fixed_dictionaries(fields)).items() if v is not None}
        for number in draw(st.lists(st.integers(1, 12), max_size=3, unique=True)):
            for name in draw(st.lists(st.sampled_from(sorted(items)), min_size=1, unique=True)):
                form[f"{name}_{number}"] = str(draw(value_strategy(doc, items[name])))
        return form

    return build()


def check_response(doc: dict, operation: dict, status: int, body: Any) -> None:
    """The status is one the operation documents, and the JSON body matches that response's schema."""
    responses = operation["responses"]
    assert str(status) in responses, f"undocumented status {status}: {body!r}"
    response = resolve(doc, responses[str(status)])
    schema = response["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": doc["components"]})
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, (f"{status} body does not match the document: {errors[0].message} "
                        f"at {list(errors[0].absolute_path)}")
