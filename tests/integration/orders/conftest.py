"""Fixtures for the orders steps: a real sandbox over loopback and the installed CLI as a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from amazon_mws.sandbox import Sandbox
from amazon_mws.steps.fields import ORDER_STATUSES

# Quotas compressed 100x on both sides: ListOrders restores one request every 0.6 s.
TIME_SCALE = 0.01
ALL_STATUSES = list(ORDER_STATUSES)


def cli_path() -> str:
    found = shutil.which("amazon-mws", path=str(Path(sys.executable).parent)) or shutil.which("amazon-mws")
    assert found, "the amazon-mws command is not installed in this environment"
    return found


@dataclass
class CliRun:
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


@pytest.fixture
def cli_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        {
            "AMAZON_MWS_TIME_SCALE": str(TIME_SCALE),
            "AMAZON_MWS_STATE_PATH": str(tmp_path / "state.sqlite3"),
            "LOG_LEVEL": "INFO",
        }
    )
    return env


@pytest.fixture
def run_cli(tmp_path, cli_env):
    """Run `amazon-mws run STEP` with a config (and message, snapshot path); parse its JSON lines."""

    def run(
        step: str,
        cfg: dict,
        *,
        message: dict | None = None,
        snapshot: Path | None = None,
        sample: bool = False,
        env: dict | None = None,
        timeout: float = 120,
    ) -> CliRun:
        cfg_path = tmp_path / f"cfg-{step}.json"
        cfg_path.write_text(json.dumps(cfg))
        argv = [cli_path(), "run", step, "--config", str(cfg_path)]
        if message is not None:
            msg_path = tmp_path / f"msg-{step}.json"
            msg_path.write_text(json.dumps(message))
            argv += ["--message", str(msg_path)]
        if snapshot is not None:
            argv += ["--snapshot", str(snapshot)]
        if sample:
            argv.append("--sample")
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env={**cli_env, **(env or {})})
        events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
        return CliRun(proc.returncode, events, proc.stderr, proc.stdout)

    return run


@pytest.fixture
def sandbox():
    with Sandbox(orders=250, seed=11, time_scale=TIME_SCALE, items_page_size=2) as sb:
        yield sb


def trigger_cfg(sb: Sandbox, **fields) -> dict:
    cfg = dict(sb.credentials)
    cfg.update({"orderStatus": ALL_STATUSES, "startTime": "1970-01-01T00:00:00.000 +0000"})
    cfg.update(fields)
    return cfg
