"""Both state stores against the real thing: Redis on 127.0.0.1:6379 (DB 15) and a real SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import redis

from amazon_mws.runtime.jsonlines import json_text
from amazon_mws.runtime.state import MemoryStateStore, state_store_from_env
from amazon_mws.runtime.state.redis import RedisStateStore
from amazon_mws.runtime.state.sqlite import SqliteStateStore

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def redis_store(redis_url):
    prefix = f"test-runtime-state-{uuid.uuid4().hex[:8]}:"
    store = RedisStateStore(redis_url, prefix=prefix)
    yield store
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
    store.close()


@pytest.fixture
def sqlite_store(tmp_path):
    store = SqliteStateStore(tmp_path / "nested" / "state.sqlite3")
    yield store
    store.close()


@pytest.fixture(params=["redis", "sqlite", "memory"])
def store(request):
    if request.param == "memory":
        return MemoryStateStore()
    return request.getfixturevalue(f"{request.param}_store")


def test_compare_and_set_claims_swaps_and_deletes_only_from_the_expected_value(store):
    ns = store.namespace("cas")
    assert ns.compare_and_set("slot", None, {"owner": "a", "since": 1.5})  # claim: absent -> value
    assert not ns.compare_and_set("slot", None, {"owner": "b"})  # taken
    assert not ns.compare_and_set("slot", {"owner": "b"}, None)  # not b's to free
    assert ns.compare_and_set("slot", {"owner": "a", "since": 1.5}, {"owner": "a", "since": 2})
    assert ns.load() == {"slot": {"owner": "a", "since": 2}}
    assert ns.compare_and_set("slot", {"owner": "a", "since": 2}, None)  # free: value -> absent
    assert ns.load() == {}


def test_compare_and_set_lets_exactly_one_of_many_racers_claim(store):
    ns = store.namespace("cas-race")
    wins: list[int] = []
    barrier = threading.Barrier(8)

    def racer(n: int) -> None:
        barrier.wait()
        if ns.compare_and_set("slot", None, {"owner": n}):
            wins.append(n)

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and ns.load() == {"slot": {"owner": wins[0]}}


def test_object_load_replace_merge(store):
    ns = store.namespace("step-a")
    assert ns.load() == {}
    ns.replace({"cursor": "2024-01-01T00:00:00Z", "page": {"token": "abc", "n": 1}, "ids": [1, 2]})
    assert ns.load() == {"cursor": "2024-01-01T00:00:00Z", "page": {"token": "abc", "n": 1}, "ids": [1, 2]}
    full = ns.merge({"page": None, "done": True})
    assert full == {"cursor": "2024-01-01T00:00:00Z", "page": None, "ids": [1, 2], "done": True}
    assert ns.load() == full
    ns.replace({"only": 1})
    assert ns.load() == {"only": 1}
    ns.replace({})
    assert ns.load() == {}


def test_put_and_forget_touch_one_key_each(store):
    ns = store.namespace("step-keys")
    ns.replace({"a": 1, "b": {"x": [1]}})
    ns.put("c", {"big": "value"})
    ns.put("a", 2)
    assert ns.load() == {"a": 2, "b": {"x": [1]}, "c": {"big": "value"}}
    ns.forget(["b", "not-there"])
    assert ns.load() == {"a": 2, "c": {"big": "value"}}
    ns.forget([])
    assert store.namespace("other").load() == {}


def test_get_reads_one_key_as_load_has_it(store):
    ns = store.namespace("step-get")
    ns.replace({"a": {"x": [1, 2.5, None]}, "b": "text"})
    assert ns.get("a") == {"x": [1, 2.5, None]} == ns.load()["a"]
    assert ns.get("b") == "text"
    assert ns.get("missing") is None
    got = ns.get("a")
    got["x"].append(3)  # a copy: changing it changes nothing stored
    assert ns.get("a") == {"x": [1, 2.5, None]}
    assert store.namespace("other").get("a") is None


def test_only_a_shared_store_has_an_epoch_and_an_emptied_one_gets_a_new_one(store, redis_url):
    epoch = store.epoch()
    if not isinstance(store, RedisStateStore):
        assert epoch is None
        return
    assert epoch and store.epoch() == epoch  # written once, then the same for everyone
    redis.Redis.from_url(redis_url).delete(f"{store.prefix}epoch")  # what an emptied Redis looks like
    assert store.epoch() not in (None, epoch)


def test_lists_are_durable_ordered_and_batched(store):
    ns = store.namespace("step-b")
    assert ns.list_len("orders") == 0 and list(ns.list_iter("orders")) == []
    assert ns.list_append("orders", [{"n": i} for i in range(7)]) == 7
    assert ns.list_append("orders", [{"n": 7}, {"n": 8, "é": "ü"}]) == 9
    assert ns.append("orders", []) == 9
    assert [o["n"] for o in ns.list_iter("orders", batch=2)] == list(range(9))
    assert [o["n"] for o in ns.iter("orders", batch=9)] == list(range(9))
    assert ns.length("orders") == 9
    lazy = ns.lazy_list("orders", batch=4)
    assert len(lazy) == 9 and list(lazy) == list(lazy)
    ns.list_append("items", [{"x": 1}])
    ns.list_clear("orders")
    assert ns.list_len("orders") == 0 and ns.list_len("items") == 1
    with pytest.raises(ValueError, match="batch: must be >= 1"):
        list(ns.list_iter("items", batch=0))


def test_list_texts_are_the_items_as_the_writer_spells_them(store):
    ns = store.namespace("step-texts")
    items = [{"n": i, "s": "é", "f": 0.1, "l": [None, True]} for i in range(5)]
    ns.list_append("orders", items[:3])
    ns.list_append("orders", items[3:])
    pieces = list(ns.list_texts("orders", batch=2))
    assert ",".join(pieces) == ",".join(json_text(i) for i in items)  # what the writer puts between [ ]
    assert json.loads(f"[{','.join(pieces)}]") == items
    assert len(pieces) in (2, len(items))  # an append's items in one piece (SQLite), or one by one
    assert list(ns.list_iter("orders", batch=3)) == items
    assert ",".join(ns.lazy_list("orders").texts()) == ",".join(json_text(i) for i in items)


def test_sqlite_hands_over_its_stored_texts_without_decoding(sqlite_store, monkeypatch):
    ns = sqlite_store.namespace("step-raw")
    ns.list_append("orders", [{"n": i} for i in range(3)])
    monkeypatch.setattr("amazon_mws.runtime.state.sqlite.json.loads", lambda _: pytest.fail("decoded"))
    ns.list_append("orders", [{"n": 3}])
    assert list(ns.list_texts("orders")) == ['{"n":0},{"n":1},{"n":2}', '{"n":3}']


def test_namespaces_are_isolated_and_clear_forgets_everything(store):
    a, b = store.namespace("flow1:step"), store.namespace("flow2:step")
    a.replace({"k": "a"})
    a.list_append("l", [{"v": 1}])
    b.replace({"k": "b"})
    b.list_append("l", [{"v": 2}])
    a.clear()
    assert a.load() == {} and a.list_len("l") == 0
    assert b.load() == {"k": "b"} and list(b.list_iter("l")) == [{"v": 2}]
    assert store.namespace("flow2:step").load() == {"k": "b"}  # a new handle sees the same state


def test_concurrent_merges_from_threads_lose_nothing(store):
    ns = store.namespace("concurrent")
    ns.replace({"seed": 0})
    threads_n, rounds = 8, 40
    errors = []

    def writer(t: int) -> None:
        try:
            for r in range(rounds):
                full = ns.merge({f"t{t}": r})
                assert full[f"t{t}"] == r and "seed" in full
                ns.list_append("log", [{"t": t, "r": r}])
        except Exception as exc:  # surfaced below
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads_n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    state = ns.load()
    assert state == {"seed": 0, **{f"t{t}": rounds - 1 for t in range(threads_n)}}
    assert ns.list_len("log") == threads_n * rounds
    per_thread = {}
    for item in ns.list_iter("log", batch=50):
        per_thread.setdefault(item["t"], []).append(item["r"])
    assert all(rs == list(range(rounds)) for rs in per_thread.values())  # each writer's order kept


CHILD = """
import sys
from amazon_mws.runtime.state import state_store_from_env
store = state_store_from_env()
ns = store.namespace(sys.argv[1])
me = sys.argv[2]
for r in range(int(sys.argv[3])):
    ns.merge({me: r})
    ns.list_append("log", [{"p": me, "r": r}])
