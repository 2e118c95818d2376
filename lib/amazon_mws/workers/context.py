"""What a worker process makes once and every task shares: one Redis client (one connection pool) for the
flow store and the state store, and the flow store's cache of parsed flows.

Without it each step task opened a Redis connection of its own and parsed its flow again: about 7 ms
a message over a no-op Celery task (bench/celery_overhead.py). The shared things are made on first use and
again when the process is not the one that made them (``os.getpid()``: Celery's prefork pool forks its
children from the main process, and a socket must never be shared across a fork) or when ``REDIS_URL`` /
``AMAZON_MWS_STATE_PREFIX`` changed (tests point one process at several Redis databases).

A cached flow stays right without a restart: ``FlowStore.register`` writes the spec's hash with it, a task
reads only that short key per message and parses the spec again only when the hash changed.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

import redis

from amazon_mws.runtime.state import StateStore
from amazon_mws.workers.flow_store import FlowStore


@dataclass
class WorkerContext:
    pid: int
    url: str
    prefix: str
    client: redis.Redis
    flows: FlowStore
    state: StateStore | None = field(default=None)


_CONTEXT: WorkerContext | None = None
_LOCK = threading.Lock()


def current() -> WorkerContext:
    """This process's context for the environment's Redis and prefix (made here when missing or stale)."""
    from amazon_mws.runtime.state.redis import DEFAULT_PREFIX

    global _CONTEXT
    url = os.environ.get("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set: flows on workers need Redis")
    prefix = os.environ.get("AMAZON_MWS_STATE_PREFIX") or DEFAULT_PREFIX
    ctx = _CONTEXT
    if ctx is not None and ctx.pid == os.getpid() and ctx.url == url and ctx.prefix == prefix:
        return ctx
    with _LOCK:
        ctx = _CONTEXT
        if ctx is None or ctx.pid != os.getpid() or ctx.url != url or ctx.prefix != prefix:
            client = redis.Redis.from_url(url)
            ctx = _CONTEXT = WorkerContext(os.getpid(), url, prefix, client, FlowStore(client, prefix))
        return ctx


def flow_store() -> FlowStore:
    """The process's flow store; its ``flow(name)`` parses a flow once per registered version."""
    return current().flows


_LOCAL: dict[int, StateStore] = {}


def state_store() -> StateStore:
    """The process's Redis state store, on the same connection pool as the flow store (without
    ``REDIS_URL``, as a worker started by ``celery -A`` may be, the local SQLite store: no flows then)."""
    if not os.environ.get("REDIS_URL"):
        from amazon_mws.runtime.state import state_store_from_env

        if os.getpid() not in _LOCAL:
            _LOCAL[os.getpid()] = state_store_from_env()
        return _LOCAL[os.getpid()]
    ctx = current()
    if ctx.state is None:
        from amazon_mws.runtime.state.redis import RedisStateStore

        ctx.state = RedisStateStore(ctx.url, prefix=ctx.prefix, client=ctx.client)
    return ctx.state
