"""Where a flow keeps messages that are not delivered yet: parked ones, and (in one process) those in flight.

Why: the trigger's cursor moves once every order of a window was *emitted*; the sink may take minutes more,
or be down for hours. A message whose delivery failed for good (its retries spent, or a 4xx) is therefore
*parked* in the state store with its error, instead of being dropped: the orders are safe there, so the
cursor may move on. The next run of the flow sends parked messages before new ones, ``amazon-mws flow retry``
sends them at once, ``amazon-mws status`` shows them. A parked message leaves the lot only once the sink took
it (a failed retry parks it again, with the new error).

In one process the messages between steps also live here (``InFlight``) until their step is done, so a run
stopped by Ctrl-C, a kill or a crash resumes with nothing lost: the next run takes them up first.

Both are namespaces of the runtime's state store (SQLite in one process, Redis on Celery), one top-level
key per message, so parking or dropping one message is one atomic write and never a read-modify-write:

- ``flow:<name>:#parked``: ``{message id: {"message", "error", "attempts", "parkedAt"}}``
- ``flow:<name>:#inflight``: ``{"<stage>:<message id>": {"stage", "message", "seq"}}``

(``#`` cannot appear in a step id, so these never meet a step's own namespace ``flow:<name>:<step id>``.)
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from amazon_mws.runtime.message import Message
from amazon_mws.runtime.state import StateNamespace, StateStore

SHOWN = 5  # parked messages listed by ``status``


def parked_namespace(flow_name: str) -> str:
    return f"flow:{flow_name}:#parked"


def in_flight_namespace(flow_name: str) -> str:
    return f"flow:{flow_name}:#inflight"


def attempts_namespace(flow_name: str) -> str:
    return f"flow:{flow_name}:#attempts"


class Parking:
    """A flow's parked messages: ``park`` on a failed delivery, ``delivered`` once the sink took one."""

    def __init__(self, store: StateStore, flow_name: str):
        self.ns: StateNamespace = store.namespace(parked_namespace(flow_name))
        self._attempts: StateNamespace = store.namespace(attempts_namespace(flow_name))

    def park(self, message: Message, error: str, attempts: int) -> None:
        """Keep ``message`` (parking it again replaces its error: one entry per message id)."""
        entry = {"message": message.to_json(materialize=True), "error": error, "attempts": attempts,
                 "parkedAt": time.time()}
        self.ns.put(message.id, entry)
        self._attempts.forget([message.id])

    def delivered(self, message_id: str) -> None:
        """A message that came from the lot is out of it."""
        self.ns.forget([message_id])

    def failed_attempts(self, message_id: str) -> int:
        """Failed attempts so far of a delivery spread over several tasks (Celery): its own count, so
        the budget is the sink's ``retries`` whatever else retried the task (a lock wait, a crash)."""
        return int(self._attempts.load().get(message_id, 0))

    def count_failure(self, message_id: str, failed: int) -> None:
        self._attempts.put(message_id, failed)

    def forget_failures(self, message_id: str) -> None:
        self._attempts.forget([message_id])

    def entries(self) -> list[dict[str, Any]]:
        """Oldest first, each with its ``id``."""
        state = self.ns.load()
        return sorted(({"id": k, **v} for k, v in state.items()), key=lambda e: e["parkedAt"])

    def messages(self) -> list[Message]:
        return [Message.from_json(e["message"]) for e in self.entries()]

    def summary(self) -> dict[str, Any]:
        """What ``status`` shows: how many, and the oldest few with their errors."""
        entries = self.entries()
        shown = [{"id": e["id"], "error": e["error"], "attempts": e["attempts"], "parkedAt": e["parkedAt"]}
                 for e in entries[:SHOWN]]
        return {"count": len(entries), "oldest": shown}


_SEQ = itertools.count()


class InFlight:
    """One process's queue between steps, kept durably: ``put`` before a message is queued, ``done`` after
    its step finished (its children put first), so a stopped run leaves exactly what is still to do."""

    def __init__(self, store: StateStore, flow_name: str):
        self.ns: StateNamespace = store.namespace(in_flight_namespace(flow_name))

    @staticmethod
    def key(stage: int, message: Message) -> str:
        return f"{stage}:{message.id}"

    def put(self, stage: int, message: Message) -> None:
        seq = time.time_ns() + next(_SEQ)
        self.ns.put(self.key(stage, message), {"stage": stage, "message": message.to_json(materialize=True),
                                               "seq": seq})

    def done(self, stage: int, message: Message) -> None:
        self.ns.forget([self.key(stage, message)])

    def left(self) -> list[tuple[int, Message]]:
        """What a stopped run left, in the order it was queued."""
        entries = sorted(self.ns.load().values(), key=lambda e: e["seq"])
        return [(int(e["stage"]), Message.from_json(e["message"])) for e in entries]
