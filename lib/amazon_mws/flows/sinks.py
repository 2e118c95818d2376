"""Where a flow's last messages go: stdout JSON lines, a JSON-lines file, or an HTTP POST to a webhook.

One attempt per call (``deliver``): a webhook that is down raises ``SinkRetry`` with the delay before the
next attempt, and the caller decides how to wait. On Celery the wait is a task retry with a countdown (no
worker sleeps); in one process it is a sleep. Both stop after ``sink.retries`` retries, and then the message
is parked (``flows.parking``), never dropped. One webhook attempt, reply body included, lasts at most
``sink.timeout`` seconds (``flows.webhook``): a receiver that drips its answer is cut off and retried.
A webhook on a non-public address without ``sink.allowPrivateNetwork`` (``flows.egress``), and a 3xx (redirects
are never followed), fail for good: the message is parked, never sent anywhere else.

Every delivery carries the message id (the ``Idempotency-Key`` header of a webhook POST, the ``id`` of a
JSON line): delivery is at least once, and a receiver that keeps the ids it saw gets every message once.
"""

from __future__ import annotations

import fcntl
import json
import sys
import threading
import time
from collections.abc import Callable
from http.client import HTTPException
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from amazon_mws.flows.spec import Sink
from amazon_mws.runtime.interrupts import shielded
from amazon_mws.runtime.message import Message
from amazon_mws.runtime.secrets import mask_url, redact

RETRY_BASE_SECONDS = 0.5
RETRY_MAX_SECONDS = 60.0
_stdout_lock = threading.Lock()


class SinkRetry(Exception):
    """A delivery failed in a way worth trying again (network, 5xx, 429)."""

    def __init__(self, message: str, delay: float):
        super().__init__(message)
        self.delay = delay


class SinkError(Exception):
    """A delivery failed for good (a 4xx other than 408/429, or the retries are spent)."""

    def __init__(self, message: str, attempts: int = 1):
        super().__init__(message)
        self.attempts = attempts


def retry_delay(attempt: int) -> float:
    """Seconds before retry ``attempt + 1``: 0.5, 1, 2, 4... capped at a minute."""
    return min(RETRY_BASE_SECONDS * (2**attempt), RETRY_MAX_SECONDS)


def envelope(flow_name: str, message: Message) -> dict[str, Any]:
    return {
        "flow": flow_name,
        "id": message.id,
        "body": message.body,
        "headers": message.headers,
        "passthrough": message.passthrough,
    }


def _line(flow_name: str, message: Message) -> str:
    return json.dumps(envelope(flow_name, message), ensure_ascii=False, separators=(",", ":")) + "\n"


def _write_file(path: str, text: str) -> None:
    """Append one line under an exclusive lock: several workers may share the file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            with shielded():  # a line in the file is whole or absent, Ctrl-C or not
                fh.write(text)
                fh.flush()
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _post(sink: Sink, flow_name: str, message: Message, attempt: int) -> None:
    from amazon_mws.flows import egress, webhook

    payload = envelope(flow_name, message) if sink.envelope else message.body
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": message.id,
        "X-Amazon-Mws-Flow": flow_name,
        **sink.headers,
    }
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    assert sink.url
    try:
        reply = webhook.post(sink.url, data, headers, sink.timeout, allow_private_network=sink.allow_private_network)
    except egress.EgressRefused as exc:
        raise SinkError(redact(str(exc))) from None
    except (OSError, HTTPException) as exc:
        raise SinkRetry(f"webhook: {type(exc).__name__}: {redact(str(exc))}", retry_delay(attempt)) from None
    if reply.status < 300:
        return
    if reply.status < 400:
        target = mask_url(urljoin(sink.url, reply.location)) if reply.location else "nowhere (no Location)"
        raise SinkError(f"webhook: HTTP {reply.status}: redirected to {target}: not followed")
    if reply.status in (408, 425, 429) or reply.status >= 500:
        delay = retry_delay(attempt)
        after = reply.retry_after
        if after and after.strip().isdigit():
            delay = min(float(after), RETRY_MAX_SECONDS)
        raise SinkRetry(f"webhook: HTTP {reply.status}", delay)
    raise SinkError(f"webhook: HTTP {reply.status}: the receiver refused message {message.id}")


def deliver(sink: Sink, flow_name: str, message: Message, *, attempt: int = 0) -> None:
    """One delivery attempt. Raises SinkRetry (try again after ``.delay``) or SinkError."""
    if sink.type == "stdout":
        with _stdout_lock, shielded():  # Ctrl-C waits for the newline (runtime.interrupts)
            sys.stdout.write(_line(flow_name, message))
            sys.stdout.flush()
    elif sink.type == "file":
        assert sink.path
        _write_file(sink.path, _line(flow_name, message))
    elif sink.type == "webhook":
        _post(sink, flow_name, message, attempt)
    else:  # parse_flow refuses other types; a stored spec from a newer version might not
        raise SinkError(f"flow.sink.type: {sink.type!r} is not one of stdout, file, webhook")


def deliver_with_retries(
    sink: Sink, flow_name: str, message: Message, *, sleep: Callable[[float], None] = time.sleep
) -> None:
    """In one process: deliver, sleeping between attempts, at most ``sink.retries`` retries."""
    attempt = 0
    while True:
        try:
            deliver(sink, flow_name, message, attempt=attempt)
            return
        except SinkError as exc:
            raise SinkError(str(exc), attempt + 1) from None
        except SinkRetry as exc:
            if attempt >= sink.retries:
                raise SinkError(f"{exc}; gave up after {attempt} retries", attempt + 1) from None
            sleep(exc.delay)
            attempt += 1
