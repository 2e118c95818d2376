"""Message envelope and LazyList."""

from __future__ import annotations

import uuid

import pytest

from amazon_mws.runtime.message import LazyList, Message


def test_message_defaults_to_a_uuid4_id_and_empty_parts():
    a, b = Message(), Message()
    assert uuid.UUID(a.id).version == 4 and a.id != b.id
    assert (a.body, a.headers, a.attachments, a.passthrough) == ({}, {}, {}, {})


def test_from_json_takes_a_whole_message_or_just_a_body():
    whole = Message.from_json({"id": "m1", "body": {"x": 1}, "headers": {"h": "v"}})
    assert (whole.id, whole.body, whole.headers) == ("m1", {"x": 1}, {"h": "v"})
    just_body = Message.from_json({"amazonOrderIds": ["1"]})
    assert just_body.body == {"amazonOrderIds": ["1"]} and just_body.headers == {}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([1], "message: must be a JSON object, got list"),
        ({"body": [1]}, "message.body: must be a JSON object, got list"),
        ({"body": {}, "headers": "x"}, "message.headers: must be a JSON object, got str"),
    ],
)
def test_from_json_refuses_bad_shapes(data, problem):
    with pytest.raises(TypeError, match=problem.replace(".", r"\.")):
        Message.from_json(data)


def test_lazy_list_is_sized_and_reiterable():
    calls = []

    def factory():
        calls.append(1)
        return iter([{"a": 1}, {"a": 2}])

    lazy = LazyList(factory, 2)
    assert calls == []  # nothing produced until iterated
    assert len(lazy) == 2 and bool(lazy)
    assert list(lazy) == list(lazy) == [{"a": 1}, {"a": 2}]
    assert len(calls) == 2
    assert not LazyList(lambda: iter([]), 0)
    assert repr(lazy) == "LazyList(length=2)"
    with pytest.raises(ValueError, match="length: must be >= 0"):
        LazyList(factory, -1)


def test_to_json_materialises_only_when_asked():
    lazy = LazyList(lambda: iter([{"a": 1}]), 1)
    msg = Message(body={"items": lazy, "nested": [{"more": lazy}]})
    assert msg.to_json()["body"]["items"] is lazy
    plain = msg.to_json(materialize=True)["body"]
    assert plain == {"items": [{"a": 1}], "nested": [{"more": [{"a": 1}]}]}
