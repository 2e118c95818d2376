"""Waits on Celery: a step's wait (a submitted feed) is carried on by scheduled tasks, not a sleeping worker.

How a wait gets here: the task that runs a step (a flow step, or ``amazon_mws.run_step``) runs it inside
``runtime.waits.collecting()``. A feed action submits each feed as usual and, instead of sleeping
``RESPONSE_CHECK_DELAY`` between checks, hands a ``Wait`` to ``runtime.waits.defer()``. After the step
returns, the task calls ``schedule()``: the pending record is written to Redis and the first
``amazon_mws.feed_check`` task is sent with the wait's delay as its countdown, on the feed-checks queue.
Each check calls the poller the record names (``"package.module:function"``, resolved by name: this module
imports no Amazon code); a record written before pollers had names (no ``poller``) is a feed check.

Why it survives a worker restart: the pending record (wait states, outputs so far, what to do at the end)
lives in Redis, not in the task. Each check task carries the id of the check it is; the record names the
one expected next. A check sends its successor *before* saving the record that expects it, under a lock,
so a crash at any point leaves either the old task (redelivered, it repeats the check) or the new one; a
stale copy finds an id it does not expect and stops. ``sweep()`` (run by beat every minute) re-sends
checks that are long overdue, for the case where both were lost with a broker restart.

At the end the outputs are checked against the step's out schema (as the emitter would have inline) and
the continuation runs: a flow's next stage gets the outputs as messages (``after_flow``, which the app
passes in: flow_tasks stands on this module, not under it), or a plain ``run_step`` task's caller gets its
RunResult (written to the result backend under the original task id).

The Redis keys, the record's fields and the task names are those of the feed checks this module replaces,
so records pending when a worker is upgraded still finish.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from amazon_mws.runtime.manifest import load_manifest
from amazon_mws.runtime.sealing import seal_fields, unseal_fields
from amazon_mws.runtime.waits import Wait, resolve
from amazon_mws.workers import retries
from amazon_mws.workers.context import flow_store
from amazon_mws.workers.flow_store import FlowStore, lock_ttl_from_env
from amazon_mws.workers.queues import feed_checks_queue

log = logging.getLogger(__name__)

CHECK_TASK = "amazon_mws.feed_check"
SWEEP_TASK = "amazon_mws.feed_check_sweep"
OVERDUE_GRACE = 300.0  # seconds past due before the sweep re-sends a check
# What a record without a poller name waits for: before waits were generic, every record was a feed check.
LEGACY_POLLER = "amazon_mws.steps.feed_wait:poll"

FlowContinuation = Callable[[Any, dict[str, Any], str, list[dict[str, Any]], list[dict[str, Any]]], None]


class PendingWaits:
    """Pending waits in Redis: ``feedcheck:{key}`` (the record) and ``feedchecks`` (zset by due time)."""

    def __init__(self, client: Any, prefix: str):
        self.r = client
        self.prefix = prefix
        self.index = f"{prefix}feedchecks"

    @classmethod
    def from_env(cls) -> PendingWaits:
        fs = flow_store()
        return cls(fs.r, fs.prefix)

    def record_key(self, key: str) -> str:
        return f"{self.prefix}feedcheck:{key}"

    def load(self, key: str) -> dict[str, Any] | None:
        raw = self.r.get(self.record_key(key))
        return json.loads(raw) if raw else None

    def save(self, record: dict[str, Any]) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.set(self.record_key(record["key"]), json.dumps(record))
        pipe.zadd(self.index, {record["key"]: record["dueAt"]})
        pipe.execute()

    def delete(self, key: str) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.delete(self.record_key(key))
        pipe.zrem(self.index, key)
        pipe.execute()

    def pending(self, limit: int = 1000) -> list[dict[str, Any]]:
        keys = [k.decode() for k in self.r.zrange(self.index, 0, limit - 1)]
        return [r for r in (self.load(k) for k in keys) if r is not None]

    def overdue(self, now: float, grace: float) -> list[str]:
        return [k.decode() for k in self.r.zrangebyscore(self.index, 0, now - grace)]


def _send(app: Any, key: str, check_id: str, countdown: float) -> None:
    app.send_task(CHECK_TASK, args=[key, check_id], countdown=max(countdown, 0.0), queue=feed_checks_queue())


def poller_of(record: dict[str, Any]) -> str:
    """The poller a record waits on (a record from before pollers had names: the feed poller)."""
    return str(record.get("poller") or LEGACY_POLLER)


def schedule(app: Any, waits: list[Wait], step: str, *, continuation: dict[str, Any],
             flow: str | None = None, stage: int | None = None, cfg: dict[str, Any] | None = None) -> str:
    """Store the pending waits and send their first check; returns the record's key.

    A flow's record finds its cfg again from the registered flow (``flow``, ``stage``), so no secret is
    stored with it; a plain run_step record stores ``cfg`` with its secrets sealed. The waits of one step run
    share one poller (one record, one continuation)."""
    pollers = sorted({w.poller for w in waits})
    if len(pollers) != 1:
        raise ValueError(f"{step}: one step run waits on one poller, not {pollers}")
    store = PendingWaits.from_env()
    key = uuid.uuid4().hex
    delay = min(w.delay for w in waits)
    record: dict[str, Any] = {
        "key": key, "step": step, "poller": pollers[0], "jobs": [w.state for w in waits], "outputs": [],
        "continuation": continuation, "flow": flow, "stage": stage,
        "cfg": seal_fields(cfg, load_manifest().secret_names) if cfg else cfg, "checkId": uuid.uuid4().hex,
        "createdAt": time.time(), "dueAt": time.time() + delay,
    }
    store.save(record)
    _send(app, key, record["checkId"], delay)
    log.info("wait %s scheduled in %.1f s: %d waits on %s", key, delay, len(waits), pollers[0])
    return key


def _cfg(record: dict[str, Any]) -> dict[str, Any]:
    if record.get("flow"):
        return flow_store().flow(record["flow"]).cfg_for(int(record["stage"]))
    return unseal_fields(record.get("cfg") or {})


def check(task: Any, key: str, check_id: str, *, after_flow: FlowContinuation) -> dict[str, Any]:
    """One round for a pending record: finish what is done, reschedule the rest."""
    from amazon_mws.runtime.jsonlog import log_context

    store = PendingWaits.from_env()
    record = store.load(key)
    if record is None:
        return {"check": key, "skipped": "finished already"}
    if record["checkId"] != check_id:
        return {"check": key, "skipped": "stale copy"}
    ttl = lock_ttl_from_env()
    lock = FlowStore(store.r, store.prefix).lock(f"{store.record_key(key)}:lock", check_id, ttl)
    if lock is None:  # the check before us is still saving: look again shortly
        try:
            raise retries.spend(task, retries.LOCK_WAITS, max(ttl / 4, 0.1), f"wait {key}")
        except retries.BudgetUsedUp as exc:  # the record stays: the sweep sends it again when it is overdue
            log.error("%s; the sweep will send it again", exc)
            return {"check": key, "skipped": str(exc)}
    try:
        record = store.load(key)
        if record is None or record["checkId"] != check_id:
            return {"check": key, "skipped": "stale copy"}
        with log_context(flow=record.get("flow"), step=record["step"], message=key):
            try:
                return _round(task.app, store, record, after_flow)
            except Exception as exc:  # a poller's crash (Redis blinking, a bug): this same check again, soon
                why = f"wait {key}: {type(exc).__name__}: {exc}"
                try:
                    crashes = retries.check(task, retries.CRASHES, why)
                except retries.BudgetUsedUp as used_up:  # the record stays: the sweep sends it again
                    log.error("%s; the sweep will send it again", used_up)
                    return {"check": key, "skipped": str(used_up)}
                log.warning("%s; checking again", why)  # nothing of the round was saved: the same check
                raise retries.retry(task, retries.CRASHES.counter, min(2.0**crashes, 60.0)) from None
    finally:
        lock.release()


def _round(app: Any, store: PendingWaits, record: dict[str, Any], after_flow: FlowContinuation) -> dict[str, Any]:
    poller = poller_of(record)
    answer = resolve(poller)(_cfg(record), list(record["jobs"]))
    outputs = [*record["outputs"], *answer.outputs]
    errors = [*(record.get("errors") or []), *answer.errors]
    if answer.pending:
        delay = min(w.delay for w in answer.pending)
        record.update(poller=poller, jobs=[w.state for w in answer.pending], outputs=outputs, errors=errors,
                      checkId=uuid.uuid4().hex, dueAt=time.time() + delay)
        _send(app, record["key"], record["checkId"], delay)  # successor first, then the record expecting it
        store.save(record)
        return {"check": record["key"], "pending": len(answer.pending)}
    _continue(app, record, outputs, errors, after_flow)
    store.delete(record["key"])
    log.info("wait %s finished: %d outputs, %d errors", record["key"], len(outputs), len(errors))
    return {"check": record["key"], "outputs": len(outputs), "errors": errors}


def _validated(record: dict[str, Any], outputs: list[dict[str, Any]]) -> None:
    """The outputs pass the step's out schema, as they would have inline."""
    from amazon_mws.runtime.executor import _schemas
    from amazon_mws.runtime.manifest import load_manifest

    manifest = load_manifest()
    step = manifest.step(record["step"])
    _, out_schema = _schemas(manifest, step, _cfg(record))
    if out_schema is not None:
        for out in outputs:
            manifest.schemas.validate(out_schema, out, "body")


