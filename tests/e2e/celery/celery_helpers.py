"""Helpers for tests/e2e/celery: real worker processes, a local webhook receiver, flow files.

Each test file uses its own Redis DB (9-12) and a unique queue base name and key prefix, so test runs in
parallel do not see each other; only our own keys are deleted afterwards. Workers run in their own
process group, so a test can SIGKILL one whole worker (main process and pool child) like a machine dying.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from receivers import Receiver

AMAZON_MWS_BIN = Path(sys.executable).parent / "amazon-mws"
ALL_STATUSES = ["Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled", "Unfulfillable",
                "InvoiceUnconfirmed", "PendingAvailability"]


class Workers:
    """``amazon-mws worker`` processes sharing one broker, queue base and state prefix."""

    def __init__(self, tmp: Path, db: int, **env: str):
        self.run_id = uuid.uuid4().hex[:10]
        self.url = f"redis://127.0.0.1:6379/{db}"
        self.queue = f"test-celery-{self.run_id}"
        self.prefix = f"test-celery-{self.run_id}:"
        self.tmp = tmp
        self.env = {
            **os.environ,
            "REDIS_URL": self.url,
            "AMAZON_MWS_QUEUE": self.queue,
            "AMAZON_MWS_STATE_PREFIX": self.prefix,
            "LOG_LEVEL": "INFO",
            "FLOW_LOCK_TTL": "2",
            "CELERY_VISIBILITY_TIMEOUT": "20",
            **env,
        }
        self.env.pop("AMAZON_MWS_COMPONENT_DIR", None)
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        self.client = redis.Redis.from_url(self.url)

    def start(self, count: int = 1, timeout: float = 40) -> list[int]:
        started = []
        for _ in range(count):
            n = len(self.procs)
            log = self.tmp / f"worker-{n}.log"
            proc = subprocess.Popen(
                [str(AMAZON_MWS_BIN), "worker", "--concurrency", "1", "--loglevel", "INFO"],
                env={**self.env, "CELERY_HOSTNAME": f"w{n}-{self.run_id}"},
                stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
            )
            self.procs.append(proc)
            self.logs.append(log)
            started.append(n)
        deadline = time.monotonic() + timeout
        for n in started:
            while "ready." not in self.logs[n].read_text():
                assert self.procs[n].poll() is None, self.logs[n].read_text()
                assert time.monotonic() < deadline, "worker not ready:\n" + self.logs[n].read_text()
                time.sleep(0.1)
        return started

    def kill(self, n: int) -> None:
        """SIGKILL the worker's whole process group: no warm shutdown, no ack, nothing saved."""
        os.killpg(self.procs[n].pid, signal.SIGKILL)
        self.procs[n].wait(timeout=10)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def log_text(self) -> str:
        return "\n".join(p.read_text() for p in self.logs)

    def cleanup(self) -> None:
        keys = list(self.client.scan_iter(match=f"{self.prefix}*"))
        keys += [k for q in (self.queue, f"{self.queue}.poll", f"{self.queue}.feed-checks")
                 for k in self.client.scan_iter(match=f"*{q}*")]
        keys += list(self.client.scan_iter(match="celery-task-meta-*"))
        if keys:
            self.client.delete(*keys)
        self.client.close()

    def set_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make this process a client of the same broker, queues and prefix (for the Python API)."""
        for key in ("REDIS_URL", "AMAZON_MWS_QUEUE", "AMAZON_MWS_STATE_PREFIX", "FLOW_LOCK_TTL"):
            monkeypatch.setenv(key, self.env[key])
        for key in ("AMAZON_MWS_TIME_SCALE", "RESPONSE_CHECK_DELAY"):
            if key in self.env:
                monkeypatch.setenv(key, self.env[key])

    def app(self):
        from amazon_mws.workers.app import make_app

        return make_app(self.url)


@pytest.fixture
def workers_factory(tmp_path: Path) -> Iterator[Any]:
    assert redis.Redis.from_url("redis://127.0.0.1:6379/0").ping(), "Redis does not answer on 127.0.0.1:6379"
    made: list[Workers] = []

    def make(db: int, **env: str) -> Workers:
        w = Workers(tmp_path, db, **env)
        made.append(w)
        return w

    yield make
    for w in made:
        w.stop()
        w.cleanup()


@pytest.fixture
def webhook_factory() -> Iterator[Any]:
    made: list[Receiver] = []

    def make(fail_first: int = 0) -> Receiver:
        hook = Receiver("ok", fail_first=fail_first)
        made.append(hook)
        return hook

    yield make
    for hook in made:
        hook.close()


def orders_flow(name: str, credentials: dict[str, Any], start: str, sink: dict[str, Any], *,
                per_page: int = 20, items: bool = True) -> dict[str, Any]:
    """orders (one message per order) -> listOrderItems (one per order id) -> sink."""
    steps: list[dict[str, Any]] = [{
        "id": "orders", "step": "getNewAndUpdatedOrders",
        "config": {"orderStatus": ALL_STATUSES, "emitBehaviour": "order", "maxResultsPerPage": per_page,
                   "startTime": start},
    }]
    if items:
        steps.append({"id": "items", "step": "listOrderItems",
                      "map": {"amazonOrderId": "orders[*].AmazonOrderId"}})
    return {"name": name, "credentials": credentials, "steps": steps, "sink": sink}