"""


def _run_children(env: dict[str, str], ns_name: str, procs: int, rounds: int) -> None:
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, ns_name, f"p{i}", str(rounds)], env=env) for i in range(procs)
    ]
    assert [c.wait(timeout=60) for c in children] == [0] * procs


def test_concurrent_merges_from_processes_sqlite(tmp_path, monkeypatch):
    import os

    path = tmp_path / "shared.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["AMAZON_MWS_STATE_PATH"] = str(path)
    _run_children(env, "multi", procs=4, rounds=30)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("AMAZON_MWS_STATE_PATH", str(path))
    store = state_store_from_env()
    assert isinstance(store, SqliteStateStore)
    ns = store.namespace("multi")
    assert ns.load() == {f"p{i}": 29 for i in range(4)}
    assert ns.list_len("log") == 120
    store.close()


def test_concurrent_merges_from_processes_redis(redis_url, monkeypatch):
    import os

    prefix = f"test-runtime-state-{uuid.uuid4().hex[:8]}:"
    env = dict(os.environ, REDIS_URL=redis_url, AMAZON_MWS_STATE_PREFIX=prefix)
    try:
        _run_children(env, "multi", procs=4, rounds=30)
        monkeypatch.setenv("REDIS_URL", redis_url)
        monkeypatch.setenv("AMAZON_MWS_STATE_PREFIX", prefix)
        store = state_store_from_env()
        assert isinstance(store, RedisStateStore) and store.prefix == prefix
        ns = store.namespace("multi")
        assert ns.load() == {f"p{i}": 29 for i in range(4)}
        assert ns.list_len("log") == 120
        store.close()
    finally:
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)


def test_sqlite_default_path_from_env(tmp_path, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("AMAZON_MWS_STATE_PATH", str(tmp_path / "x" / "s.sqlite3"))
    store = state_store_from_env()
    store.namespace("n").replace({"a": 1})
    store.close()
    assert (tmp_path / "x" / "s.sqlite3").is_file()


def test_values_are_json_in_redis(redis_store, redis_url):
    ns = redis_store.namespace("raw")
    ns.replace({"a": {"b": [1, "2"]}})
    raw = redis.Redis.from_url(redis_url).hget(f"{redis_store.prefix}raw:state", "a")
    assert json.loads(raw) == {"b": [1, "2"]}
    assert "redis://" not in repr(redis_store)


def test_sqlite_survives_reopen(tmp_path: Path):
    path = tmp_path / "reopen.sqlite3"
    first = SqliteStateStore(path)
    first.namespace("n").merge({"cursor": 1})
    first.namespace("n").list_append("l", [{"i": 1}])
    first.close()
    again = SqliteStateStore(path)
    assert again.namespace("n").load() == {"cursor": 1} and again.namespace("n").list_len("l") == 1
    again.close()


def test_sqlite_keeps_one_row_per_append_and_reads_it_back_item_by_item(sqlite_store):
    import sqlite3

    ns = sqlite_store.namespace("rows")
    page = [{"n": i, "text": "a line\nanother", "é": "ü"} for i in range(250)]
    assert ns.list_append("orders", page) == 250
    assert ns.list_append("orders", page[:3]) == 253
    with sqlite3.connect(sqlite_store.path) as conn:
        assert conn.execute("SELECT n FROM items WHERE ns = 'rows' ORDER BY id").fetchall() == [(250,), (3,)]
    assert list(ns.list_iter("orders", batch=7)) == page + page[:3]  # a newline inside a string stays
    assert ns.list_len("orders") == 253


def test_sqlite_reads_a_file_written_a_row_per_item(tmp_path: Path):
    """A state file of the version before one row per append (a run killed then, resumed now)."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE state (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (ns, key));"
            "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, ns TEXT NOT NULL, key TEXT NOT NULL,"
            " value TEXT NOT NULL);"
            "CREATE INDEX items_by_list ON items (ns, key, id);")
        conn.executemany("INSERT INTO items (ns, key, value) VALUES ('old', 'page', ?)",
                         [(json.dumps({"n": i}, separators=(",", ":")),) for i in range(5)])
    store = SqliteStateStore(path)
    ns = store.namespace("old")
    assert ns.list_len("page") == 5 and [o["n"] for o in ns.list_iter("page", batch=2)] == [0, 1, 2, 3, 4]
    assert ns.list_append("page", [{"n": 5}, {"n": 6}]) == 7
    assert [o["n"] for o in ns.list_iter("page", batch=3)] == list(range(7))
    assert list(ns.list_texts("page"))[-2:] == ['{"n":4}', '{"n":5},{"n":6}']
    store.close()


