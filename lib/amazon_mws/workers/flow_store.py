"""What workers share about flows, in Redis: registered flows, locks, done-markers, run trackers.

Keys (under the state store's prefix, ``AMAZON_MWS_STATE_PREFIX``, default ``amazon-mws:state:``):

- ``flows`` (set) and ``flow:{name}:spec``: registered flows (the file as written + its folder);
  ``flow:{name}:version``: the spec's SHA-256, written with it, so a worker holding the parsed flow reads
  only this short key per message and parses again only when it changed (a hash, not a counter: a Redis
  restarted empty and a flow registered again must not meet a stale "version 1");
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
import hashlib
import json
import os
import threading
import time
from typing import TYPE_CHECKING, Any

import redis

from amazon_mws.runtime.manifest import load_manifest
from amazon_mws.runtime.sealing import seal_fields, unseal_fields
from amazon_mws.runtime.settings import env_number
from amazon_mws.runtime.state.redis import as_text

DEFAULT_LOCK_TTL = 30.0
DONE_TTL = 7 * 24 * 3600
TRACK_TTL = 24 * 3600
ERRORS_KEPT = 100


def lock_ttl_from_env() -> float:
    """``FLOW_LOCK_TTL`` seconds: how long a flow lock outlives a worker that died holding it."""
    return env_number("FLOW_LOCK_TTL", DEFAULT_LOCK_TTL, minimum=0, inclusive=False)


class _Renewer:
    """One daemon thread per process that renews every held lock a third of its TTL after it was last
    taken or renewed. A thread per lock cost a thread start and a join per message, about as much as
    a no-op Celery task; the locks a step task takes live for milliseconds, so this thread mostly sleeps."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._held: dict[int, tuple[HeldLock, float]] = {}  # id(lock) -> (lock, when it is due)
        self._wake = threading.Condition()
        threading.Thread(target=self._run, name="flow-lock-renew", daemon=True).start()

    def add(self, lock: HeldLock) -> None:
        with self._wake:
            self._held[id(lock)] = (lock, time.monotonic() + lock.ttl / 3)
            self._wake.notify()

    def discard(self, lock: HeldLock) -> None:
        with self._wake:
            self._held.pop(id(lock), None)

    def _run(self) -> None:
        while True:
            with self._wake:
                now = time.monotonic()
                due = [lock for lock, at in self._held.values() if at <= now]
                if not due:
                    soonest = min((at for _, at in self._held.values()), default=now + 60)
                    self._wake.wait(timeout=soonest - now)
                    continue
                for lock in due:  # renewed or lost, it is not due again until its next third
                    self._held[id(lock)] = (lock, now + lock.ttl / 3)
            for lock in due:
                if not lock.renew():
                    self.discard(lock)


_RENEWER: _Renewer | None = None
_RENEWER_LOCK = threading.Lock()


def _renewer() -> _Renewer:
    """This process's renewer (made again in a forked child: threads do not survive a fork)."""
    global _RENEWER
    with _RENEWER_LOCK:
        if _RENEWER is None or _RENEWER.pid != os.getpid():
            _RENEWER = _Renewer()
        return _RENEWER


def _text(value: bytes | str) -> str:
    """What redis-py hands back, as text (bytes unless the client decodes responses)."""
    return value.decode() if isinstance(value, bytes) else value


class HeldLock:
    """A Redis lock with a token we choose, renewed (by the process's renewer) until released."""

    def __init__(self, client: redis.Redis, key: str, token: str, ttl: float):
        self._lock = client.lock(key, timeout=ttl, thread_local=False)
        self._token = token
        self.ttl = ttl

    def acquire(self) -> bool:
        if not self._lock.acquire(blocking=False, token=self._token):
            return False
        _renewer().add(self)
        return True

    def renew(self) -> bool:
        """Extend the TTL; False when the lock is no longer ours (expired while the process was stopped:
        the next step sees it)."""
        try:
            return bool(self._lock.reacquire())
        except Exception:
            return False

    def release(self) -> None:
        _renewer().discard(self)
        with contextlib.suppress(Exception):  # expired meanwhile: nothing to release
            self._lock.release()


if TYPE_CHECKING:
    pass


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
        # inline credentials and webhook headers are sealed: whoever reads Redis cannot use them; the version is
        # the stored (sealed) text's digest, so it fingerprints nothing secret and changes with each registration
        text = json.dumps(seal_fields(flow.to_json(), load_manifest().secret_names, whole=("headers",)))
        pipe = self.r.pipeline(transaction=True)
        pipe.set(self.key(flow.name, "spec"), text)
        pipe.set(self.key(flow.name, "version"), hashlib.sha256(text.encode()).hexdigest())
        pipe.sadd(f"{self.prefix}flows", flow.name)
        pipe.execute()

    def unregister(self, name: str) -> bool:
        """Take the flow off the registered flows (``status`` no longer lists it); True if it was there.
        Its spec stays, so messages already between its steps still finish on the workers (nothing in
        flight is lost); its state stays too, so registering it again resumes from its cursor."""
        return bool(self.r.srem(f"{self.prefix}flows", name))

    def names(self) -> list[str]:
        return sorted(as_text(n) for n in self.r.smembers(f"{self.prefix}flows"))

    def flow(self, name: str):
        """The registered flow, parsed once per registered version: while ``flow:{name}:version`` is the
        one cached, one short GET; a flow registered before versions existed is compared by its text."""
        from amazon_mws.flows.spec import Flow

        cached = self._specs.get(name)
        if cached is not None:
            version = self.r.get(self.key(name, "version"))
            if version is not None and version == cached[0]:
                return cached[1]
        version, raw = self.r.mget(self.key(name, "version"), self.key(name, "spec"))
        if raw is None:
            raise LookupError(f"flow {name!r} is not registered (run `amazon-mws flow run FLOW.json`)")
        token = version if version is not None else raw
        if cached is not None and cached[0] == token:
            return cached[1]
        flow = Flow.from_json(unseal_fields(json.loads(raw)))
        self._specs[name] = (token, flow)
        return flow

    # -- locks and done-markers -------------------------------------------------------------------

    def lock(self, key: str, token: str, ttl: float | None = None) -> HeldLock | None:
        held = HeldLock(self.r, key, token, ttl or lock_ttl_from_env())
        return held if held.acquire() else None

    def holder(self, key: str) -> str | None:
        raw = self.r.get(key)
        return as_text(raw) if raw is not None else None

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
        return [as_text(m) for m in self.r.smembers(self.key(name, "track", tracker, "finished"))]

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
