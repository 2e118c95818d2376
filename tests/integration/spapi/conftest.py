"""Fixtures for the SP-API backend tests: sandboxes, the installed CLI (on the root `cli` fixture), and
Amazon's SP-API models as the oracle. Helpers live in spapi_support."""

from __future__ import annotations

import json

import pytest

from amazon_mws.sandbox import Sandbox

from .spapi_support import TIME_SCALE, CliRun, load_model


@pytest.fixture
def sandbox():
    with Sandbox(orders=250, seed=11, time_scale=TIME_SCALE, items_page_size=2) as sb:
        yield sb


@pytest.fixture
def small_sandbox():
    """For runs that fetch every order's items (a request or more per order)."""
    with Sandbox(orders=40, seed=5, time_scale=TIME_SCALE, items_page_size=2) as sb:
        yield sb


@pytest.fixture
def cli_env() -> dict[str, str | None]:
    """What every CLI run of these tests gets on top of the root `cli` fixture's environment."""
    return {"AMAZON_MWS_TIME_SCALE": str(TIME_SCALE), "LOG_LEVEL": "INFO"}


@pytest.fixture
def run_cli(cli, tmp_path, cli_env):
    """`amazon-mws run STEP` with a config (and message, snapshot path); its JSON lines parsed."""

    def run(step: str, cfg: dict, *, message: dict | None = None, snapshot=None, sample: bool = False,
            env: dict | None = None, timeout: float = 120) -> CliRun:
        cfg_path = tmp_path / f"cfg-{step}.json"
        cfg_path.write_text(json.dumps(cfg))
        args = ["run", step, "--config", cfg_path]
        if message is not None:
            msg_path = tmp_path / f"msg-{step}.json"
            msg_path.write_text(json.dumps(message))
            args += ["--message", msg_path]
        if snapshot is not None:
            args += ["--snapshot", snapshot]
        if sample:
            args.append("--sample")
        proc = cli(*args, env={**cli_env, **(env or {})}, timeout=timeout)
        events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
        return CliRun(proc.returncode, events, proc.stderr, proc.stdout)

    return run


@pytest.fixture(scope="session")
def orders_model() -> dict:
    return load_model("orders-api-model/ordersV0.json")


@pytest.fixture(scope="session")
def feeds_model() -> dict:
    return load_model("feeds-api-model/feeds_2021-06-30.json")
