"""The in-process executor against the fixture component."""

from __future__ import annotations

from pathlib import Path

import pytest

from amazon_mws.runtime.executor import InProcessExecutor, RunResult, default_namespace, run_step
from amazon_mws.runtime.manifest import load_manifest
from amazon_mws.runtime.message import LazyList, Message
from amazon_mws.runtime.state import MemoryNamespace, MemoryStateStore

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "component"
CFG = {"sellerId": "A1SELLER", "secretKey": "right-secret-key-0001", "marketplaceId": "ATVPDKIKX0DER"}
GOOD_ID = "123-1234567-1234567"


@pytest.fixture(scope="module")
def manifest():
    return load_manifest(FIXTURE)


def kinds(result: RunResult) -> list[str]:
    return [e.kind for e in result.events]


def test_action_runs_and_ends(manifest):
    events = []
    result = run_step("echoOrders", CFG, {"amazonOrderIds": [GOOD_ID]}, on_event=events.append, manifest=manifest)
    assert kinds(result) == ["data", "end"] and events == result.events
    assert result.ok and result.data[0].body == {"orders": [{"AmazonOrderId": GOOD_ID, "SalesChannel": "AFN"}]}
    assert result.data[0].headers == {"source": "echo"}


def test_bad_cfg_never_reaches_process(manifest):
    ns = MemoryNamespace()
    result = run_step("flaky", {"sellerId": "S"}, {"succeedOn": 1}, state_namespace=ns, manifest=manifest)
    assert kinds(result) == ["error", "end"]
    assert result.errors == [
        {"type": "ValidationError", "message": "cfg.secretKey: is required; cfg.marketplaceId: is required"}
    ]
    assert ns.load() == {}  # flaky writes its tries first thing: it never ran


def test_bad_body_never_reaches_process(manifest):
    ns = MemoryNamespace()
    result = run_step("flaky", CFG, {"succeedOn": "3"}, state_namespace=ns, manifest=manifest)
    assert result.errors == [{"type": "ValidationError", "message": "body.succeedOn: '3' is not of type 'integer'"}]
    assert ns.load() == {}


def test_bad_message_shape_is_an_error_event(manifest):
    result = run_step("flaky", CFG, {"body": [1]}, manifest=manifest)
    assert result.errors == [{"type": "ValidationError", "message": "message.body: must be a JSON object, got list"}]


def test_exception_becomes_an_error_event_with_secrets_masked(manifest):
    cfg = dict(CFG, mwsAuthToken="amzn.mws.token-for-executor-test")
    result = run_step("explode", cfg, {}, manifest=manifest)
    assert kinds(result) == ["error", "end"]
    assert result.errors == [{"type": "RuntimeError", "message": "Amazon refused key *** / token ***"}]


def test_bad_emitted_body_is_an_error(manifest):
    result = run_step("badOutput", CFG, {}, manifest=manifest)
    assert kinds(result) == ["error", "end"]
    assert result.errors[0]["message"] == "body.orders[0].AmazonOrderId: 12 is not of type 'string'"


def test_snapshot_given_replaces_the_store_and_progress_is_written_at_once(manifest):
    ns = MemoryNamespace()
    ns.replace({"stale": True})
    seen = []

    def on_event(event):
        if event.kind == "updateSnapshot":
            seen.append(ns.load())  # already in the store when the event arrives

    cfg = dict(CFG, status="Shipped", count="2")
    result = run_step(
        "listThings",
        cfg,
        {},
        snapshot={"cursor": 10},
        on_event=on_event,
        state_namespace=ns,
        manifest=manifest,
    )
    assert result.data[0].body == {"things": [{"id": 10, "status": "Shipped"}, {"id": 11, "status": "Shipped"}]}
    assert seen == [{"cursor": 12}] and result.state == {"cursor": 12}


def test_snapshot_none_reads_the_store(manifest):
    ns = MemoryNamespace()
    ns.replace({"cursor": 5})
    result = run_step("listThings", dict(CFG, status="Pending", count="1"), {}, state_namespace=ns, manifest=manifest)
    assert result.data[0].body["things"][0]["id"] == 5 and ns.load() == {"cursor": 6}


def test_lazy_body_from_the_store(manifest):
    ns = MemoryNamespace()
    result = run_step(
        "listThings",
        dict(CFG, status="Pending", count="1200", lazy=True),
        {},
        state_namespace=ns,
        manifest=manifest,
    )
    things = result.data[0].body["things"]
    assert isinstance(things, LazyList) and len(things) == 1200
    assert [t["id"] for t in things][-1] == 1199
    assert result.state == {"gathered": 1200, "cursor": 1200}


def test_rebound_is_an_event_and_attempt_is_passed(manifest):
    ns = MemoryNamespace()
    first = run_step("flaky", CFG, Message(body={"succeedOn": 2}), state_namespace=ns, manifest=manifest)
    assert kinds(first) == ["updateSnapshot", "rebound", "end"]
    assert first.rebound.reason == "not yet (try 1)" and first.ok
    second = run_step("flaky", CFG, {"succeedOn": 2}, state_namespace=ns, manifest=manifest, attempt=1)
    assert second.rebound is None and second.data[0].body == {"tries": 2}
    assert ns.load()["attempts"] == [0, 1]


def test_dynamic_metadata_validates_input(manifest):
    cfg = dict(CFG, fieldName="sku")
    assert run_step("dynamic", cfg, {"sku": "abc"}, manifest=manifest).data[0].body == {
        "id": 3,
        "status": "Pending",
    }
    assert run_step("dynamic", cfg, {"other": 1}, manifest=manifest).errors[0]["message"] == "body.sku: is required"


def test_in_process_executor_keeps_state_per_namespace(manifest):
    executor = InProcessExecutor(MemoryStateStore(), manifest)
    cfg = dict(CFG, status="Pending", count="2")
    first = executor.submit("listThings", cfg, {}).result()
    second = executor.submit("listThings", cfg, {}).result()
    assert first.state == {"cursor": 2} and second.state == {"cursor": 4}
    other = executor.submit("listThings", cfg, {}, namespace="elsewhere").result()
    assert other.state == {"cursor": 2}
    assert default_namespace("listThings", cfg) == default_namespace("listThings", dict(cfg))
    assert default_namespace("listThings", cfg) != default_namespace("listThings", dict(cfg, count="3"))
    assert "right-secret" not in default_namespace("listThings", cfg)


def test_run_result_json_round_trip(manifest):
    result = run_step("listThings", dict(CFG, status="Pending", count="3", lazy=True), {}, manifest=manifest)
    again = RunResult.from_json(result.to_json())
    assert [e.to_json() for e in again.events] == [e.to_json(materialize=True) for e in result.events]
    assert again.data[0].body["things"][2] == {"id": 2, "status": "Pending"}


def test_keep_data_false_hands_data_to_on_event_only(manifest):
    seen = []
    result = run_step("echoOrders", CFG, {"amazonOrderIds": [GOOD_ID]}, on_event=seen.append, manifest=manifest,
                      keep_data=False)
    assert [e.kind for e in seen].count("data") == 1
    assert result.data == [] and [e.kind for e in result.events] == ["end"]
