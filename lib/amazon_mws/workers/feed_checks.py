"""Feed checks on Celery: a submitted feed is checked by scheduled tasks, not by a sleeping worker.

How a feed action gets here: the task that runs a step (a flow step, or ``amazon_mws.run_step``) runs it
inside ``deferring()``. ``feeds.action.submit_and_wait`` submits each feed as usual, and then, instead of
sleeping ``RESPONSE_CHECK_DELAY`` between checks, hands the job state to ``defer()``. After the step
returns, the task calls ``schedule()``: the pending check is written to Redis and the first
``amazon_mws.feed_check`` task is sent with that delay as its countdown, on the feed-checks queue.

Why it survives a worker restart: the pending check (job states, outputs so far, what to do at the end)
lives in Redis, not in the task. Each check task carries the id of the check it is; the record names the
one expected next. A check sends its successor *before* saving the record that expects it, under a lock,
so a crash at any point leaves either the old task (redelivered, it repeats the check) or the new one; a
stale copy finds an id it does not expect and stops. ``sweep()`` (run by beat every minute) re-sends
checks that are long overdue, for the case where both were lost with a broker restart.

At the end the continuation runs: a flow's next stage gets the outputs as messages, or a plain
``run_step`` task's caller gets its RunResult (written to the result backend under the original task id).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

from amazon_mws.feeds import job
from amazon_mws.feeds.errors import FeedCheckTimeout

log = logging.getLogger("amazon_mws.feeds.checks")

CHECK_TASK = "amazon_mws.feed_check"
SWEEP_TASK = "amazon_mws.feed_check_sweep"
OVERDUE_GRACE = 300.0  # seconds past due before the sweep re-sends a check

_DEFERRED: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar(
    "amazon_mws_deferred_feed_checks", default=None
)


@contextlib.contextmanager
def deferring() -> Iterator[list[dict[str, Any]]]:
    """Inside: feed actions submit and defer their checks (collected in the yielded list)."""
    jobs: list[dict[str, Any]] = []
    token = _DEFERRED.set(jobs)
    try:
        yield jobs
    finally:
        _DEFERRED.reset(token)


def defer(state: dict[str, Any]) -> bool:
    """Take over the checks of a submitted job when running on Celery; False in one process."""
    jobs = _DEFERRED.get()
    if jobs is None or state.get("done"):
        return False
    jobs.append(state)
    return True


class PendingChecks:
    """Pending checks in Redis: ``feedcheck:{key}`` (the record) and ``feedchecks`` (zset by due time)."""

    def __init__(self, client, prefix: str):
        self.r = client
        self.prefix = prefix
        self.index = f"{prefix}feedchecks"

    @classmethod
    def from_env(cls) -> PendingChecks:
        from amazon_mws.workers.context import flow_store

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


def _send(app, key: str, check_id: str, countdown: float) -> None:
    from amazon_mws.workers.app import feed_checks_queue

    app.send_task(CHECK_TASK, args=[key, check_id], countdown=max(countdown, 0.0), queue=feed_checks_queue())


def _public(state: dict[str, Any]) -> dict[str, Any]:
    return {k: state.get(k) for k in ("feedSubmissionId", "feedType", "status", "attempts")}


def schedule(app, jobs: list[dict[str, Any]], step: str, *, continuation: dict[str, Any],
             flow: str | None = None, stage: int | None = None, cfg: dict[str, Any] | None = None) -> str:
    """Store the pending check and send its first task; returns the check's key.

    A flow's check finds its cfg again from the registered flow (``flow``, ``stage``), so no secret is
    stored with it; a plain run_step check stores ``cfg`` (the broker held it already)."""
    store = PendingChecks.from_env()
    key = uuid.uuid4().hex
    delay = min(float(s["delaySeconds"]) for s in jobs)
    record = {
        "key": key, "step": step, "jobs": jobs, "outputs": [], "continuation": continuation,
        "flow": flow, "stage": stage, "cfg": cfg, "checkId": uuid.uuid4().hex,
        "createdAt": time.time(), "dueAt": time.time() + delay,
    }
    store.save(record)
    _send(app, key, record["checkId"], delay)
    log.info("feed check %s scheduled in %.1f s for %s", key, delay, [s["feedSubmissionId"] for s in jobs])
    return key


def _cfg(record: dict[str, Any]) -> dict[str, Any]:
    if record.get("flow"):
        from amazon_mws.workers.context import flow_store

        return flow_store().flow(record["flow"]).cfg_for(int(record["stage"]))
    return dict(record.get("cfg") or {})


def check(task, key: str, check_id: str) -> dict[str, Any]:
    """One round of checks for a pending record: finish what is done, reschedule the rest."""
    from amazon_mws.runtime.jsonlog import log_context
    from amazon_mws.workers.flow_store import FlowStore, lock_ttl_from_env

    store = PendingChecks.from_env()
    record = store.load(key)
    if record is None:
        return {"check": key, "skipped": "finished already"}
    if record["checkId"] != check_id:
        return {"check": key, "skipped": "stale copy"}
    ttl = lock_ttl_from_env()
    lock = FlowStore(store.r, store.prefix).lock(f"{store.record_key(key)}:lock", check_id, ttl)
    if lock is None:  # the check before us is still saving: look again shortly
        raise task.retry(countdown=max(ttl / 4, 0.1), max_retries=None)
    try:
        record = store.load(key)
        if record is None or record["checkId"] != check_id:
            return {"check": key, "skipped": "stale copy"}
        with log_context(flow=record.get("flow"), step=record["step"], message=key):
            return _round(task.app, store, record)
    finally:
        lock.release()


def _round(app, store: PendingChecks, record: dict[str, Any]) -> dict[str, Any]:
    from amazon_mws.steps.feed_actions import feeds_api

    api = feeds_api(_cfg(record))
    outputs, errors, remaining = list(record["outputs"]), list(record.get("errors") or []), []
    for state in record["jobs"]:
        try:
            state = job.check(api, state)
        except FeedCheckTimeout as exc:
            errors.append({"type": "FeedCheckTimeout", "message": str(exc)})
            continue
        if state["done"]:
            outputs.append(job.finish(api, state))
        else:
            remaining.append(state)
    if remaining:
        delay = min(float(s["delaySeconds"]) for s in remaining)
        record.update(jobs=remaining, outputs=outputs, errors=errors, checkId=uuid.uuid4().hex,
                      dueAt=time.time() + delay)
        _send(app, record["key"], record["checkId"], delay)  # successor first, then the record expecting it
        store.save(record)
        return {"check": record["key"], "pending": [_public(s) for s in remaining]}
    _continue(app, record, outputs, errors)
    store.delete(record["key"])
    log.info("feed check %s finished: %d outputs, %d errors", record["key"], len(outputs), len(errors))
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


def _continue(app, record: dict[str, Any], outputs: list[dict[str, Any]], errors: list[dict[str, str]]) -> None:
    from amazon_mws.runtime.emitter import error_info

    try:
        _validated(record, outputs)
    except Exception as exc:
        errors = [*errors, error_info(exc)]
        outputs = []
    cont = record["continuation"]
    if cont["kind"] == "flow":
        from amazon_mws.workers.flow_tasks import after_checks

        after_checks(app, cont, record["key"], outputs, errors)
    elif cont["kind"] == "result":
        from celery import states

        events = list(cont.get("events") or [])
        for n, out in enumerate(outputs):
            events.append({"event": "data", "id": f"{cont['taskId']}:{n}", "body": out, "headers": {}})
        events += [{"event": "error", "error": e} for e in errors]
        events.append({"event": "end"})
        result = {"step": record["step"], "state": cont.get("state") or {}, "events": events}
        app.backend.store_result(cont["taskId"], result, states.SUCCESS)


def sweep(app, *, now: float | None = None, grace: float = OVERDUE_GRACE) -> int:
    """Re-send checks whose task went missing (overdue by more than ``grace``); returns how many."""
    store = PendingChecks.from_env()
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
        log.warning("feed checks: re-sent %d overdue checks", count)
    return count
