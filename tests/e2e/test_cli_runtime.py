"""`amazon-mws run | verify | metadata | select` as users call them: the installed CLI in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testsupport import FIXTURE_COMPONENT as FIXTURE

pytestmark = pytest.mark.timeout(120)

SECRET = "right-secret-key-0001"
CFG = {"sellerId": "A1SELLER", "secretKey": SECRET, "marketplaceId": "ATVPDKIKX0DER"}
GOOD_ID = "123-1234567-1234567"


@pytest.fixture
def run(cli, fixture_component, tmp_path):
    """cli() with the fixture component, plus helpers to write files and parse the event lines."""

    def write(name: str, value) -> Path:
        path = tmp_path / name
        path.write_text(value if isinstance(value, str) else json.dumps(value))
        return path

    def call(*args, **kwargs):
        proc = cli(*args, **kwargs)
        proc.events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        return proc

    call.write = write
    return call


def test_run_action_prints_one_json_line_per_event(run):
    cfg = run.write("cfg.json", CFG)
    msg = run.write("msg.json", {"amazonOrderIds": [GOOD_ID]})
    proc = run("run", "echoOrders", "--config", cfg, "--message", msg)
    assert proc.returncode == 0, proc.stderr
    data, end = proc.events
    assert data["event"] == "data" and set(data) == {"event", "id", "body", "headers"}
    assert data["body"] == {"orders": [{"AmazonOrderId": GOOD_ID, "SalesChannel": "AFN"}]}
    assert data["headers"] == {"source": "echo"}
    assert end == {"event": "end"}


def test_message_from_stdin_as_a_whole_message(run):
    cfg = run.write("cfg.json", dict(CFG, channel="MFN"))
    whole = json.dumps({"id": "m-1", "body": {"amazonOrderIds": [GOOD_ID]}, "headers": {"x": 1}})
    proc = run("run", "echoOrders", "--config", cfg, "--message", "-", input=whole)
    assert proc.returncode == 0, proc.stderr
    assert proc.events[0]["body"]["orders"][0]["SalesChannel"] == "MFN"


REBOUND_FAST = {"REBOUND_INITIAL_DELAY": "0.01", "REBOUND_MAX_RETRIES": "2"}


def test_a_step_that_rebounds_is_run_again_then_ends_with_the_rebound_limit(run):
    cfg = run.write("cfg.json", CFG)
    proc = run("run", "alwaysRebound", "--config", cfg, env=REBOUND_FAST)
    assert proc.returncode == 1, proc.stderr
    assert [e["event"] for e in proc.events] == ["snapshot", "rebound"] * 3 + ["error", "end"]
    assert [e["reason"] for e in proc.events if e["event"] == "rebound"] == [
        "never ready (try 1)", "never ready (try 2)", "never ready (try 3)"]
    assert proc.events[-4]["snapshot"] == {"tries": 3, "attempts": [0, 1, 2]}  # ctx.attempt counts rebounds
    assert proc.events[-2]["error"] == {
        "type": "ReboundLimitError",
        "message": "alwaysRebound: rebounded 2 times (REBOUND_MAX_RETRIES=2); giving up (raise REBOUND_MAX_RETRIES "
                   "to wait longer); last reason: never ready (try 3)",
    }


def test_a_rebound_that_clears_ends_like_any_run_and_lines_obey_the_limit_too(run):
    cfg = run.write("cfg.json", CFG)
    ok = run("run", "flaky", "--config", cfg, "--message", run.write("m.json", {"succeedOn": 2}), env=REBOUND_FAST)
    assert ok.returncode == 0, ok.stderr
    assert [e["event"] for e in ok.events] == ["snapshot", "rebound", "snapshot", "data", "end"]
    lines = run.write("m.jsonl", "".join(json.dumps({"id": i, "body": {}}) + "\n" for i in "ab"))
    many = run("run", "alwaysRebound", "--config", cfg, "--message", lines, env=REBOUND_FAST)
    assert many.returncode == 1, many.stderr
    assert [(e["inputId"], e["error"]["type"]) for e in many.events] == [("a", "ReboundLimitError"),
                                                                        ("b", "ReboundLimitError")]


def test_a_bad_rebound_setting_is_a_usage_error(run):
    proc = run("run", "alwaysRebound", "--config", run.write("cfg.json", CFG), env={"REBOUND_MAX_RETRIES": "lots"})
    assert proc.returncode == 2 and proc.stdout == ""
    assert "amazon-mws run: REBOUND_MAX_RETRIES: 'lots' is not a whole number" in proc.stderr


def test_bad_json_config_is_a_usage_error_naming_the_file(run):
    cfg = run.write("cfg.json", '{"sellerId": ')
    proc = run("run", "echoOrders", "--config", cfg)
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"amazon-mws run: --config {cfg}: not valid JSON" in proc.stderr


def test_bad_json_message_and_missing_file_are_usage_errors(run):
    cfg = run.write("cfg.json", CFG)
    proc = run("run", "echoOrders", "--config", cfg, "--message", "-", input="nope")
    assert proc.returncode == 2 and "--message - (stdin): not valid JSON" in proc.stderr
    proc = run("run", "echoOrders", "--config", run.write("x", "{}").parent / "missing.json")
    assert proc.returncode == 2 and "missing.json: cannot read" in proc.stderr


def test_unknown_step_is_a_usage_error(run):
    proc = run("run", "nope", "--config", run.write("cfg.json", CFG))
    assert proc.returncode == 2 and "unknown step 'nope'" in proc.stderr and proc.stdout == ""


def test_malformed_config_is_a_usage_error_naming_every_problem_and_process_never_runs(run):
    cfg = run.write("cfg.json", {"sellerId": "S", "marketplaceId": "M", "status": "Lost", "cuont": "2"})
    snap = run.tmp = run.write("snap.json", {"cursor": 7})
    proc = run("run", "listThings", "--config", cfg, "--snapshot", snap)
    assert proc.returncode == 2
    problems = ("cfg.secretKey: is required; cfg.status: 'Lost' is not one of ['Pending', 'Shipped']; "
                "cfg.cuont: unknown field (did you mean count?)")
    assert proc.events == [
        {"event": "error", "error": {"type": "ValidationError", "message": problems}},
        {"event": "end"},
    ]
    assert f"amazon-mws run: --config refused: {problems}" in proc.stderr
    assert json.loads(snap.read_text()) == {"cursor": 7}


def test_malformed_body_names_path_and_rule(run):
    cfg = run.write("cfg.json", CFG)
    msg = run.write("msg.json", {"amazonOrderIds": [GOOD_ID, GOOD_ID, "12"]})
    proc = run("run", "echoOrders", "--config", cfg, "--message", msg)
    assert proc.returncode == 1
    assert proc.events[0]["error"] == {
        "type": "ValidationError",
        "message": r"body.amazonOrderIds[2]: '12' does not match '^\d{3}-\d{7}-\d{7}$'",
    }


def test_snapshot_file_is_read_before_and_written_after(run):
    cfg = run.write("cfg.json", dict(CFG, status="Shipped", count="2"))
    snap = run.tmp_snap = Path(run.write("unused", "").parent / "state" / "snap.json")
    first = run("run", "listThings", "--config", cfg, "--snapshot", snap)
    assert first.returncode == 0, first.stderr
    assert [e["event"] for e in first.events] == ["data", "snapshot", "end"]
    assert first.events[1] == {"event": "snapshot", "snapshot": {"cursor": 2}, "update": {"cursor": 2}}
    assert json.loads(snap.read_text()) == {"cursor": 2}
    second = run("run", "listThings", "--config", cfg, "--snapshot", snap)
    assert [t["id"] for t in second.events[0]["body"]["things"]] == [2, 3]
    assert json.loads(snap.read_text()) == {"cursor": 4}
    snap.write_text(json.dumps({"cursor": 100}))  # the file is the truth, not the store
    third = run("run", "listThings", "--config", cfg, "--snapshot", snap)
    assert third.events[0]["body"]["things"][0]["id"] == 100
    assert not list(snap.parent.glob(".snap.json.*"))  # no temp files left behind


def test_without_snapshot_state_persists_per_step_and_cfg(run):
    cfg = run.write("cfg.json", dict(CFG, status="Pending", count="1"))
    ids = [run("run", "listThings", "--config", cfg).events[0]["body"]["things"][0]["id"] for _ in range(2)]
    assert ids == [0, 1]
    other = run.write("other.json", dict(CFG, status="Pending", count="2"))
    assert run("run", "listThings", "--config", other).events[0]["body"]["things"][0]["id"] == 0


def test_fifty_thousand_lazy_items_stream_out(run):
    cfg = run.write("cfg.json", dict(CFG, status="Pending", count="50000", lazy=True))
    proc = run("run", "listThings", "--config", cfg, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    kinds = [e["event"] for e in proc.events]
    assert kinds == ["snapshot", "data", "snapshot", "end"]
    things = proc.events[1]["body"]["things"]
    assert len(things) == 50_000 and things[0] == {"id": 0, "status": "Pending"} and things[-1]["id"] == 49_999


def test_a_failing_step_leaks_no_secret_anywhere(run):
    pin, token = "pin-7788-secret", "amzn.mws.4ea38b7b-f563-7709-4bae-SECRETTOKEN"
    cfg = run.write("cfg.json", dict(CFG, apiPin=pin, mwsAuthToken=token))
    proc = run("run", "explode", "--config", cfg, env={"LOG_LEVEL": "DEBUG"})
    assert proc.returncode == 1
    everything = proc.stdout + proc.stderr
    for secret in (SECRET, pin, token):
        assert secret not in everything
    assert proc.events[0] == {
        "event": "error",
        "error": {"type": "RuntimeError", "message": "Amazon refused key *** / token ***"},
    }
    assert "Traceback" not in proc.stdout and "Traceback" in proc.stderr  # DEBUG log keeps the traceback
    assert "printed: *** *** ***" in proc.stderr  # the step's print() went to stderr, masked
    assert "debug: signing with ['***', '***', '***']" in proc.stderr


def test_logs_go_to_stderr_at_warning_by_default(run):
    cfg = run.write("cfg.json", dict(CFG, status="Pending"))
    quiet = run("run", "listThings", "--config", cfg)
    assert "listing 3 things" not in quiet.stderr
    loud = run("run", "listThings", "--config", cfg, env={"LOG_LEVEL": "INFO"})
    assert "listing 3 things from 3" in loud.stderr and "listing" not in loud.stdout


def test_verify(run):
    good = run("verify", "--config", run.write("good.json", CFG))
    assert good.returncode == 0 and good.events == [{"verified": True}]
    bad = run("verify", "--config", run.write("bad.json", dict(CFG, secretKey="wrong-secret-key-99")))
    assert bad.returncode == 1
    assert bad.events == [
        {
            "verified": False,
            "error": {"type": "PermissionError", "message": "the signature made with *** does not match"},
        }
    ]
    assert "wrong-secret-key-99" not in bad.stdout + bad.stderr


def test_metadata_static_and_dynamic(run):
    cfg = run.write("cfg.json", dict(CFG, fieldName="sku"))
    static = run("metadata", "echoOrders", "--config", cfg)
    assert static.returncode == 0
    assert static.events[0]["in"]["properties"]["amazonOrderIds"]["maxItems"] == 50
    dynamic = run("metadata", "dynamic", "--config", cfg)
    assert dynamic.events[0]["in"]["properties"]["sku"]["required"] is True
    thing = json.loads((FIXTURE / "schemas" / "definitions" / "thing.json").read_text())
    assert dynamic.events[0]["out"] == thing  # the $ref, resolved: designers' mappers follow none


def test_select(run):
    cfg = run.write("cfg.json", CFG)
    assert run("select", "listThings", "status", "--config", cfg).events == [
        {"Pending": "Pending", "Shipped": "Shipped"}
    ]
    assert run("select", "listThings", "kinds", "--config", cfg).events == [{"small": "Small", "large": "Large"}]
    markets = run("select", "listThings", "marketplaceId", "--config", cfg).events[0]
    assert markets["ATVPDKIKX0DER"] == "United States (amazon.com)"
    missing = run("select", "listThings", "nope", "--config", cfg)
    assert missing.returncode == 1 and missing.events[0]["error"]["type"] == "ValidationError"


def test_broken_component_is_reported_on_stderr(run, tmp_path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "component.json").write_text(json.dumps({"actions": {"a": {"main": "./actions/a.py"}}}))
    proc = run(
        "run", "a", "--config", run.write("cfg.json", {}), env={"AMAZON_MWS_COMPONENT_DIR": str(tmp_path / "broken")}
    )
    assert proc.returncode == 2
    assert "component.json: actions.a.main: ./actions/a.py does not exist" in proc.stderr


def test_worker_needs_redis_url(cli):
    proc = cli("worker", env={"REDIS_URL": None})
    assert proc.returncode == 2 and "REDIS_URL is not set" in proc.stderr


def test_real_component_marketplace_select(cli, tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text("{}")
    env = {"AMAZON_MWS_COMPONENT_DIR": None}
    proc = cli("select", "getNewAndUpdatedOrders", "marketplaceId", "--config", cfg, env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["A1F83G8C2ARO7P"] == "United Kingdom (amazon.co.uk)"
