"""State stores: where a step's snapshot and its large in-flight data live.

One interface, two backends: ``RedisStateStore`` when ``REDIS_URL`` is set (shared by every worker, it
survives a killed worker) and ``SqliteStateStore`` otherwise (a local file, no services). A store hands out
namespaces, one per flow step (or per CLI snapshot file). A namespace holds

- a JSON object (the snapshot): ``load``, ``replace`` (atomic), ``merge`` (atomic, shallow: top-level keys),
  ``forget`` (drops top-level keys atomically);
- durable lists of dicts, for data too large for memory (the orders a trigger gathered across pages):
  ``list_append``, ``list_iter`` (batched reads), ``list_len``, ``list_clear``.

Values are JSON. Both backends store the object one top-level key per row/hash field, so a shallow merge is
a plain multi-key write in one transaction, with no read-modify-write race between concurrent writers.
"""

from __future__ import annotations

import os
from pathlib import Path

from amazon_mws.runtime.settings import env_number
from amazon_mws.runtime.state.base import (
    DEFAULT_BATCH,
    MemoryNamespace,
    MemoryStateStore,
    StateNamespace,
    StateStore,
    StateStoreError,
)

__all__ = [
    "DEFAULT_BATCH",
    "MemoryNamespace",
    "MemoryStateStore",
    "StateNamespace",
    "StateStore",
    "StateStoreError",
    "default_sqlite_path",
    "state_store_from_env",
]


def default_sqlite_path() -> Path:
    """``AMAZON_MWS_STATE_PATH`` or ``<user data dir>/amazon-mws/state.sqlite3``."""
    env = os.environ.get("AMAZON_MWS_STATE_PATH")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("amazon-mws")) / "state.sqlite3"


def state_store_from_env() -> StateStore:
    """Redis when ``REDIS_URL`` is set (keys under ``AMAZON_MWS_STATE_PREFIX``), else a SQLite file.
    The backends are imported here, not at the top: importing the interface must not pull in redis."""
    url = os.environ.get("REDIS_URL")
    if url:
        from amazon_mws.runtime.state.redis import DEFAULT_PREFIX, RedisStateStore

        return RedisStateStore(url, prefix=os.environ.get("AMAZON_MWS_STATE_PREFIX") or DEFAULT_PREFIX)
    from amazon_mws.runtime.state.sqlite import BUSY_TIMEOUT_S, SqliteStateStore

    try:
        busy = env_number("AMAZON_MWS_STATE_BUSY_TIMEOUT", BUSY_TIMEOUT_S, minimum=0)
    except ValueError as exc:
        raise StateStoreError(str(exc)) from None
    return SqliteStateStore(default_sqlite_path(), busy_timeout=busy)
