"""A config with mistakes, through the installed CLI against the sandbox: refused before any request.

A misspelt field used to be ignored (its default ran, a run that looked right and was not), and several
mistakes took several runs to find. Now `run` answers once with every problem, each naming its field, and
exits 2 (a usage error) without sending Amazon anything: the sandbox's request log stays empty.
"""

from __future__ import annotations

import json

import pytest

from amazon_mws.sandbox import Sandbox

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def sb():
    with Sandbox(orders=20, seed=17, time_scale=0.01) as box:
        yield box


def run(cli, tmp_path, cfg, *args):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(cfg))
    proc = cli("run", "getNewAndUpdatedOrders", "--config", path, *args, env={"AMAZON_MWS_TIME_SCALE": "0.01"})
    proc.events = [json.loads(line) for line in proc.stdout.splitlines()]
    return proc


def test_a_misspelt_field_exits_2_with_the_suggestion_and_sends_nothing(cli, tmp_path, sb):
    cfg = {**sb.credentials, "orderStatus": ["Unshipped", "PartiallyShipped"], "maxResultPerPage": 5}
    proc = run(cli, tmp_path, cfg)
    assert proc.returncode == 2, proc.stderr
    line = "cfg.maxResultPerPage: unknown field (did you mean maxResultsPerPage?)"
    assert proc.events == [{"event": "error", "error": {"type": "ValidationError", "message": line}},
                           {"event": "end"}]
    assert f"amazon-mws run: --config refused: {line}" in proc.stderr and "Traceback" not in proc.stderr
    assert sb.requests == []
    fixed = run(cli, tmp_path, {**sb.credentials, "orderStatus": ["Unshipped"], "maxResultsPerPage": 5})
    assert fixed.returncode == 0, fixed.stderr
    assert [r["action"] for r in sb.requests][:1] == ["ListOrders"]  # the log does count requests


def test_every_problem_of_a_config_comes_in_one_answer(cli, tmp_path, sb):
    sp = {k: v for k, v in sb.sp_credentials.items() if k != "backend"}  # SP-API keys, backend forgotten
    cfg = {**sp, "orderStatus": "Shipped", "emitBehavior": "page", "maxResultsPerPage": "500",
           "startTime": "yesterday"}
    proc = run(cli, tmp_path, cfg)
    assert proc.returncode == 2
    assert proc.events[0]["error"]["message"] == "; ".join([
        "cfg.emitBehavior: unknown field (did you mean emitBehaviour?)",
        "cfg.backend: these look like SP-API credentials (lwaClientId, lwaClientSecret, refreshToken, lwaTokenUrl): "
        'set "backend": "sp-api"',
        "cfg.startTime: 'yesterday' is not a time; use 1970-01-01T00:00:00.000 +0000 or ISO 8601",
        "cfg.maxResultsPerPage: 500 is not between 1 and 100",
    ])
    for secret in (sp["lwaClientSecret"], sp["refreshToken"]):
        assert secret not in proc.stdout + proc.stderr
    assert sb.requests == []


def test_many_messages_with_a_bad_config_are_refused_once(cli, tmp_path, sb):
    lines = tmp_path / "ids.jsonl"
    lines.write_text("".join(f'{{"body": {{"amazonOrderIds": ["{oid}"]}}}}\n' for oid in list(sb.orders)[:3]))
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({**sb.credentials, "endPoint": sb.endpoint}))
    proc = cli("run", "getOrder", "--config", cfg, "--message", lines)
    assert proc.returncode == 2
    line = "cfg.endPoint: unknown field (did you mean endpoint?)"
    assert [json.loads(out) for out in proc.stdout.splitlines()] == [
        {"event": "error", "error": {"type": "ValidationError", "message": line}}]  # once, not once a line
    assert sb.requests == []
