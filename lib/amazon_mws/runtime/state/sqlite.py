"""The SQLite state store: a local file, for one machine with no services.

Two tables: ``state(ns, key, value)`` (one row per top-level key, so a shallow merge is upserts in one
transaction) and ``items(id, ns, key, value, n)`` (durable lists, read in id order). Each thread gets its
own connection; WAL mode and a busy timeout let threads and processes write at once, and ``BEGIN
IMMEDIATE`` makes each write one atomic transaction.

List items are stored as the JSON-lines writer spells them (``jsonlines.json_text``), so ``list_texts``
hands them to the writer as they are: an order emitted from here is never encoded again. One
``list_append`` is one row: the JSON array of its ``n`` items, encoded in one call, which spells each item
and the ``,`` between them exactly as the writer does; ``list_texts`` hands over what is between the
brackets as one piece. Why: the orders trigger appends a page of 100 orders at a time; one row a page
instead of one an order cost a fifth of the SQLite time to write and a tenth to drop, and one encoding a
page instead of one an order is 30 % less of the trigger's encoding CPU. Items are JSON objects, so a
row's first character tells its form: ``[`` such an array; ``{`` a row of an older version, one item
(``n`` 1, compact JSON) or ``n`` items' texts one per line (a JSON text spells a newline inside a string
``\n``, so a raw newline only ever separated items).

Durability: ``synchronous=NORMAL`` in WAL mode, so a commit is in the WAL file when it returns and
outlives the process being killed (what a resumed run relies on: a page recorded as stored is there);
only a power cut or an OS crash may lose the last commits before a checkpoint.

``secure_delete=FAST``, whatever the SQLite build's default: some builds (the one measured here among them)
ship ``ON``, which overwrites every deleted row's pages with zeros, so dropping a finished window's pages
wrote them all again (10 MB for 10,000 orders, most of the time of the drop). FAST zeroes what it can
without more I/O; a dropped page's text may stay in the file's free pages until they are reused. The file
held those orders during the run anyway: it is protected as a whole (its permissions), not by deletes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from amazon_mws.runtime.jsonlines import json_text
from amazon_mws.runtime.state.base import DEFAULT_BATCH, StateNamespace, StateStore, StateStoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS state (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
                                  PRIMARY KEY (ns, key));
CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY AUTOINCREMENT, ns TEXT NOT NULL,
                                  key TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS items_by_list ON items (ns, key, id);
"""
# a file made before items were stored a row per append has no ``n``: each of its rows is one item
ADD_COUNTS = "ALTER TABLE items ADD COLUMN n INTEGER NOT NULL DEFAULT 1"

BUSY_TIMEOUT_S = 30.0
KEYS_PER_STATEMENT = 500  # bound parameters per IN (...) list, well under SQLite's limit on every build


def _older_row_texts(value: str, n: int) -> list[str]:
    """The item texts of a row an older version wrote: one item, or ``n`` of them one per line."""
    return value.split("\n") if n > 1 else [value]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class SqliteStateStore(StateStore):
    """State in the SQLite file at ``path`` (created, with its folder, on first use)."""

    def __init__(self, path: str | Path, busy_timeout: float = BUSY_TIMEOUT_S):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._set_up()
        except (sqlite3.Error, OSError) as exc:
            self.close()
            raise StateStoreError(f"state file {self.path} (AMAZON_MWS_STATE_PATH): cannot use it: "
                                  f"{getattr(exc, 'strerror', None) or exc}") from None

    def _set_up(self) -> None:
        """The schema, and a write that proves the file usable (a read-only or locked file fails here, not
        mid-run). Processes opening a new file at once contend for the switch to WAL and the schema, and SQLite
        answers that contention "database is locked" at once, without its busy handler: look again until
        the busy timeout, as any other wait for the file would."""
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                conn = self.connection()
                conn.executescript(SCHEMA)
                with self.transaction():
                    if "n" not in {row[1] for row in conn.execute("PRAGMA table_info(items)")}:
                        conn.execute(ADD_COUNTS)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                self.close()  # this thread's connection too: the next look opens a fresh one
                time.sleep(0.05)

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA secure_delete=FAST")
            except sqlite3.Error:
                conn.close()
                raise
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (IMMEDIATE) so concurrent writers queue, not deadlock."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def namespace(self, name: str) -> SqliteNamespace:
        return SqliteNamespace(self, name)

    def namespace_names(self, prefix: str) -> list[str]:
        """The namespaces with a state object whose name starts with ``prefix`` (what ``status`` lists)."""
        rows = self.connection().execute(
            "SELECT DISTINCT ns FROM state WHERE substr(ns, 1, ?) = ? ORDER BY ns", (len(prefix), prefix)).fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"SqliteStateStore({str(self.path)!r})"


