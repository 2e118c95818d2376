"""The flow file is checked before anything runs; errors name the field and the rule. Maps split messages."""

from __future__ import annotations

import json
import logging

import pytest

from amazon_mws.flows.spec import apply_map, load_flow, parse_flow
from amazon_mws.runtime.errors import ValidationError

TRIGGER = {"id": "orders", "step": "getNewAndUpdatedOrders", "config": {"orderStatus": ["Unshipped"]}}
ITEMS = {"id": "items", "step": "listOrderItems", "map": {"amazonOrderId": "orders[*].AmazonOrderId"}}


def problems(spec) -> list[str]:
    with pytest.raises(ValidationError) as info:
        parse_flow(spec)
    return info.value.errors


def test_a_good_flow_parses_with_defaults(tmp_path):
    flow = parse_flow({"name": "f1", "steps": [TRIGGER, ITEMS], "sink": {"type": "file", "path": "out.jsonl"}},
                      base_dir=tmp_path)
    assert [s.id for s in flow.steps] == ["orders", "items"]
    assert flow.sink.path == str(tmp_path / "out.jsonl") and flow.sink.retries == 5
    assert flow.passthrough is True and flow.schedule is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"steps": [ITEMS]}, "flow.steps[0].step: 'listOrderItems' is an action; a flow starts with a trigger"),
        ({"steps": [TRIGGER, {"step": "listOrderItem"}]},
         "flow.steps[1].step: 'listOrderItem' is not a step of the component"),
        ({"steps": [TRIGGER, TRIGGER]}, "flow.steps[1].step: 'getNewAndUpdatedOrders' is a trigger; only the first "
                                        "step may be one"),
        ({"steps": [{**TRIGGER, "map": {"a": "b"}}]}, "flow.steps[0].map: the trigger has no incoming message to map"),
        ({"steps": [TRIGGER, {**ITEMS, "map": {"amazonOrderId": "orders[*"}}]},
         "flow.steps[1].map.amazonOrderId: 'orders[*' is not a field path (like orders[*].AmazonOrderId)"),
        ({"schedule": {"cron": "*/5 * *"}},
         "flow.schedule.cron: '*/5 * *' must have 5 fields (minute hour day month weekday)"),
        ({"sink": {"type": "webhook"}}, "flow.sink.url: is required for a webhook sink"),
        ({"sink": {"type": "ftp"}}, "flow.sink.type: 'ftp' is not one of ['stdout', 'file', 'webhook']"),
        ({"name": "no spaces"}, "flow.name: 'no spaces' does not match"),
        ({"steps": [TRIGGER, ITEMS, {"id": "items", "step": "getOrder"}]},
         "flow.steps[2].id: 'items' is used twice; give each step its own id"),
        ({"schedule": {"interval": 0}}, "flow.schedule.interval: 0 is less than or equal to the minimum of 0"),
    ],
)
def test_bad_flows_are_refused_naming_the_field(change, expected):
    spec = {"name": "f1", "steps": [TRIGGER, ITEMS], **change}
    assert any(p.startswith(expected) for p in problems(spec)), problems(spec)


def test_credentials_from_a_file_and_the_environment_never_echo_values(tmp_path, monkeypatch):
    (tmp_path / "seller.json").write_text(json.dumps({"sellerId": "A1", "secretKey": "file-secret-123"}))
    spec = {"name": "f1", "credentials": {"file": "seller.json"},
            "steps": [TRIGGER, {**ITEMS, "credentials": {"mwsAuthToken": {"env": "TEST_TOKEN_VAR"}}}]}
    path = tmp_path / "f.json"
    path.write_text(json.dumps(spec))
    flow = load_flow(path)
    assert flow.cfg_for(0) == {"sellerId": "A1", "secretKey": "file-secret-123", "orderStatus": ["Unshipped"]}
    with pytest.raises(ValidationError) as info:
        flow.cfg_for(1, environ={})
    assert info.value.errors == ["flow.steps[1].credentials.mwsAuthToken: environment variable TEST_TOKEN_VAR "
                                 "is not set"]
    assert flow.cfg_for(1, environ={"TEST_TOKEN_VAR": "tok-999"})["mwsAuthToken"] == "tok-999"
    assert "file-secret-123" not in repr(flow)
    missing = parse_flow({**spec, "credentials": {"file": "nope.json"}}, base_dir=tmp_path)
    with pytest.raises(ValidationError, match=r"flow.credentials.file: cannot read .*nope.json"):
        missing.cfg_for(0)


