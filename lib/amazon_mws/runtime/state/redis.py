"""The Redis state store: shared by every worker, survives a killed one.

Layout per namespace ``ns`` under the store's prefix:
``{prefix}{ns}:state`` a hash, one field per top-level key, JSON values;
``{prefix}{ns}:list:{key}`` a Redis list of JSON items;
``{prefix}{ns}:lists`` the set of list keys (for clear).
A shallow merge is one HSET (atomic by itself) and a replace one MULTI/EXEC of DEL + HSET.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import redis

from amazon_mws.runtime.state.base import DEFAULT_BATCH, StateNamespace, StateStore

DEFAULT_PREFIX = "amazon-mws:state:"

# KEYS[1] the state hash; ARGV: field, expected JSON, is-expected-given ("1"/"0"), new JSON, is-new-given.
# Values are compared as the JSON text this store writes (an expected value read back from it is
# written the same way again: same key order, same separators).
_COMPARE_AND_SET = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[3] == '0' then
  if current then return 0 end
else
  if not current then return 0 end
  if current ~= ARGV[2] then return 0 end
end
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
"""


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def as_text(raw: bytes | str) -> str:
    """A Redis reply as text: the client hands bytes back (no decode_responses, since list items stay bytes)."""
    return raw.decode() if isinstance(raw, bytes) else raw


class RedisNamespace(StateNamespace):
    def __init__(self, client: redis.Redis, prefix: str, name: str):
        self.name = name
        self._r = client
        self._base = f"{prefix}{name}"
        self._state_key = f"{self._base}:state"
        self._lists_key = f"{self._base}:lists"

    def _list_key(self, key: str) -> str:
        return f"{self._base}:list:{key}"

    def load(self) -> dict[str, Any]:
        raw = self._r.hgetall(self._state_key)
        return {as_text(k): json.loads(v) for k, v in raw.items()}

    def replace(self, state: dict[str, Any]) -> None:
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(self._state_key)
        if state:
            pipe.hset(self._state_key, mapping={k: _dumps(v) for k, v in state.items()})
        pipe.execute()

    def merge(self, update: dict[str, Any]) -> dict[str, Any]:
        pipe = self._r.pipeline(transaction=True)
        if update:
            pipe.hset(self._state_key, mapping={k: _dumps(v) for k, v in update.items()})
        pipe.hgetall(self._state_key)
        raw = pipe.execute()[-1]
        return {as_text(k): json.loads(v) for k, v in raw.items()}

    def get(self, key: str) -> Any:
        raw = self._r.hget(self._state_key, key)
        return None if raw is None else json.loads(raw)

    def put(self, key: str, value: Any) -> None:
        self._r.hset(self._state_key, key, _dumps(value))

    def forget(self, keys: list[str]) -> None:
        if keys:
            self._r.hdel(self._state_key, *keys)

    def compare_and_set(self, key: str, expected: Any, value: Any) -> bool:
        args = [key, _dumps(expected), "0" if expected is None else "1", _dumps(value), "0" if value is None else "1"]
        return bool(self._r.eval(_COMPARE_AND_SET, 1, self._state_key, *args))

    def list_append(self, key: str, items: list[dict[str, Any]]) -> int:
        if not items:
            return self.list_len(key)
        pipe = self._r.pipeline(transaction=True)
        pipe.sadd(self._lists_key, key)
        pipe.rpush(self._list_key(key), *(_dumps(i) for i in items))
        return int(pipe.execute()[-1])

    def list_iter(self, key: str, batch: int = DEFAULT_BATCH) -> Iterator[dict[str, Any]]:
        if batch < 1:
            raise ValueError(f"batch: must be >= 1, got {batch}")
        list_key = self._list_key(key)
        start = 0
        while True:
            chunk = self._r.lrange(list_key, start, start + batch - 1)
            for raw in chunk:
                yield json.loads(raw)
            if len(chunk) < batch:
                return
            start += batch

    def list_len(self, key: str) -> int:
        return int(self._r.llen(self._list_key(key)))

    def list_clear(self, key: str) -> None:
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(self._list_key(key))
        pipe.srem(self._lists_key, key)
        pipe.execute()

    def clear(self) -> None:
        keys = [as_text(k) for k in self._r.smembers(self._lists_key)]
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(self._state_key, self._lists_key, *(self._list_key(k) for k in keys))
        pipe.execute()


class RedisStateStore(StateStore):
    """State in Redis at ``url``; ``prefix`` keeps tenants (and tests) apart. ``client``: a client on
    ``url`` to share (a worker's one connection pool, ``amazon_mws.workers.context``) instead of a new one."""

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX, client: redis.Redis | None = None):
        self.url = url
        self.prefix = prefix
        self._client = client if client is not None else redis.Redis.from_url(url)

    def namespace(self, name: str) -> RedisNamespace:
        return RedisNamespace(self._client, self.prefix, name)

    def epoch(self) -> str | None:
        key = f"{self.prefix}epoch"
        self._client.set(key, uuid.uuid4().hex, nx=True)
        raw = self._client.get(key)
        return None if raw is None else as_text(raw)

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:  # the URL may hold a password
        return f"RedisStateStore(prefix={self.prefix!r})"