def test_sqlite_reads_rows_of_an_append_written_one_item_a_line(sqlite_store):
    """A row of the version before an append was one JSON array: its items' texts one per line."""
    import sqlite3

    texts = ['{"n": 0, "s": "a\\nb"}', '{"n": 1}']  # spelled as that version's writer did
    with sqlite3.connect(sqlite_store.path) as conn:
        conn.execute("INSERT INTO items (ns, key, value, n) VALUES ('lines', 'page', ?, 2)", ("\n".join(texts),))
    ns = sqlite_store.namespace("lines")
    ns.list_append("page", [{"n": 2}])
    assert [o["n"] for o in ns.list_iter("page", batch=1)] == [0, 1, 2]
    assert list(ns.list_texts("page")) == [*texts, '{"n":2}']
    assert ns.list_len("page") == 3


def test_many_lists_counted_and_dropped_at_once(store):
    """What a finished window does with its pages: count them, then drop them, each in one go where the
    store can (SQLite: one query per 500 keys, one commit)."""
    ns = store.namespace("many-lists")
    keys = [f"page-{n}" for n in range(1203)]  # past the SQLite store's 500 keys a statement, twice
    for n, key in enumerate(keys):
        ns.list_append(key, [{"n": n}] * (n % 3))
    ns.list_append("kept", [{"k": 1}])
    assert ns.lists_len(keys) == sum(n % 3 for n in range(1203))
    assert ns.lists_len(keys[:2] + ["absent"]) == 1 and ns.lists_len([]) == 0
    ns.lists_clear(keys[:700])
    assert ns.lists_len(keys) == sum(n % 3 for n in range(700, 1203))
    ns.lists_clear(keys)
    assert ns.lists_len(keys) == 0 and ns.list_len("kept") == 1
