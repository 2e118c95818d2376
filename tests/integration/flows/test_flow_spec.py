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
    assert flow.steps[1].feed_batch_seconds is None  # FEED_BATCH_SECONDS decides


def test_a_feed_actions_batch_window_is_read_per_step():
    stock = {"id": "stock", "step": "updateItem", "feedBatchSeconds": 0}
    flow = parse_flow({"name": "f1", "steps": [TRIGGER, {**stock, "feedBatchSeconds": 7.5}, {**stock, "id": "s2"}]})
    assert [s.feed_batch_seconds for s in flow.steps] == [None, 7.5, 0.0]


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
        ({"sink": {"type": "webhook", "url": "https://hooks.example/x", "allowPrivateNetwork": "yes"}},
         "flow.sink.allowPrivateNetwork: 'yes' is not of type 'boolean'"),
        ({"credentials": {"file": "/etc/passwd"}}, "flow.credentials.file: /etc/passwd is outside "),
        ({"sink": {"type": "webhook", "url": "http://hooks.example:80a/T0K3N"}},
         "flow.sink.url: *** has a port that is not a number from 0 to 65535"),
        ({"sink": {"type": "webhook", "url": "https:///T0K3N"}}, "flow.sink.url: https:///*** names no host"),
        ({"sink": {"type": "webhook", "url": "https://hooks.example/T0K 3N"}},
         "flow.sink.url: https://hooks.example/*** contains spaces or control characters (percent-encode them)"),
        ({"steps": [TRIGGER, {**ITEMS, "credentials": {"mwsAuthToken": {"env": "AMAZON_MWS_SECRETS_KEY"}}}]},
         "flow.steps[1].credentials.mwsAuthToken.env: 'AMAZON_MWS_SECRETS_KEY' does not start with "
         "'AMAZON_MWS_FLOW_': a flow reads only environment variables named with AMAZON_MWS_FLOW_ENV_PREFIX"),
        ({"name": "no spaces"}, "flow.name: 'no spaces' does not match"),
        ({"steps": [TRIGGER, ITEMS, {"id": "items", "step": "getOrder"}]},
         "flow.steps[2].id: 'items' is used twice; give each step its own id"),
        ({"schedule": {"interval": 0}}, "flow.schedule.interval: 0 is less than or equal to the minimum of 0"),
        ({"steps": [{**TRIGGER, "feedBatchSeconds": 5}]},
         "flow.steps[0].feedBatchSeconds: the trigger submits no feed; set it on a feed action"),
        ({"steps": [TRIGGER, {**ITEMS, "feedBatchSeconds": -1}]},
         "flow.steps[1].feedBatchSeconds: -1 is less than the minimum of 0"),
        ({"steps": [TRIGGER, {**ITEMS, "feedBatchSecond": 5}]}, "flow.steps[1]: Additional properties are not"),
    ],
)
def test_bad_flows_are_refused_naming_the_field(change, expected):
    spec = {"name": "f1", "steps": [TRIGGER, ITEMS], **change}
    assert any(p.startswith(expected) for p in problems(spec)), problems(spec)


def test_credentials_from_a_file_and_the_environment_never_echo_values(tmp_path, monkeypatch):
    (tmp_path / "seller.json").write_text(json.dumps({"sellerId": "A1", "secretKey": "file-secret-123"}))
    spec = {"name": "f1", "credentials": {"file": "seller.json"},
            "steps": [TRIGGER, {**ITEMS, "credentials": {"mwsAuthToken": {"env": "AMAZON_MWS_FLOW_TEST_TOKEN"}}}]}
    path = tmp_path / "f.json"
    path.write_text(json.dumps(spec))
    flow = load_flow(path)
    assert flow.cfg_for(0) == {"sellerId": "A1", "secretKey": "file-secret-123", "orderStatus": ["Unshipped"]}
    with pytest.raises(ValidationError) as info:
        flow.cfg_for(1, environ={})
    assert info.value.errors == ["flow.steps[1].credentials.mwsAuthToken: environment variable "
                                 "AMAZON_MWS_FLOW_TEST_TOKEN is not set"]
    assert flow.cfg_for(1, environ={"AMAZON_MWS_FLOW_TEST_TOKEN": "tok-999"})["mwsAuthToken"] == "tok-999"
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


def test_credentials_files_only_under_the_allowed_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("AMAZON_MWS_CREDENTIALS_DIR", raising=False)
    flows = tmp_path / "flows"
    (flows / "sellers").mkdir(parents=True)
    (flows / "sellers" / "a.json").write_text(json.dumps({"sellerId": "A1"}))
    (tmp_path / "outside.json").write_text(json.dumps({"sellerId": "OUT"}))
    (flows / "link.json").symlink_to(tmp_path / "outside.json")

    def refused(creds: dict) -> list[str]:
        with pytest.raises(ValidationError) as info:
            parse_flow({"name": "f1", "credentials": creds, "steps": [TRIGGER]}, base_dir=flows)
        return info.value.errors

    assert parse_flow({"name": "f1", "credentials": {"file": "sellers/a.json"}, "steps": [TRIGGER]},
                      base_dir=flows).cfg_for(0)["sellerId"] == "A1"  # the flow's folder and below
    for name in ("../outside.json", str(tmp_path / "outside.json"), "link.json"):  # a link is followed
        assert refused({"file": name}) == [
            f"flow.credentials.file: {flows / name} is outside {flows}: a flow reads credentials files only "
            "under AMAZON_MWS_CREDENTIALS_DIR (default: the flow file's folder)"]
    step = {**ITEMS, "credentials": {"file": "../outside.json"}}
    with pytest.raises(ValidationError, match=r"^flow.steps\[1\].credentials.file: .* is outside"):
        parse_flow({"name": "f1", "steps": [TRIGGER, step]}, base_dir=flows)

    monkeypatch.setenv("AMAZON_MWS_CREDENTIALS_DIR", str(tmp_path))  # the operator widens it
    flow = parse_flow({"name": "f1", "credentials": {"file": "../outside.json"}, "steps": [TRIGGER]}, base_dir=flows)
    assert flow.cfg_for(0)["sellerId"] == "OUT"
    monkeypatch.setenv("AMAZON_MWS_CREDENTIALS_DIR", str(flows / "sellers"))  # ... or narrows it
    assert refused({"file": "sellers/../link.json"})


