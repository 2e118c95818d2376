"""Bad input to the commands: a clear error naming the file and the rule, exit status 2, no traceback.

JSON nested thousands of levels deep, a file saved in another encoding than UTF-8, a state file that is
locked by another process or is not a SQLite file at all.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

pytestmark = pytest.mark.timeout(120)
NESTED = "[" * 100_000 + "]" * 100_000


def refused(done, *needles: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and done.stdout == ""
    for needle in needles:
        assert needle in done.stderr


def test_deeply_nested_json_is_refused_naming_the_file(cli, tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(NESTED)
    refused(cli("run", "getOrder", "--config", cfg), f"--config {cfg}: not usable JSON: nested too deeply")
    refused(cli("run", "getOrder", "--config", cfg, "--message", "-", input="{}"), "nested too deeply")
    good = tmp_path / "good.json"
    good.write_text("{}")
    refused(cli("run", "getOrder", "--config", good, "--message", "-", input=NESTED),
            "--message - (stdin): not usable JSON: nested too deeply")
    flow = tmp_path / "flow.json"
    flow.write_text(NESTED)
    refused(cli("flow", "run", flow, "--once"), f"{flow}: not usable JSON: nested too deeply")


def test_a_file_that_is_not_utf8_is_refused_naming_the_file_and_the_byte(cli, tmp_path):
    good = tmp_path / "good.json"
    good.write_text("{}")
    message = tmp_path / "msg.json"
    message.write_bytes(b'{"amazonOrderIds": ["caf\xe9"]}')
    refused(cli("run", "getOrder", "--config", good, "--message", message),
            f"--message {message}: not UTF-8 text (byte 24 is b'\\xe9'); save it as UTF-8")
    flow = tmp_path / "flow.json"
    flow.write_bytes(b'{"name": "caf\xe9"}')
    refused(cli("flow", "run", flow, "--once"), f"{flow}: not UTF-8 text")
    creds = tmp_path / "seller.json"
    creds.write_bytes(b'{"sellerId": "\xff"}')
    flow.write_text(json.dumps({"name": "x", "credentials": {"file": "seller.json"},
                                "steps": [{"step": "getNewAndUpdatedOrders", "config": {"orderStatus": ["Shipped"]}}]}))
    refused(cli("flow", "run", flow, "--once"), f"flow.credentials.file: {creds}: not UTF-8 text")


def test_a_locked_or_broken_state_file_is_refused_naming_it(cli, tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text("{}")
    state = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(state, isolation_level=None)
    holder.execute("CREATE TABLE t (a)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        env = {"AMAZON_MWS_STATE_PATH": str(state), "AMAZON_MWS_STATE_BUSY_TIMEOUT": "0.5"}
        refused(cli("run", "getOrder", "--config", cfg, env=env),
                f"state file {state} (AMAZON_MWS_STATE_PATH): cannot use it: database is locked")
        flow = tmp_path / "flow.json"
        flow.write_text(json.dumps({"name": "x", "steps": [{"step": "getNewAndUpdatedOrders"}]}))
        refused(cli("flow", "run", flow, "--once", env=env), "database is locked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database, it is a note" * 100)
    refused(cli("run", "getOrder", "--config", cfg, env={"AMAZON_MWS_STATE_PATH": str(garbage)}),
            f"state file {garbage} (AMAZON_MWS_STATE_PATH): cannot use it: file is not a database")
    assert garbage.read_bytes().startswith(b"this is not a database")  # nothing half-done to it


def test_a_state_file_on_a_read_only_filesystem_is_refused_naming_it(cli, tmp_path):
    """sysfs is read-only even for root (CI runs as root, where a chmod would not stop a write): a state file
    there cannot be created, and the run says so before any request instead of failing mid-run."""
    cfg = tmp_path / "cfg.json"
    cfg.write_text("{}")
    for state in ("/sys/kernel/amazon-mws-state.sqlite3", "/proc/version"):
        refused(cli("run", "getOrder", "--config", cfg, env={"AMAZON_MWS_STATE_PATH": state}),
                f"state file {state} (AMAZON_MWS_STATE_PATH): cannot use it: unable to open database file")
