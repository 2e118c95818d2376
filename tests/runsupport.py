"""`amazon-mws run` as tests drive it: the run's parsed events, and what a window of orders must hold.

A module with a name of its own (test files and conftest files import it by name); the `run_cli` fixture
in tests/conftest.py is built on it, and each folder sets its environment with a `cli_env` fixture.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amazon_mws.core.times import parse_time
from amazon_mws.steps.fields import ORDER_STATUSES

ALL_STATUSES = list(ORDER_STATUSES)
EPOCH_CFG = "1970-01-01T00:00:00.000 +0000"


@dataclass
class CliRun:
    """One `amazon-mws run`: exit status and its JSON-lines events."""

    returncode: int
    events: list[dict]
    stderr: str
    stdout: str = field(repr=False, default="")

    def data(self) -> list[dict]:
        return [e for e in self.events if e["event"] == "data"]

    def orders(self) -> list[dict]:
        return [o for e in self.data() for o in e["body"]["orders"]]

    def errors(self) -> list[dict]:
        return [e for e in self.events if e["event"] == "error"]


def run_step_cli(
    cli: Callable[..., Any],
    folder: Path,
    step: str,
    cfg: Mapping[str, Any],
    *,
    message: dict | None = None,
    snapshot: Path | None = None,
    sample: bool = False,
    env: Mapping[str, str | None] | None = None,
    timeout: float = 120,
) -> CliRun:
    cfg_path = folder / f"cfg-{step}.json"
    cfg_path.write_text(json.dumps(dict(cfg)))
    args: list[Any] = ["run", step, "--config", cfg_path]
    if message is not None:
        msg_path = folder / f"msg-{step}.json"
        msg_path.write_text(json.dumps(message))
        args += ["--message", msg_path]
    if snapshot is not None:
        args += ["--snapshot", snapshot]
    if sample:
        args.append("--sample")
    proc = cli(*args, env=dict(env or {}), timeout=timeout)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return CliRun(proc.returncode, events, proc.stderr, proc.stdout)


def trigger_fields(base: Mapping[str, Any], **fields: Any) -> dict:
    """A trigger config: credentials, every status, from the epoch, then `fields`."""
    return {**base, "orderStatus": ALL_STATUSES, "startTime": EPOCH_CFG, **fields}


def visible_ids(orders: Mapping[str, dict] | list[dict], after: str, before: str, statuses=None) -> set[str]:
    """Orders whose LastUpdateDate is in [after, before) (and of `statuses`): what a window must return."""
    low, high = parse_time(after, "after"), parse_time(before, "before")
    values = orders.values() if isinstance(orders, Mapping) else orders
    return {
        o["AmazonOrderId"]
        for o in values
        if low <= parse_time(o["LastUpdateDate"], "o") < high and (statuses is None or o["OrderStatus"] in statuses)
    }
