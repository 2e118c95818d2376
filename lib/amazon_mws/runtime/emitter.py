"""The step's ``ctx``: the six-word vocabulary (data, snapshot, updateSnapshot, error, rebound, end).

``ctx.emit(kind, payload)`` is the one entry point (the methods of the same names are shortcuts).
What each kind does, at once:

- ``data``: a ``Message`` or a body dict; the body is validated against the step's ``metadata.out`` (a bad
  body raises ``ValidationError`` in the step, so the run ends with an error event and nothing bad leaves);
- ``snapshot``: replaces the state in the store; ``updateSnapshot``: merges into it (shallow). Both are
  written before the event is passed on, so a killed run leaves its last progress behind, and the event
  carries the whole state after the write;
- ``error``: an exception (or text), reported as ``{"type", "message"}`` with secrets masked;
- ``rebound``: asks for the input message to be run again later;
- ``end``: the run is over; the executor sends it itself when the step returns without it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amazon_mws.runtime.message import Message
from amazon_mws.runtime.secrets import SecretsFilter, redact
from amazon_mws.runtime.state import StateNamespace

KINDS = ("data", "snapshot", "updateSnapshot", "error", "rebound", "end")

log = logging.getLogger(__name__)


@dataclass
class Event:
    """One thing a step said. ``state`` is the whole state after a snapshot/updateSnapshot."""

    kind: str
    message: Message | None = None
    state: dict[str, Any] | None = None
    update: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    reason: str | None = None

    def to_json(self, *, materialize: bool = False) -> dict[str, Any]:
        """The event as the CLI prints it (one JSON line) and Celery returns it."""
        if self.kind == "data":
            assert self.message is not None
            m = self.message.to_json(materialize=materialize)
            return {"event": "data", "id": m["id"], "body": m["body"], "headers": m["headers"]}
        if self.kind in ("snapshot", "updateSnapshot"):
            out: dict[str, Any] = {"event": "snapshot", "snapshot": self.state}
            if self.kind == "updateSnapshot":
                out["update"] = self.update
            return out
        if self.kind == "error":
            return {"event": "error", "error": self.error}
        if self.kind == "rebound":
            return {"event": "rebound", "reason": self.reason}
        return {"event": self.kind}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        kind = data["event"]
        if kind == "data":
            msg = Message(body=data.get("body") or {}, headers=data.get("headers") or {}, id=data["id"])
            return cls("data", message=msg)
        if kind == "snapshot":
            if "update" in data:
                return cls("updateSnapshot", state=data.get("snapshot"), update=data.get("update"))
            return cls("snapshot", state=data.get("snapshot"))
        if kind == "error":
            return cls("error", error=data.get("error"))
        if kind == "rebound":
            return cls("rebound", reason=data.get("reason"))
        return cls(kind)


def error_info(error: BaseException | str) -> dict[str, str]:
    """``{"type", "message"}`` for an error event; the message has secrets masked."""
    if isinstance(error, BaseException):
        return {"type": type(error).__name__, "message": redact(str(error))}
    return {"type": "Error", "message": redact(str(error))}


class Emitter:
    """Turns ``emit`` calls into events: applies state writes and output validation, then calls ``sink``."""

    def __init__(
        self,
        sink: Callable[[Event], None],
        state: StateNamespace,
        validate_out: Callable[[dict[str, Any]], None] | None = None,
    ):
        self._sink = sink
        self.state = state
        self._validate_out = validate_out
        self.ended = False

    def emit(self, kind: str, payload: Any = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"emit: unknown event kind {kind!r}; expected one of {', '.join(KINDS)}")
        if self.ended:
            log.warning("%s emitted after end; ignored", kind)
            return
        getattr(self, kind)(payload) if kind != "end" else self.end()

    def data(self, payload: Message | dict[str, Any]) -> None:
        if isinstance(payload, Message):
            message = payload
        elif isinstance(payload, dict):
            message = Message(body=payload)
        else:
            raise TypeError(f"data: expected a Message or a body dict, got {type(payload).__name__}")
        if self._validate_out is not None:
            self._validate_out(message.body)
        self._sink(Event("data", message=message))

    def snapshot(self, payload: dict[str, Any]) -> None:
        if not isinstance(payload, dict):
            raise TypeError(f"snapshot: expected a dict, got {type(payload).__name__}")
        self.state.replace(payload)
        self._sink(Event("snapshot", state=self.state.load()))

    def updateSnapshot(self, payload: dict[str, Any]) -> None:  # noqa: N802 - the convention's word
        if not isinstance(payload, dict):
            raise TypeError(f"updateSnapshot: expected a dict, got {type(payload).__name__}")
        full = self.state.merge(payload)
        self._sink(Event("updateSnapshot", state=full, update=payload))

    def error(self, payload: BaseException | str) -> None:
        self._sink(Event("error", error=error_info(payload)))

    def rebound(self, payload: BaseException | str | None = None) -> None:
        reason = "" if payload is None else redact(str(payload))
        self._sink(Event("rebound", reason=reason))

    def end(self, payload: Any = None) -> None:
        if not self.ended:
            self.ended = True
            self._sink(Event("end"))


ItemsCheck = Callable[[str, list[Any], int], object | None]
"""``(field, items, first)``: hold items to the out schema's ``field`` items now; what ``LazyList(checked=)`` takes."""


class StepContext(Emitter):
    """What ``process(ctx, msg, cfg, snapshot)`` gets as ``ctx``: the emitter plus ``step_name``, ``cfg``,
    ``sample`` (the designer's sample call), ``attempt`` (0, then 1, 2... on rebounds), ``logger``
    (records pass the secrets filter), ``state`` (the step's ``StateNamespace``) and ``check_out_items``."""

    def __init__(
        self,
        sink: Callable[[Event], None],
        state: StateNamespace,
        validate_out: Callable[[dict[str, Any]], None] | None = None,
        *,
        step_name: str,
        cfg: dict[str, Any],
        sample: bool = False,
        attempt: int = 0,
        check_items: ItemsCheck | None = None,
    ):
        super().__init__(sink, state, validate_out)
        self.step_name = step_name
        self.cfg = cfg
        self.sample = sample
        self.attempt = attempt
        self.logger = step_logger(step_name)
        self._check_items = check_items

    def check_out_items(self, field: str, items: list[Any], first: int = 0) -> object | None:
        """Hold ``items`` to the out schema's array ``field`` now, before they are stored to be emitted later
        (``ValidationError`` naming ``body.field[first + i]``, as the emit would). Returns what a ``LazyList``
        of them takes as ``checked=``, so the emit does not read and check them again; None when the step
        has no such schema (the emit then checks whatever it gets)."""
        return self._check_items(field, items, first) if self._check_items is not None else None

    def __repr__(self) -> str:  # cfg holds secrets: never show it
        return f"StepContext(step={self.step_name!r}, sample={self.sample}, attempt={self.attempt})"


def step_logger(step_name: str) -> logging.Logger:
    logger = logging.getLogger(f"amazon_mws.step.{step_name}")
    if not any(isinstance(f, SecretsFilter) for f in logger.filters):
        logger.addFilter(SecretsFilter())
    return logger
