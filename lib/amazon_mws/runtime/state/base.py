"""The state store interface and the in-memory store (tests, throw-away runs)."""

from __future__ import annotations

import abc
import copy
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from amazon_mws.runtime.message import LazyList

DEFAULT_BATCH = 500


class StateStoreError(RuntimeError):
    """The state store cannot be used at all (a locked, read-only or broken state file): a setup
    problem the commands report naming the file, with exit status 2."""


class StateNamespace(abc.ABC):
    """One step's state. All methods are safe to call from several threads and processes at once."""

    name: str

    @abc.abstractmethod
    def load(self) -> dict[str, Any]:
        """The whole state object (``{}`` when nothing was stored)."""

    @abc.abstractmethod
    def replace(self, state: dict[str, Any]) -> None:
        """Make ``state`` the whole state, atomically (readers see the old or the new, never a mix)."""

    @abc.abstractmethod
    def merge(self, update: dict[str, Any]) -> dict[str, Any]:
        """Set the top-level keys of ``update`` atomically; returns the whole state right after."""

    def get(self, key: str) -> Any:
        """One top-level key's value (None when absent), reading nothing else: cheap however large the
        rest of the state is (the feed batches keep a record per message in one namespace)."""
        return self.load().get(key)

    def put(self, key: str, value: Any) -> None:
        """Set one top-level key, reading nothing back: cheap however large the rest of the state is
        (``merge`` returns the whole state). The backends write it in one statement."""
        self.merge({key: value})

    @abc.abstractmethod
    def forget(self, keys: list[str]) -> None:
        """Remove these top-level keys atomically (a key that is not there is no error)."""

    @abc.abstractmethod
    def compare_and_set(self, key: str, expected: Any, value: Any) -> bool:
        """Set the top-level ``key`` to ``value`` only if it now holds ``expected``, atomically; None
        stands for absent on both sides (so: claim with ``expected=None``, delete with ``value=None``).
        True when the swap happened. What a claim, a lease or a guarded transition is built on."""

    @abc.abstractmethod
    def list_append(self, key: str, items: list[dict[str, Any]]) -> int:
        """Append items to the durable list ``key``; returns its new length."""

    @abc.abstractmethod
    def list_iter(self, key: str, batch: int = DEFAULT_BATCH) -> Iterator[dict[str, Any]]:
        """The list's items in order, read ``batch`` at a time (never all at once)."""

    def list_texts(self, key: str, batch: int = DEFAULT_BATCH) -> Iterator[str]:
        """The same items as JSON texts (``jsonlines.json_text``), in pieces: each piece is one item's text or
        several consecutive items' joined by ``,`` (what an array of them holds between its brackets). A
        store that keeps JSON hands over its own, as it keeps them (SQLite: an append's items in one piece);
        the writer puts ``,`` between pieces, so the array it writes is the same either way."""
        from amazon_mws.runtime.jsonlines import json_text

        return map(json_text, self.list_iter(key, batch))

    @abc.abstractmethod
    def list_len(self, key: str) -> int: ...

    @abc.abstractmethod
    def list_clear(self, key: str) -> None: ...

    def lists_len(self, keys: list[str]) -> int:
        """The items of all these lists together; a store that can answers in one read (the orders trigger
        counts its window's pages before it emits them: a hundred lists for 10,000 orders)."""
        return sum(self.list_len(key) for key in keys)

    def lists_clear(self, keys: list[str]) -> None:
        """Drop all these lists; a store that can does it in one write (a finished window's pages)."""
        for key in keys:
            self.list_clear(key)

    @abc.abstractmethod
    def clear(self) -> None:
        """Forget the state object and every list of this namespace."""

    # Short names used in docs/architecture.md.
    def append(self, key: str, items: list[dict[str, Any]]) -> int:
        return self.list_append(key, items)

    def iter(self, key: str, batch: int = DEFAULT_BATCH) -> Iterator[dict[str, Any]]:
        return self.list_iter(key, batch)

    def length(self, key: str) -> int:
        return self.list_len(key)

    def lazy_list(self, key: str, batch: int = DEFAULT_BATCH) -> LazyList:
        """The list as a ``LazyList`` body value (length read now, items read on each iteration)."""
        from amazon_mws.runtime.message import LazyList

        return LazyList(lambda: self.list_iter(key, batch), self.list_len(key), lambda: self.list_texts(key, batch))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class StateStore(abc.ABC):
    """Hands out namespaces; owns the connection."""

    @abc.abstractmethod
    def namespace(self, name: str) -> StateNamespace: ...

    def epoch(self) -> str | None:
        """A random id the store got when it was empty (None: this store cannot tell). A shared store that
        is emptied under its users gets a new one, so they can tell a lost state from a first run."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections (optional)."""

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MemoryNamespace(StateNamespace):
    """State in a dict: for in-process runs that need no durability (library calls, unit tests)."""

    def __init__(self, name: str = "memory"):
        self.name = name
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {}
        self._lists: dict[str, list[dict[str, Any]]] = {}

    def load(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._state)

    def replace(self, state: dict[str, Any]) -> None:
        with self._lock:
            self._state = copy.deepcopy(dict(state))

    def merge(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._state.update(copy.deepcopy(update))
            return copy.deepcopy(self._state)

    def get(self, key: str) -> Any:
        with self._lock:
            return copy.deepcopy(self._state.get(key))

    def forget(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._state.pop(key, None)

    def compare_and_set(self, key: str, expected: Any, value: Any) -> bool:
        with self._lock:
            if self._state.get(key) != expected:
                return False
            if value is None:
                self._state.pop(key, None)
            else:
                self._state[key] = copy.deepcopy(value)
            return True

    def list_append(self, key: str, items: list[dict[str, Any]]) -> int:
        with self._lock:
            target = self._lists.setdefault(key, [])
            target.extend(items)
            return len(target)

    def list_iter(self, key: str, batch: int = DEFAULT_BATCH) -> Iterator[dict[str, Any]]:
        if batch < 1:
            raise ValueError(f"batch: must be >= 1, got {batch}")
        index = 0
        while True:
            with self._lock:
                chunk = self._lists.get(key, [])[index : index + batch]
            yield from chunk
            if len(chunk) < batch:
                return
            index += batch

    def list_len(self, key: str) -> int:
        with self._lock:
            return len(self._lists.get(key, []))

    def list_clear(self, key: str) -> None:
        with self._lock:
            self._lists.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._state.clear()
            self._lists.clear()


class MemoryStateStore(StateStore):
    """Namespaces in memory, kept for the store's lifetime."""

    def __init__(self) -> None:
        self._namespaces: dict[str, MemoryNamespace] = {}

    def namespace(self, name: str) -> MemoryNamespace:
        return self._namespaces.setdefault(name, MemoryNamespace(name))