def test_unreadable_flow_files_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(ValidationError, match="bad.json: not valid JSON"):
        load_flow(bad)


def test_map_splits_one_message_per_value_and_keeps_literals():
    body = {"orders": [{"AmazonOrderId": "1", "Items": [1, 2, 3]}, {"AmazonOrderId": "2", "Items": []}],
            "seller": "A1"}
    assert apply_map(None, body) == [body]
    assert apply_map({"amazonOrderId": "orders[*].AmazonOrderId", "seller": "seller", "n": 3,
                      "tag": {"value": "x"}}, body) == [
        {"amazonOrderId": "1", "seller": "A1", "n": 3, "tag": "x"},
        {"amazonOrderId": "2", "seller": "A1", "n": 3, "tag": "x"},
    ]
    assert apply_map({"first": "orders[0].AmazonOrderId", "all": "$"}, body) == [{"first": "1", "all": body}]
    assert apply_map({"id": "orders[*].AmazonOrderId"}, {"orders": []}) == []
    with pytest.raises(ValueError, match="no field 'AmazonOrderID' in the message body"):
        apply_map({"id": "orders[*].AmazonOrderID"}, body)
    with pytest.raises(ValueError, match="different lengths"):
        apply_map({"a": "orders[*].AmazonOrderId", "b": "orders[*].Items[*]"}, body)
    with pytest.raises(ValueError, match="not a list where"):
        apply_map({"a": "seller[*]"}, body)


def test_json_logs_carry_flow_step_message_and_request_ids(capsys):
    import io

    from amazon_mws.runtime import jsonlog, secrets

    stream = io.StringIO()
    logger = logging.getLogger("test.jsonlog")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    jsonlog.install(logger)
    secrets.REDACTOR.add(["super-secret-value"])
    try:
        with jsonlog.log_context(flow="f1", step="items", message="run-order-1"):
            logger.info("Orders ListOrderItems -> 200 request_id=abc-123 elapsed_ms=4 key super-secret-value")
        logger.info("outside")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["flow"] == "f1" and first["step"] == "items" and first["messageId"] == "run-order-1"
    assert first["amazonRequestId"] == "abc-123" and first["level"] == "INFO"
    assert "super-secret-value" not in stream.getvalue()
    assert "flow" not in second


def test_step_configs_are_held_to_their_steps_rules_when_the_flow_is_parsed():
    spec = {"name": "f1", "credentials": {"sellerID": "A1"},
            "steps": [{**TRIGGER, "config": {"orderStatus": ["Shiped"], "emitBehavior": "page"}},
                      {**ITEMS, "config": {"maxResultsPerPage": "5"}, "credentials": {"refreshTokn": "x"}}]}
    assert problems(spec) == [
        "flow.steps[0].config.orderStatus: 'Shiped' is not one of ['Pending', 'Unshipped', 'PartiallyShipped', "
        "'Shipped', 'Canceled', 'Unfulfillable', 'PendingAvailability', 'InvoiceUnconfirmed']",
        "flow.steps[0].config.emitBehavior: unknown field (did you mean emitBehaviour?)",
        "flow.steps[1].credentials.refreshTokn: unknown field (did you mean refreshToken?)",
        "flow.credentials.sellerID: unknown field (did you mean sellerId?)",
    ]  # a field of another step (maxResultsPerPage on listOrderItems) is no typo: one file serves every step