def _continue(app: Any, record: dict[str, Any], outputs: list[dict[str, Any]], errors: list[dict[str, Any]],
              after_flow: FlowContinuation) -> None:
    from amazon_mws.runtime.emitter import error_info

    try:
        _validated(record, outputs)
    except Exception as exc:
        errors = [*errors, error_info(exc)]
        outputs = []
    cont = record["continuation"]
    if cont["kind"] == "flow":
        after_flow(app, cont, record["key"], outputs, errors)
    elif cont["kind"] == "result":
        from celery import states

        events = list(cont.get("events") or [])
        for n, out in enumerate(outputs):
            events.append({"event": "data", "id": f"{cont['taskId']}:{n}", "body": out, "headers": {}})
        events += [{"event": "error", "error": e} for e in errors]
        events.append({"event": "end"})
        result = {"step": record["step"], "state": cont.get("state") or {}, "events": events}
        app.backend.store_result(cont["taskId"], result, states.SUCCESS)


def sweep(app: Any, *, now: float | None = None, grace: float = OVERDUE_GRACE) -> int:
    """Re-send checks whose task went missing (overdue by more than ``grace``); returns how many."""
    store = PendingWaits.from_env()
    count = 0
    for key in store.overdue(time.time() if now is None else now, grace):
        record = store.load(key)
        if record is None:
            continue
        record["checkId"] = uuid.uuid4().hex
        record["dueAt"] = time.time()
        store.save(record)
        _send(app, key, record["checkId"], 0)
        count += 1
    if count:
        log.warning("waits: re-sent %d overdue checks", count)
    return count
