"""Screen 5, Runs: each run's time, flow, status, messages, errors, cursor, feed checks and quota levels.

Runs started here are recorded in the workspace (``runs.jsonl``) with their log lines (secrets masked)
and the messages the sink got, so the screen works without Redis. The cursor is read from the state
store the runs use (the local SQLite file, or Redis with REDIS_URL). With REDIS_URL the workers' view is
shown too (``status.collect``: registered flows, their last run, pending feed checks, the shared quota
buckets); without it quota levels are this process's own buckets, and feed checks never wait in the
background (an in-process run waits for the feed result itself).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from amazon_mws.console.context import Console, console_of
from amazon_mws.console.forms import error_lines
from amazon_mws.flows.spec import Flow
from amazon_mws.runtime.secrets import redact

RUN_TIMEOUT = 600.0
MESSAGES_KEPT = 100
LOG_LINES_KEPT = 500
_RUN_LOCK = threading.Lock()  # one run at a time: the console is one designer's


class _Lines(logging.Handler):
    """Collects this thread's log records as masked lines."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.thread = threading.get_ident()
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread and len(self.lines) < LOG_LINES_KEPT:
            self.lines.append(redact(self.format(record)))


@contextlib.contextmanager
def captured_logs() -> Iterator[list[str]]:
    logger = logging.getLogger("amazon_mws")
    handler = _Lines()
    level = logger.level
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _size(path: str | None) -> int:
    try:
        return Path(path).stat().st_size if path else 0
    except OSError:
        return 0


def _new_lines(path: str | None, offset: int) -> list[str]:
    if not path or not Path(path).is_file():
        return []
    with open(path, encoding="utf-8") as fh:
        fh.seek(offset)
        return [redact(line.rstrip("\n")) for line in itertools.islice(fh, MESSAGES_KEPT)]


def cursor_of(flow: Flow) -> str | None:
    from amazon_mws.flows.stages import namespace_of
    from amazon_mws.runtime.state import state_store_from_env

    try:
        return state_store_from_env().namespace(namespace_of(flow, 0)).load().get("cursor")
    except Exception:  # a store that does not answer: the run's record stays without it
        return None


def quota_levels(seller_id: str | None) -> dict[str, dict[str, float]]:
    """The seller's quota buckets: Redis's shared ones with REDIS_URL, else this process's."""
    if not seller_id:
        return {}
    from amazon_mws.backends import shared_limiter

    limiter = shared_limiter()
    if hasattr(limiter, "levels"):
        return limiter.levels(seller_id)
    import redis

    from amazon_mws.status import quota_levels as redis_levels

    return redis_levels(redis.Redis.from_url(os.environ["REDIS_URL"]), seller_id)


def run_flow(console: Console, flow: Flow) -> dict[str, Any]:
    """One poll of the flow, waited for, recorded with its log lines and the messages its sink got."""
    from amazon_mws.runtime.errors import ValidationError
    from amazon_mws.workers.flow_runs import run_once

    record: dict[str, Any] = {"id": uuid.uuid4().hex[:12], "flow": flow.name, "startedAt": time.time()}
    sink_file = flow.sink.path if flow.sink.type == "file" else None
    with _RUN_LOCK, captured_logs() as logs:
        offset = _size(sink_file)
        try:
            record.update(run_once(flow, timeout=RUN_TIMEOUT).to_json())
        except (ValidationError, TimeoutError, OSError) as exc:
            record.update({"ok": False, "messages": 0, "delivered": 0,
                           "errors": [{"step": "flow", "type": type(exc).__name__, "message": redact(line)}
                                      for line in error_lines(exc)]})
    record["finishedAt"] = time.time()
    record["logs"] = logs
    record["output"] = _new_lines(sink_file, offset)
    record["cursor"] = cursor_of(flow)
    try:
        seller = flow.cfg_for(0).get("sellerId")
    except Exception:  # credentials moved or unreadable: the run itself says so
        seller = None
    record["quotas"] = quota_levels(seller)
    console.workspace.add_run(record)
    return record


def workers_view() -> dict[str, Any] | None:
    """``amazon-mws status``'s data with REDIS_URL, else None."""
    if not os.environ.get("REDIS_URL"):
        return None
    from amazon_mws.status import collect

    try:
        return collect()
    except Exception as exc:  # Redis down: the page says so instead of failing
        return {"flows": [], "problem": redact(str(exc)), "pendingFeedChecks": 0, "otherFeedChecks": []}


def show(request: Request) -> Response:
    console = console_of(request)
    return console.render(request, "runs.html", runs=console.workspace.runs(), workers=workers_view(),
                          redis=bool(os.environ.get("REDIS_URL")))


def detail(request: Request) -> Response:
    console = console_of(request)
    record = console.workspace.run(request.path_params["run_id"])
    if record is None:
        return console.render(request, "message.html", 404, title="No such run",
                              message="That run is not in this console's workspace.")
    return console.render(request, "run.html", run=record)


ROUTES = [
    Route("/runs", show, methods=["GET"]),
    Route("/runs/{run_id}", detail, methods=["GET"]),
]
