"""Faults injected for the next N requests, so tests can see how a client copes with a bad Amazon.

Kinds: "500" (InternalError), "503" (ServiceUnavailable, not a throttle), "throttle"
(RequestThrottled), "slow" (the real reply, `delay` seconds late: past the client's read timeout, the
request was done but the client never hears it), "cut" (the connection closes with no reply, before
anything was done), "lost" (the request is done, e.g. a feed accepted, then the connection closes with no
reply), "malformed" (the real reply's XML, truncated), "cycle" (the NextTokens of the listing this request
reads go round in a cycle: its last page hands back its first NextToken instead of none, so a client walks
A -> B -> A for three pages, A -> A for two; see `Cursors.cycling`). A fault with an `operation` only fires
for that Action (or SP-API operation); faults fire in the order they were injected.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from amazon_mws.sandbox.hostile import HOSTILE_KINDS
from amazon_mws.sandbox.wire import Reply

KINDS = ("500", "503", "throttle", "slow", "cut", "lost", "malformed", "cycle", *HOSTILE_KINDS)  # hostile.py


@dataclass
class Fault:
    kind: str
    count: int
    operation: str | None = None
    delay: float = 1.0

    def spoil(self, reply: Reply) -> Reply:
        """What the wire faults do to an answer already worked out (and logged) on both APIs: ``lost``
        drops it (the request took effect, the client never hears), ``malformed`` cuts its body in half,
        ``slow`` holds it back. Other kinds leave it as it is."""
        if self.kind == "lost":
            return Reply(0, b"", cut=True)
        if self.kind == "malformed":
            reply.body = reply.body[: max(1, len(reply.body) // 2)]
        if self.kind == "slow":
            reply.delay = self.delay
        return reply


class Faults:
    def __init__(self) -> None:
        self._pending: list[Fault] = []
        self._lock = threading.Lock()

    def inject(self, kind: str, count: int = 1, operation: str | None = None, delay: float = 1.0) -> None:
        kind = str(kind)
        if kind not in KINDS:
            raise ValueError(f"fault kind: {kind!r} is not one of {', '.join(KINDS)}")
        if int(count) < 1:
            raise ValueError(f"fault count: must be at least 1, got {count}")
        if float(delay) < 0:
            raise ValueError(f"fault delay: must be >= 0 seconds, got {delay}")
        with self._lock:
            self._pending.append(Fault(kind, int(count), operation or None, float(delay)))

    def next_for(self, operation: str | None) -> Fault | None:
        """The fault this request suffers (consuming one of its count), or None."""
        with self._lock:
            for fault in self._pending:
                if fault.operation is None or fault.operation == operation:
                    fault.count -= 1
                    if fault.count == 0:
                        self._pending.remove(fault)
                    return Fault(fault.kind, 1, fault.operation, fault.delay)
        return None

    def pending(self) -> list[dict[str, object]]:
        with self._lock:
            return [vars(f).copy() for f in self._pending]

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
