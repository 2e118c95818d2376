"""What workers share about flows, in Redis: registered flows, locks, done-markers, run trackers.

Keys (under the state store's prefix, ``AMAZON_MWS_STATE_PREFIX``, default ``amazon-mws:state:``):

- ``flows`` (set) and ``flow:{name}:spec``: registered flows (the file as written + its folder);
- ``flow:{name}:lock``: the poll lock. Its value is the poll id holding it; a holder renews it every
  third of its TTL, so a killed worker's lock lapses after ``FLOW_LOCK_TTL`` seconds and a redelivered
  poll can take over, while a live poll is never overlapped;
- ``flow:{name}:msglock:{stage}:{id}`` / ``flow:{name}:done:{stage}:{id}``: one message at one stage is
  processed by one worker at a time, and once: a redelivered task finds the done-marker and emits nothing;
- ``flow:{name}:track:{tracker}:sent|finished|errors``: what one ``flow run --once`` is waiting for. Both are
  sets of "stage:message id", so counting stays right when a task runs twice (a set ignores the copy);
  a task adds its children to ``sent`` before it adds itself to ``finished``, so ``sent == finished`` only
  when nothing is left in flight;
- ``flow:{name}:lastRun``, ``flow:{name}:errors``: for ``amazon-mws status``.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from typing import Any

import redis

DEFAULT_LOCK_TTL = 30.0
DONE_TTL = 7 * 24 * 3600
TRACK_TTL = 24 * 3600
ERRORS_KEPT = 100


def lock_ttl_from_env() -> float:
    raw = os.environ.get("FLOW_LOCK_TTL")
    if raw in (None, ""):
        return DEFAULT_LOCK_TTL
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"FLOW_LOCK_TTL: must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"FLOW_LOCK_TTL: must be > 0, got {raw!r}")
    return value


def _text(value: bytes | str) -> str:
    """What redis-py hands back, as text (bytes unless the client decodes responses)."""
    return value.decode() if isinstance(value, bytes) else value


class HeldLock:
    """A Redis lock with a token we choose, renewed by a daemon thread until released."""

    def __init__(self, client: redis.Redis, key: str, token: str, ttl: float):
        self._lock = client.lock(key, timeout=ttl, thread_local=False)
        self._token = token
        self._ttl = ttl
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> bool:
        if not self._lock.acquire(blocking=False, token=self._token):
            return False
        self._thread = threading.Thread(target=self._renew, name="flow-lock-renew", daemon=True)
        self._thread.start()
        return True

    def _renew(self) -> None:
        while not self._stop.wait(self._ttl / 3):
            try:
                if not self._lock.reacquire():
                    return
            except Exception:  # lost it (expired while the process was stopped): the next step sees it
                return

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        with contextlib.suppress(Exception):  # expired meanwhile: nothing to release
            self._lock.release()


class FlowStore:
    def __init__(self, client: redis.Redis, prefix: str):
        self.r = client
        self.prefix = prefix
        self._specs: dict[str, tuple[bytes | str, Any]] = {}

    @classmethod
    def from_env(cls) -> FlowStore:
        from amazon_mws.runtime.state.redis import DEFAULT_PREFIX

        url = os.environ.get("REDIS_URL")
        if not url:
            raise RuntimeError("REDIS_URL is not set: flows on workers need Redis")
        return cls(redis.Redis.from_url(url), os.environ.get("AMAZON_MWS_STATE_PREFIX") or DEFAULT_PREFIX)

    def key(self, name: str, *parts: str) -> str:
        return ":".join([f"{self.prefix}flow", name, *parts])

    # -- registered flows -------------------------------------------------------------------------

    def register(self, flow) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.set(self.key(flow.name, "spec"), json.dumps(flow.to_json()))
        pipe.sadd(f"{self.prefix}flows", flow.name)
        pipe.execute()

    def unregister(self, name: str) -> bool:
        """Take the flow off the registered flows (``status`` no longer lists it); True if it was there.
        Its spec stays, so messages already between its steps still finish on the workers (nothing in
        flight is lost); its state stays too, so registering it again resumes from its cursor."""
        return bool(self.r.srem(f"{self.prefix}flows", name))

    def names(self) -> list[str]:
        return sorted(_text(n) for n in self.r.smembers(f"{self.prefix}flows"))

    def flow(self, name: str):
        """The registered flow (parsed once per worker while its stored text is unchanged)."""
        from amazon_mws.flows.spec import Flow

        raw = self.r.get(self.key(name, "spec"))
        if raw is None:
            raise LookupError(f"flow {name!r} is not registered (run `amazon-mws flow run FLOW.json`)")
        cached = self._specs.get(name)
        if cached and cached[0] == raw:
            return cached[1]
        flow = Flow.from_json(json.loads(raw))
        self._specs[name] = (raw, flow)
        return flow

    # -- locks and done-markers -------------------------------------------------------------------

    def lock(self, key: str, token: str, ttl: float | None = None) -> HeldLock | None:
        held = HeldLock(self.r, key, token, ttl or lock_ttl_from_env())
        return held if held.acquire() else None

    def holder(self, key: str) -> str | None:
        raw = self.r.get(key)
        return _text(raw) if raw is not None else None

    def poll_lock_key(self, name: str) -> str:
        return self.key(name, "lock")

    def message_lock_key(self, name: str, stage: int, message_id: str) -> str:
        return self.key(name, "msglock", str(stage), message_id)

    def is_done(self, name: str, stage: int | str, message_id: str) -> bool:
        return bool(self.r.exists(self.key(name, "done", str(stage), message_id)))

    def mark_done(self, name: str, stage: int | str, message_id: str) -> None:
        self.r.set(self.key(name, "done", str(stage), message_id), "1", ex=DONE_TTL)

    # -- trackers (flow run --once) ---------------------------------------------------------------

    def track_sent(self, name: str, tracker: str | None, members: list[str]) -> None:
        if not tracker or not members:
            return
        key = self.key(name, "track", tracker, "sent")
        pipe = self.r.pipeline(transaction=False)
        pipe.sadd(key, *members)
        pipe.expire(key, TRACK_TTL)
        pipe.execute()

    def track_finished(self, name: str, tracker: str | None, member: str) -> None:
        if not tracker:
            return
        key = self.key(name, "track", tracker, "finished")
        pipe = self.r.pipeline(transaction=False)
        pipe.sadd(key, member)
        pipe.expire(key, TRACK_TTL)
        pipe.execute()

    def tracker_counts(self, name: str, tracker: str) -> tuple[int, int]:
        pipe = self.r.pipeline(transaction=False)
        pipe.scard(self.key(name, "track", tracker, "sent"))
        pipe.scard(self.key(name, "track", tracker, "finished"))
        sent, finished = pipe.execute()
        return int(sent), int(finished)

    def tracker_members(self, name: str, tracker: str) -> list[str]:
        return [_text(m) for m in self.r.smembers(self.key(name, "track", tracker, "finished"))]

    def tracker_errors(self, name: str, tracker: str) -> list[dict[str, Any]]:
        return [json.loads(e) for e in self.r.lrange(self.key(name, "track", tracker, "errors"), 0, -1)]

    def forget_tracker(self, name: str, tracker: str) -> None:
        self.r.delete(*(self.key(name, "track", tracker, part) for part in ("sent", "finished", "errors")))

    # -- what status shows ------------------------------------------------------------------------

    def record_error(self, name: str, tracker: str | None, info: dict[str, Any]) -> None:
        text = json.dumps({**info, "at": time.time()})
        pipe = self.r.pipeline(transaction=False)
        pipe.lpush(self.key(name, "errors"), text)
        pipe.ltrim(self.key(name, "errors"), 0, ERRORS_KEPT - 1)
        if tracker:
            pipe.rpush(self.key(name, "track", tracker, "errors"), text)
            pipe.expire(self.key(name, "track", tracker, "errors"), TRACK_TTL)
        pipe.execute()

    def errors(self, name: str, count: int = 10) -> list[dict[str, Any]]:
        return [json.loads(e) for e in self.r.lrange(self.key(name, "errors"), 0, count - 1)]

    def set_last_run(self, name: str, info: dict[str, Any]) -> None:
        self.r.set(self.key(name, "lastRun"), json.dumps(info))

    def last_run(self, name: str) -> dict[str, Any] | None:
        raw = self.r.get(self.key(name, "lastRun"))
        return json.loads(raw) if raw else None
