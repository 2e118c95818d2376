"""Messages between steps, and ``LazyList`` for bodies too large to hold in memory.

A message is the component convention's envelope: ``id``, ``body``, ``headers``, ``attachments`` and
``passthrough``. A body value may be a ``LazyList``: a re-iterable sequence of dicts produced on demand
(for example read back from the state store in batches), so a run that gathered 100,000 orders validates
and writes them one at a time instead of building one huge list.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


class LazyList:
    """A re-iterable, sized sequence of dicts that is never materialised by the runtime.

    ``factory`` is called afresh for every iteration (validation walks it once, the writer again), so it
    must return a new iterator each time. ``length`` is what ``len()`` reports (minItems/maxItems use it);
    the runtime trusts it rather than counting.

    ``texts``, when given, yields the same items as JSON texts (as the JSON-lines writer spells them), a
    piece being one item or several joined by ``,`` (``StateNamespace.list_texts``): a store that keeps
    items as JSON texts hands them to the writer as they are, never encoded again.

    ``checked``, when given, is the item schema (the very object, as ``SchemaSet.check_items`` returns it)
    that every item was held to before it was stored: validating a body holding the list against a schema
    whose array has exactly those ``items`` does not walk the items again (nor decode them from the store).
    Only the runtime hands such a schema out, after the check.
    """

    __slots__ = ("_factory", "_length", "_texts", "checked")

    def __init__(self, factory: Callable[[], Iterator[dict[str, Any]]], length: int,
                 texts: Callable[[], Iterator[str]] | None = None, *, checked: object | None = None):
        if length < 0:
            raise ValueError(f"LazyList length: must be >= 0, got {length}")
        self._factory = factory
        self._length = int(length)
        self._texts = texts
        self.checked = checked

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._factory())

    def texts(self) -> Iterator[str] | None:
        """The items as JSON texts (in pieces of one or more), or None when the list only knows its items."""
        return iter(self._texts()) if self._texts is not None else None

    def __len__(self) -> int:
        return self._length

    def __bool__(self) -> bool:
        return self._length > 0

    def __repr__(self) -> str:
        return f"LazyList(length={self._length})"

    def materialize(self) -> list[dict[str, Any]]:
        """A plain list: only for small lists or for crossing a process boundary (Celery results)."""
        return list(self)


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Message:
    """The envelope a step receives and emits."""

    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=_new_id)
    attachments: dict[str, Any] = field(default_factory=dict)
    passthrough: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> Message:
        """A message from a JSON value: a whole message (has "body") or just a body.

        Anything else than an object is refused here with the rule, before a step could see it.
        """
        if not isinstance(data, dict):
            raise TypeError(f"message: must be a JSON object, got {type(data).__name__}")
        if "body" not in data:
            return cls(body=data)
        body = data["body"]
        if not isinstance(body, dict):
            raise TypeError(f"message.body: must be a JSON object, got {type(body).__name__}")
        kwargs: dict[str, Any] = {"body": body}
        for name in ("headers", "attachments", "passthrough"):
            value = data.get(name)
            if value is None:
                continue
            if not isinstance(value, dict):
                raise TypeError(f"message.{name}: must be a JSON object, got {type(value).__name__}")
            kwargs[name] = value
        if data.get("id") is not None:
            kwargs["id"] = str(data["id"])
        return cls(**kwargs)

    def to_json(self, *, materialize: bool = False) -> dict[str, Any]:
        """The message as a dict; LazyList values are kept (the streaming writer handles them) unless
        ``materialize`` asks for plain lists (a Celery result has to be plain JSON)."""
        body = _materialized(self.body) if materialize else self.body
        return {
            "id": self.id,
            "body": body,
            "headers": self.headers,
            "attachments": self.attachments,
            "passthrough": self.passthrough,
        }


def _materialized(value: Any) -> Any:
    if isinstance(value, LazyList):
        return value.materialize()
    if isinstance(value, dict):
        return {k: _materialized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_materialized(v) for v in value]
    return value
