"""Property tests across every step: any JSON in is either accepted or refused with a clear error naming
the field, never a crash; and what a feed step accepts is a document Amazon's XSD accepts.

tests/unit/feeds/test_feed_properties.py covers the feed builders of the table-driven feed steps; this
adds the product feeds (`submitProduct` with a category, `submitProductCategoryFromPayload`) through
the action's own entry point, and the runtime's validators (every step's cfg, every step's input body).
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from amazon_mws.feeds.errors import FeedInputError
from amazon_mws.runtime.errors import ValidationError
from amazon_mws.runtime.manifest import load_manifest
from amazon_mws.runtime.validation import validate_cfg
from amazon_mws.steps.feed_documents import documents_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "feeds"))
from feed_samples import TOY, XSD_DIR  # noqa: E402

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(10**15), 10**15), st.floats(allow_nan=True),
                    st.text(max_size=30))
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                    st.dictionaries(st.text(max_size=12), inner, max_size=5)),
                    max_leaves=25)
PROBLEM = re.compile(r"^(\(input\)|\(feed\)|category|sellerId|messages(\[\d+\])?([.][A-Za-z]+|\[\d+\])*): .+")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def envelope_xsd() -> etree.XMLSchema:
    """Amazon's envelope XSD, compiled by the test itself (independent of the code under test)."""
    return etree.XMLSchema(etree.parse(str(XSD_DIR / "amzn-envelope.xsd"), etree.XMLParser(no_network=True)))


@pytest.fixture(autouse=True)
def _xsd(monkeypatch):
    monkeypatch.setenv("AMAZON_XSD_DIR", str(XSD_DIR))


def _mutations(valid: dict) -> st.SearchStrategy:
    """The valid product with one field replaced by any JSON, deleted, or an extra one added."""
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                paths.append((*path, key))
                walk(value, (*path, key))

    walk(valid, ())

    @st.composite
    def mutate(draw):
        item = copy.deepcopy(valid)
        path = draw(st.sampled_from(paths))
        parent = item
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "extra"]))
        if action == "replace":
            parent[path[-1]] = draw(JSON)
        elif action == "delete":
            del parent[path[-1]]
        else:
            parent[draw(st.text(min_size=1, max_size=8))] = draw(JSON)
        return item

    return mutate()


@pytest.mark.parametrize("step", ["submitProduct", "submitProductCategoryFromPayload"])
def test_product_feeds_any_json_is_valid_xml_or_a_clear_error(step, envelope_xsd):
    cfg = {"sellerId": "M_EXAMPLE_123456", "category": "Toys"} if step == "submitProduct" else {
        "sellerId": "M_EXAMPLE_123456"}
    item = st.one_of(_mutations(TOY), JSON, st.just(TOY))
    bodies = st.one_of(st.fixed_dictionaries({"messages": st.lists(item, min_size=1, max_size=3)}), JSON)
    outcomes = {"valid": 0, "refused": 0}

    @SETTINGS
    @given(bodies)
    @example({"messages": [TOY]})
    def check(body):
        try:
            docs = documents_for(step, body, cfg)
        except FeedInputError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert PROBLEM.match(problem), problem
            outcomes["refused"] += 1
            return
        for doc in docs:
            root = etree.fromstring(doc.xml, etree.XMLParser(no_network=True, resolve_entities=False))
            assert envelope_xsd.validate(root), "\n".join(str(e) for e in envelope_xsd.error_log)
        outcomes["valid"] += 1

    check()
    assert outcomes["valid"] and outcomes["refused"], outcomes


def test_submit_product_without_a_category_is_a_config_error():
    with pytest.raises(FeedInputError, match="category: is required"):
        documents_for("submitProduct", {"messages": [TOY]}, {"sellerId": "M1"})


MANIFEST = load_manifest()
STEPS = sorted(MANIFEST.steps)
FIELD_ERROR = re.compile(r"^cfg(\.[A-Za-z0-9_]+|\[\d+\])*: .+|^cfg: .+")
BODY_ERROR = re.compile(r"^body(\.[^:\s]+|\[\d+\])*: .+|^body: .+")


@pytest.mark.parametrize("step", STEPS)
def test_every_steps_cfg_validator_accepts_or_names_the_field(step):
    fields = MANIFEST.fields_for(MANIFEST.step(step))
    known = st.fixed_dictionaries({}, optional={name: JSON for name in fields})
    cfgs = st.one_of(known, st.dictionaries(st.text(max_size=10), JSON, max_size=4))

    @SETTINGS
    @given(cfgs)
    def check(cfg):
        try:
            out = validate_cfg(fields, cfg)
        except ValidationError as exc:
            assert exc.errors
            for line in exc.errors:
                assert FIELD_ERROR.match(line), line
            return
        assert isinstance(out, dict)

    check()


@pytest.mark.parametrize("step", [s for s in STEPS if MANIFEST.step(s).in_schema])
def test_every_steps_body_validator_accepts_or_names_the_path(step):
    schema = MANIFEST.step(step).in_schema

    @SETTINGS
    @given(JSON)
    def check(body):
        try:
            MANIFEST.schemas.validate(schema, body, "body")
        except ValidationError as exc:
            assert exc.errors
            for line in exc.errors:
                assert BODY_ERROR.match(line), line

    check()
