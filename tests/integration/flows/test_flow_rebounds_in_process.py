"""``amazon-mws flow run --once`` in one process with steps that never stop rebounding: the flow waits as the
rebound policy says, then reports a ReboundLimitError for the step (exit 1), never a silent stop.

The fixture component's ``alwaysReboundTrigger`` and ``alwaysRebound`` (tests/fixtures/component) rebound
every time; the CLI is the installed command in a subprocess with its own SQLite state file.
"""

from __future__ import annotations

import json

import pytest

from testsupport import FIXTURE_COMPONENT

pytestmark = pytest.mark.timeout(120)

CREDENTIALS = {"sellerId": "A1SELLER", "secretKey": "right-secret-key-0001", "marketplaceId": "ATVPDKIKX0DER"}
ENV = {"AMAZON_MWS_COMPONENT_DIR": str(FIXTURE_COMPONENT), "REBOUND_INITIAL_DELAY": "0.01",
       "REBOUND_MAX_RETRIES": "2"}


def run_once(cli, tmp_path, steps):
    flow_file = tmp_path / "flow.json"
    flow_file.write_text(json.dumps({"name": "rebounds", "credentials": CREDENTIALS, "steps": steps,
                                     "sink": {"type": "file", "path": "out.jsonl"}}))
    proc = cli("flow", "run", flow_file, "--once", env=ENV)
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["event"] == "flowDone" and summary["mode"] == "in-process", proc.stdout
    return proc, summary


def test_a_trigger_that_always_rebounds_ends_the_run_with_the_rebound_limit(cli, tmp_path):
    proc, summary = run_once(cli, tmp_path, [{"id": "never", "step": "alwaysReboundTrigger"}])
    assert proc.returncode == 1 and not summary["ok"]
    assert summary["errors"] == [{
        "step": "never", "messageId": "poll", "type": "ReboundLimitError",
        "message": "alwaysReboundTrigger: rebounded 2 times (REBOUND_MAX_RETRIES=2); giving up (raise "
                   "REBOUND_MAX_RETRIES to wait longer); last reason: never ready (try 3)",
    }]
    assert summary["delivered"] == 0


def test_an_action_that_always_rebounds_reports_each_message_and_delivers_the_rest(cli, tmp_path):
    proc, summary = run_once(cli, tmp_path, [
        {"id": "things", "step": "listThings", "config": {"status": "Shipped", "count": "1"}},
        {"id": "never", "step": "alwaysRebound"},
    ])
    assert proc.returncode == 1 and not summary["ok"]
    (error,) = summary["errors"]
    assert error["step"] == "never" and error["type"] == "ReboundLimitError"
    assert error["message"].startswith("alwaysRebound: rebounded 2 times (REBOUND_MAX_RETRIES=2); giving up")
    assert summary["messages"] == 2 and summary["delivered"] == 0  # the trigger's run and the action's
    assert not (tmp_path / "out.jsonl").exists() or (tmp_path / "out.jsonl").read_text() == ""
