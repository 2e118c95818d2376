"""No secret (secret key, MWS auth token, LWA client secret, refresh token) in any byte a run prints.

The CLI runs here use LOG_LEVEL=DEBUG (urllib3's request lines included) and cover the trigger, getOrder,
a feed action, verify and the error paths (bad signature, a fault past the retry cap, bad input, bad
config, an unreachable endpoint, a sample run refused by the quota, a refused refresh token). Each test
asserts its own outputs are clean; the conftest scans them again, with every log record of the suite.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hardening_support import ALL_STATUSES, NEEDLES, SECRETS, leaks

from amazon_mws.core.errors import MAX_RETRIES


def _write(tmp_path: Path, name: str, value: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value))
    return path


def _events(proc) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def _clean(proc) -> None:
    assert not leaks(proc.stdout) and not leaks(proc.stderr), leaks(proc.stdout + proc.stderr)
    assert proc.stderr.strip(), "the run logged something (the scan saw real logs)"


def test_the_scan_finds_secrets_in_every_encoding():
    """The net has no hole for the forms a secret takes on the wire or in JSON."""
    from urllib.parse import quote

    key = SECRETS["secretKey"]
    for text in (key, quote(key, safe=""), json.dumps({"k": key}), f"MWSAuthToken={quote(SECRETS['mwsAuthToken'])}"):
        assert leaks(f"... {text} ..."), text
    assert len(NEEDLES) >= 2 * len(SECRETS)


def test_verify_good_and_bad_credentials(sb, cfg, cli, tmp_path):
    good = cli("verify", "--config", _write(tmp_path, "good.json", cfg))
    assert good.returncode == 0 and json.loads(good.stdout) == {"verified": True}
    _clean(good)
    bad = cli("verify", "--config", _write(tmp_path, "bad.json", {**cfg, "secretKey": SECRETS["wrongSecretKey"]}))
    assert bad.returncode == 1
    out = json.loads(bad.stdout)
    assert out["verified"] is False and "SignatureDoesNotMatch" in json.dumps(out)
    _clean(bad)


def test_trigger_with_snapshot(sb, cfg, cli, tmp_path):
    run_cfg = {**cfg, "orderStatus": ALL_STATUSES, "maxResultsPerPage": 50, "emitBehaviour": "page",
               "refreshToken": SECRETS["refreshToken"], "lwaClientSecret": SECRETS["lwaClientSecret"]}
    snap = tmp_path / "snap.json"
    proc = cli("run", "getNewAndUpdatedOrders", "--config", _write(tmp_path, "cfg.json", run_cfg), "--snapshot", snap)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sum(len(e["body"]["orders"]) for e in _events(proc) if e["event"] == "data") > 200
    _clean(proc)
    assert not leaks(snap.read_text())


def test_get_order_and_list_order_items(sb, cfg, cli, tmp_path):
    order_id = next(iter(sb.orders))
    conf = _write(tmp_path, "cfg.json", cfg)
    message = _write(tmp_path, "m.json", {"body": {"amazonOrderIds": [order_id]}})
    got = cli("run", "getOrder", "--config", conf, "--message", message)
    assert got.returncode == 0 and order_id in got.stdout
    _clean(got)
    message = _write(tmp_path, "i.json", {"body": {"amazonOrderId": order_id}})
    items = cli("run", "listOrderItems", "--config", conf, "--message", message)
    assert items.returncode == 0, items.stderr[-2000:]
    _clean(items)


def test_feed_action_submit_and_wait(sb, cfg, cli, tmp_path):
    body = {"messages": [{"SKU": f"HARD-{i}", "Quantity": i} for i in range(5)]}
    proc = cli("run", "updateItem", "--config", _write(tmp_path, "cfg.json", cfg),
               "--message", _write(tmp_path, "m.json", {"body": body}))
    assert proc.returncode == 0, proc.stderr[-2000:]
    [data] = [e for e in _events(proc) if e["event"] == "data"]
    assert data["body"]["status"] == "_DONE_" and data["body"]["processingReport"]["messagesProcessed"] == 5
    _clean(proc)


@pytest.mark.parametrize(
    "case",
    ["fault-past-cap", "bad-message", "bad-config", "unreachable", "sample-throttled", "bad-signature"],
)
def test_error_paths(case, sb, cfg, cli, tmp_path):
    order_id = next(iter(sb.orders))
    message = {"body": {"amazonOrderIds": [order_id]}}
    args: list[object] = []
    if case == "fault-past-cap":
        sb.inject_fault("500", MAX_RETRIES + 1, "GetOrder")
    elif case == "bad-message":
        message = {"body": {"amazonOrderIds": "not-a-list"}}
    elif case == "bad-config":
        cfg = {k: v for k, v in cfg.items() if k != "sellerId"}
    elif case == "unreachable":
        cfg = {**cfg, "endpoint": "http://127.0.0.1:9"}
    elif case == "sample-throttled":
        sb.inject_fault("throttle", 1, "GetOrder")
        args = ["--sample"]
    elif case == "bad-signature":
        cfg = {**cfg, "secretKey": SECRETS["wrongSecretKey"]}
    proc = cli("run", "getOrder", "--config", _write(tmp_path, "cfg.json", cfg),
               "--message", _write(tmp_path, "m.json", message), *args)
    assert proc.returncode == (2 if case == "bad-config" else 1), (case, proc.stdout, proc.stderr[-2000:])
    [error] = [e["error"] for e in _events(proc) if e["event"] == "error"]
    assert error["message"]
    _clean(proc)


def test_a_crash_inside_a_step_logs_its_traceback_without_secrets(sb, cfg, cli, tmp_path):
    """A Python exception deep in a step: the DEBUG traceback goes to stderr, masked."""
    conf = _write(tmp_path, "cfg.json", {**cfg, "orderStatus": ALL_STATUSES})  # a good config: the step runs
    snap = _write(tmp_path, "snap.json", {"cursor": "not a time"})  # and trips over its own state
    proc = cli("run", "getNewAndUpdatedOrders", "--config", conf, "--snapshot", snap)
    assert proc.returncode == 1 and "Traceback" in proc.stderr, proc.stderr[-2000:]
    _clean(proc)


def test_sp_api_refresh_token_in_process(sb):
    """SP-API (Login with Amazon) in this process at DEBUG: a good and a refused refresh token. The
    conftest's unfiltered handler sees every record; the error text is checked here."""
    from amazon_mws.backends import orders_api

    sp = sb.sp_credentials
    assert sp["refreshToken"] == SECRETS["refreshToken"] and sp["lwaClientSecret"] == SECRETS["lwaClientSecret"]
    order_id = next(iter(sb.orders))
    assert [o["AmazonOrderId"] for o in orders_api(sp).get_order([order_id])] == [order_id]
    with pytest.raises(Exception) as refused:
        orders_api({**sp, "refreshToken": SECRETS["refreshToken"] + "x"}).get_order([order_id])
    assert "refreshToken" in str(refused.value)
    assert not leaks(str(refused.value)) and not leaks(repr(refused.value))
