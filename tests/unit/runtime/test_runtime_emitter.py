"""The emitter: what each of the six words does, at once."""

from __future__ import annotations

import logging

import pytest

from amazon_mws.runtime import secrets
from amazon_mws.runtime.emitter import Emitter, Event, StepContext
from amazon_mws.runtime.errors import ValidationError
from amazon_mws.runtime.message import Message
from amazon_mws.runtime.state import MemoryNamespace


@pytest.fixture
def sink():
    events: list[Event] = []
    return events


def test_data_takes_a_body_or_a_message(sink):
    em = Emitter(sink.append, MemoryNamespace())
    em.emit("data", {"a": 1})
    msg = Message(body={"b": 2}, headers={"h": 1})
    em.data(msg)
    assert [e.kind for e in sink] == ["data", "data"]
    assert sink[0].message.body == {"a": 1}
    assert sink[1].message is msg
    assert sink[1].to_json() == {"event": "data", "id": msg.id, "body": {"b": 2}, "headers": {"h": 1}}
    with pytest.raises(TypeError, match="data: expected a Message or a body dict, got list"):
        em.emit("data", [1])


def test_snapshot_replaces_and_update_merges_in_the_store_at_once(sink):
    ns = MemoryNamespace()
    ns.replace({"old": 1})
    em = Emitter(sink.append, ns)
    em.emit("snapshot", {"cursor": "2020"})
    assert ns.load() == {"cursor": "2020"}
    em.emit("updateSnapshot", {"page": 2})
    assert ns.load() == {"cursor": "2020", "page": 2}
    assert sink[0].to_json() == {"event": "snapshot", "snapshot": {"cursor": "2020"}}
    assert sink[1].to_json() == {
        "event": "snapshot",
        "snapshot": {"cursor": "2020", "page": 2},
        "update": {"page": 2},
    }


def test_error_rebound_end(sink):
    em = Emitter(sink.append, MemoryNamespace())
    em.emit("error", KeyError("AmazonOrderId"))
    em.emit("error", "plain text")
    em.emit("rebound", "throttled")
    em.emit("end")
    em.emit("data", {"late": True})  # after end: dropped
    em.end()
    assert [e.to_json() for e in sink] == [
        {"event": "error", "error": {"type": "KeyError", "message": "'AmazonOrderId'"}},
        {"event": "error", "error": {"type": "Error", "message": "plain text"}},
        {"event": "rebound", "reason": "throttled"},
        {"event": "end"},
    ]


def test_unknown_kind_is_refused(sink):
    with pytest.raises(ValueError, match="unknown event kind 'emitt'"):
        Emitter(sink.append, MemoryNamespace()).emit("emitt", {})


def test_out_validation_stops_a_bad_body(sink):
    def validate(body):
        if "ok" not in body:
            raise ValidationError(["body.ok: is required"])

    em = Emitter(sink.append, MemoryNamespace(), validate)
    em.emit("data", {"ok": 1})
    with pytest.raises(ValidationError, match="body.ok: is required"):
        em.emit("data", {"nope": 1})
    assert len(sink) == 1


def test_error_messages_are_masked(sink):
    secrets.REDACTOR.add(["s3cr3t-value-for-emitter"])
    Emitter(sink.append, MemoryNamespace()).error(RuntimeError("bad key s3cr3t-value-for-emitter"))
    assert sink[0].error == {"type": "RuntimeError", "message": "bad key ***"}


def test_context_carries_step_facts_and_a_filtered_logger(sink):
    ctx = StepContext(
        sink.append,
        MemoryNamespace(),
        step_name="getOrder",
        cfg={"secretKey": "x" * 10},
        sample=True,
        attempt=2,
    )
    assert (ctx.step_name, ctx.sample, ctx.attempt) == ("getOrder", True, 2)
    assert isinstance(ctx.logger, logging.Logger) and ctx.logger.name == "amazon_mws.step.getOrder"
    assert any(isinstance(f, secrets.SecretsFilter) for f in ctx.logger.filters)
    assert "x" * 10 not in repr(ctx)


def test_event_json_round_trip():
    for event in [
        Event("snapshot", state={"a": 1}),
        Event("updateSnapshot", state={"a": 1}, update={"a": 1}),
        Event("error", error={"type": "T", "message": "m"}),
        Event("rebound", reason="r"),
        Event("end"),
    ]:
        assert Event.from_json(event.to_json()).to_json() == event.to_json()
