"""Amazon's JSON replies decode to exactly what json.loads makes of them, through orjson or not."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amazon_mws.core import json_replies

JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
              st.text()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(), inner, max_size=4)),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_decodes_as_json_loads_does(value):
    raw = json.dumps(value).encode()
    decoded = json_replies.loads(raw)
    assert decoded == json.loads(raw) and json.dumps(decoded) == json.dumps(value)  # types too (1 vs 1.0)


@pytest.mark.parametrize("text", [
    '{"n": 123456789012345678901234567890}',  # past 64 bits: orjson would make it a float
    '[-9223372036854775809, 18446744073709551616, 9223372036854775807]',
    '{"NaN": NaN, "inf": Infinity}',  # not strict JSON, but json.loads reads it
    '"\\ud800"',  # a lone surrogate escape
    '{"id": "1234567890123456789012"}',  # a long digit run in a string: the exact path, the same answer
])
def test_what_orjson_would_change_or_refuse_is_read_by_json(text):
    decoded, expected = json_replies.loads(text.encode()), json.loads(text)
    assert json.dumps(decoded) == json.dumps(expected)
    assert [type(v) for v in (decoded if isinstance(decoded, list) else [decoded])] == \
        [type(v) for v in (expected if isinstance(expected, list) else [expected])]


@pytest.mark.parametrize("raw", [b"{nope", b'{"a": 1', b"\xff\xfe{}", b'{"a": "\xc3"}'])
def test_what_neither_reads_is_a_value_error(raw):
    with pytest.raises(ValueError):
        json_replies.loads(raw)