class SqliteNamespace(StateNamespace):
    def __init__(self, store: SqliteStateStore, name: str):
        self.name = name
        self._store = store

    def load(self) -> dict[str, Any]:
        rows = self._store.connection().execute("SELECT key, value FROM state WHERE ns = ?", (self.name,))
        return {k: json.loads(v) for k, v in rows}

    def replace(self, state: dict[str, Any]) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM state WHERE ns = ?", (self.name,))
            conn.executemany(
                "INSERT INTO state (ns, key, value) VALUES (?, ?, ?)",
                [(self.name, k, _dumps(v)) for k, v in state.items()],
            )

    def merge(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._store.transaction() as conn:
            conn.executemany(
                "INSERT INTO state (ns, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value",
                [(self.name, k, _dumps(v)) for k, v in update.items()],
            )
            rows = conn.execute("SELECT key, value FROM state WHERE ns = ?", (self.name,)).fetchall()
        return {k: json.loads(v) for k, v in rows}

    def get(self, key: str) -> Any:
        row = self._store.connection().execute(
            "SELECT value FROM state WHERE ns = ? AND key = ?", (self.name, key)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        self._store.connection().execute(  # one statement: its own transaction
            "INSERT INTO state (ns, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value",
            (self.name, key, _dumps(value)),
        )

    def forget(self, keys: list[str]) -> None:
        with self._store.transaction() as conn:
            conn.executemany("DELETE FROM state WHERE ns = ? AND key = ?", [(self.name, k) for k in keys])

    def compare_and_set(self, key: str, expected: Any, value: Any) -> bool:
        with self._store.transaction() as conn:
            row = conn.execute("SELECT value FROM state WHERE ns = ? AND key = ?", (self.name, key)).fetchone()
            if (json.loads(row[0]) if row else None) != expected:
                return False
            if value is None:
                conn.execute("DELETE FROM state WHERE ns = ? AND key = ?", (self.name, key))
            else:
                conn.execute(
                    "INSERT INTO state (ns, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value",
                    (self.name, key, _dumps(value)),
                )
        return True

    def list_append(self, key: str, items: list[dict[str, Any]]) -> int:
        with self._store.transaction() as conn:
            if items:
                conn.execute("INSERT INTO items (ns, key, value, n) VALUES (?, ?, ?, ?)",
                             (self.name, key, json_text(items), len(items)))
            return self._len(conn, key)

    def list_iter(self, key: str, batch: int = DEFAULT_BATCH) -> Iterator[dict[str, Any]]:
        for value, n in self._rows(key, batch):
            if value.startswith("["):
                yield from json.loads(value)
            else:
                yield from map(json.loads, _older_row_texts(value, n))

    def list_texts(self, key: str, batch: int = DEFAULT_BATCH) -> Iterator[str]:
        """The items' texts, a row's items in one piece (``a,b,c``, as between an array's brackets)."""
        for value, n in self._rows(key, batch):
            if value.startswith("["):
                yield value[1:-1]
            else:
                yield from _older_row_texts(value, n)

    def _rows(self, key: str, batch: int) -> Iterator[tuple[str, int]]:
        """The list's rows (value, n), about ``batch`` items at a time: a read takes rows (appends) until it
        holds that many items, at least one row, so memory stays within the largest append's size or
        ``batch`` items."""
        if batch < 1:
            raise ValueError(f"batch: must be >= 1, got {batch}")
        last, rows_wanted = 0, 1  # the first read learns how many items a row holds
        while True:
            rows = (
                self._store.connection()
                .execute(
                    "SELECT id, value, n FROM items WHERE ns = ? AND key = ? AND id > ? ORDER BY id LIMIT ?",
                    (self.name, key, last, rows_wanted),
                )
                .fetchall()
            )
            for _, value, n in rows:
                yield value, n
            if len(rows) < rows_wanted:
                return
            last = rows[-1][0]
            rows_wanted = max(1, batch // max(n for _, _, n in rows))

    def list_len(self, key: str) -> int:
        return self._len(self._store.connection(), key)

    def _len(self, conn: sqlite3.Connection, key: str) -> int:
        (count,) = conn.execute("SELECT TOTAL(n) FROM items WHERE ns = ? AND key = ?", (self.name, key)).fetchone()
        return int(count)

    def list_clear(self, key: str) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM items WHERE ns = ? AND key = ?", (self.name, key))

    def lists_len(self, keys: list[str]) -> int:
        total = 0
        conn = self._store.connection()
        for start in range(0, len(keys), KEYS_PER_STATEMENT):
            chunk = keys[start:start + KEYS_PER_STATEMENT]
            marks = ", ".join("?" * len(chunk))
            (count,) = conn.execute(f"SELECT TOTAL(n) FROM items WHERE ns = ? AND key IN ({marks})",
                                    (self.name, *chunk)).fetchone()
            total += int(count)
        return total

    def lists_clear(self, keys: list[str]) -> None:
        with self._store.transaction() as conn:  # one commit, not one a list
            conn.executemany("DELETE FROM items WHERE ns = ? AND key = ?", [(self.name, key) for key in keys])

    def clear(self) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM state WHERE ns = ?", (self.name,))
            conn.execute("DELETE FROM items WHERE ns = ?", (self.name,))
