"""Property: any JSON either becomes XML that Amazon's XSD accepts, or a clear FeedInputError naming
input paths. Never a crash, never an invalid document that would be sent.

Inputs are generated from each step's own schema (enums, patterns, types, nesting), mixed with junk
values and missing or extra fields, so both outcomes are exercised.
"""

from __future__ import annotations

import re

import pytest
from feed_samples import MERCHANT, VALID, XSD_DIR, assert_valid
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from amazon_mws.feeds.build import build_feed
from amazon_mws.feeds.errors import FeedInputError
from amazon_mws.feeds.inputs import load_schema
from amazon_mws.feeds.kinds import KINDS

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=4), st.floats(allow_nan=True))
PATH = re.compile(r"^(messages(\[\d+\])?(\.[A-Za-z]+|\[\d+\])*|\(input\)|\(feed\)|sellerId): .+")


def from_schema(schema: dict, depth: int = 0, junk: bool = True):
    options = []
    if "enum" in schema:
        options.append(st.sampled_from(schema["enum"]))
    if "pattern" in schema:
        options.append(st.from_regex(schema["pattern"], fullmatch=True))
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "object" in kinds and depth < 5:
        props = schema.get("properties", {})
        required = {k: from_schema(v, depth + 1, junk) for k, v in props.items() if v.get("required")}
        optional = {k: from_schema(v, depth + 1, junk) for k, v in props.items() if not v.get("required")}
        options.append(st.fixed_dictionaries(required, optional=optional))
        if junk:
            options.append(st.fixed_dictionaries({}, optional={**required, **optional, "extra": JUNK}))
    if "array" in kinds and depth < 5:
        options.append(
            st.lists(from_schema(schema.get("items", {}), depth + 1, junk), min_size=0, max_size=3)
        )
    if "integer" in kinds:
        options.append(st.integers(-2, 10**12))
    if "boolean" in kinds:
        options.append(st.booleans())
    if "string" in kinds and "enum" not in schema and "pattern" not in schema:
        if junk:
            options.append(st.text(max_size=60))
        else:  # printable text within the declared lengths
            printable = st.characters(blacklist_categories=("Cs", "Cc"))
            low, high = schema.get("minLength", 0), schema.get("maxLength", 60)
            options.append(st.text(printable, min_size=low, max_size=high))
    if junk or not options:
        options.append(JUNK)
    return st.one_of(*options)


@pytest.fixture(autouse=True)
def _xsd(monkeypatch):
    monkeypatch.setenv("AMAZON_XSD_DIR", str(XSD_DIR))


@pytest.mark.parametrize("step", sorted(KINDS))
def test_any_json_is_valid_xml_or_a_clear_error(step, envelope_xsd):
    schema = load_schema(KINDS[step].schema)
    items = schema["properties"]["messages"]["items"]
    item = st.one_of(from_schema(items, junk=False), from_schema(items))
    bodies = st.one_of(st.fixed_dictionaries({"messages": st.lists(item, min_size=1, max_size=3)}), JUNK)
    outcomes = {"valid": 0, "refused": 0}

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(bodies)
    @example(VALID[step])  # the known-good body, so the valid branch is always exercised
    def check(body):
        try:
            docs = build_feed(step, body, MERCHANT)
        except FeedInputError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert PATH.match(problem), problem
            outcomes["refused"] += 1
            return
        for doc in docs:
            assert_valid(envelope_xsd, doc.xml)
        outcomes["valid"] += 1

    check()
    assert outcomes["refused"] and outcomes["valid"], outcomes