def test_a_folder_allowed_by_the_caller_travels_with_the_registered_flow(tmp_path, monkeypatch):
    # The console keeps credentials.json next to its flows/ folder and allows its own folder.
    monkeypatch.delenv("AMAZON_MWS_CREDENTIALS_DIR", raising=False)
    (tmp_path / "credentials.json").write_text(json.dumps({"sellerId": "C1"}))
    spec = {"name": "f1", "credentials": {"file": str(tmp_path / "credentials.json")}, "steps": [TRIGGER]}
    with pytest.raises(ValidationError, match="is outside"):
        parse_flow(spec, base_dir=tmp_path / "flows")
    flow = parse_flow(spec, base_dir=tmp_path / "flows", credentials_dir=tmp_path)
    stored = json.loads(json.dumps(flow.to_json()))  # as a worker reads it from Redis
    assert type(flow).from_json(stored).cfg_for(0)["sellerId"] == "C1"
    monkeypatch.setenv("AMAZON_MWS_CREDENTIALS_DIR", str(tmp_path / "flows"))  # a worker's own setting wins
    with pytest.raises(ValidationError, match="is outside"):
        type(flow).from_json(stored)


def test_environment_variables_only_with_the_allowed_prefix(monkeypatch):
    monkeypatch.setenv("MYCO_TOKEN", "tok-from-myco")

    def creds(var: str) -> dict:
        return {"name": "f1", "steps": [TRIGGER, {**ITEMS, "credentials": {"mwsAuthToken": {"env": var}}}]}

    monkeypatch.delenv("AMAZON_MWS_FLOW_ENV_PREFIX", raising=False)
    assert problems(creds("MYCO_TOKEN")) == [
        "flow.steps[1].credentials.mwsAuthToken.env: 'MYCO_TOKEN' does not start with 'AMAZON_MWS_FLOW_': a flow "
        "reads only environment variables named with AMAZON_MWS_FLOW_ENV_PREFIX (default 'AMAZON_MWS_FLOW_')"]
    monkeypatch.setenv("AMAZON_MWS_FLOW_ENV_PREFIX", "MYCO_")
    assert parse_flow(creds("MYCO_TOKEN")).cfg_for(1)["mwsAuthToken"] == "tok-from-myco"
    assert "'AMAZON_MWS_FLOW_X' does not start with 'MYCO_'" in problems(creds("AMAZON_MWS_FLOW_X"))[0]


def test_a_sink_url_and_headers_are_not_quoted_in_errors_or_reprs():
    url = "https://hooks.example/services/T0K3N-SPEC?sig=S1G-SPEC"
    flow = parse_flow({"name": "f1", "steps": [TRIGGER],
                       "sink": {"type": "webhook", "url": url, "allowPrivateNetwork": True}})
    assert flow.sink.allow_private_network and flow.sink.url == url
    assert repr(flow.sink) == "Sink(type='webhook', url='https://hooks.example/***?***')"
    errors = problems({"name": "f1", "steps": [TRIGGER],
                       "sink": {"type": "webhook", "url": "ftp" + url[5:], "headers": {"X-Key": 12345678}}})
    assert "flow.sink.url: 'ftp://hooks.example/***?***' does not match '^https?://'" in errors
    assert "flow.sink.headers.X-Key: '***' is not of type 'string'" in errors
    assert not [e for e in errors if "T0K3N-SPEC" in e or "12345678" in e]


def test_parsing_a_flow_teaches_the_redactor_its_sink_url_and_secret_headers():
    from amazon_mws.runtime.secrets import redact

    line = "POST /services/T0K3N-LOGGED?sig=S1G-LOGGED Authorization: Bearer H3ADER-LOGGED (application/x-ndjson)"
    parse_flow({"name": "f1", "steps": [TRIGGER], "sink": {
        "type": "webhook", "url": "https://hooks.example/services/T0K3N-LOGGED?sig=S1G-LOGGED",
        "headers": {"Authorization": "Bearer H3ADER-LOGGED", "Content-Type": "application/x-ndjson"}}})
    masked = redact(line)
    assert not [s for s in ("T0K3N-LOGGED", "S1G-LOGGED", "H3ADER-LOGGED") if s in masked], masked
    assert "application/x-ndjson" in masked  # a header that describes the body is not a secret
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
