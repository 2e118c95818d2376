"""JSON log lines for workers: one object per record with flow, step, message and Amazon request ids.

Why context variables: the ids are known by the task that runs a step, while the lines are written deep
below it (the transport logs each Amazon reply). ``log_context(flow=..., step=..., message=...)`` sets them
for everything logged inside; a filter copies them onto each record, and the formatter writes them out.
The transport logs ``request_id=<id>`` in its message; the formatter lifts it into ``amazonRequestId``.

Turned on by ``LOG_FORMAT=json`` (or ``amazon-mws worker --log-format json``). Secrets are masked by
the ``SecretsFilter`` the handlers already carry; the formatter masks the final line once more.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from typing import Any

from amazon_mws.runtime.secrets import redact

_CONTEXT: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("amazon_mws_log_context", default=None)
_REQUEST_ID = re.compile(r"request_id=([A-Za-z0-9-]+)")
FIELDS = ("flow", "step", "messageId", "task")


@contextlib.contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    """Add ids (flow, step, message, task...) to every record logged inside the block (``message`` is
    written as ``messageId``: ``message`` is the log line's text)."""
    named = {("messageId" if k == "message" else k): str(v) for k, v in ids.items() if v is not None}
    merged = {**(_CONTEXT.get() or {}), **named}
    token = _CONTEXT.set(merged)
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def current_context() -> dict[str, str]:
    return dict(_CONTEXT.get() or {})


class ContextFilter(logging.Filter):
    """Copies the current ids onto the record (as attributes named like the context keys)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_CONTEXT.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        for key in (*FIELDS, *(_CONTEXT.get() or {}).keys()):
            value = getattr(record, key, None)
            if value is not None and key not in out:
                out[key] = value
        match = _REQUEST_ID.search(message)
        if match and match.group(1) != "None":
            out["amazonRequestId"] = match.group(1)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(out, ensure_ascii=False, default=str))


def json_logs_wanted() -> bool:
    return (os.environ.get("LOG_FORMAT") or "").strip().lower() == "json"


def install(logger: logging.Logger | None = None) -> None:
    """Switch every handler of ``logger`` (default root) to JSON lines with the context filter."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        handler.setFormatter(JsonFormatter())
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
