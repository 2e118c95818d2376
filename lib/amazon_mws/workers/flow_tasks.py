"""What the workers do for a flow: one poll task per trigger run, one task per message per step.

Stages: 0 is the trigger, 1..n-1 the actions, n the sink. A message moves on as a task on the next stage,
sent as soon as the step emits it (the trigger's page is in the broker before the trigger records the page
as emitted). Why it is safe to run any task twice, and to kill any worker at any time:

- message ids are stable: the trigger's (``<run id>-order-<id>``...), then ``<incoming id>:<step id>:<n>``
  for the n-th message a step emits, then ``#k`` when a map splits one message into several;
- a step task takes a lock on (stage, message id) and, when it is done, leaves a done-marker. A redelivered
  copy finds the marker and emits nothing; a copy that arrives while the first still runs waits (retries,
  within the lock-wait budget of ``workers.retries``);
- the poll holds the flow's lock, renewed while it runs: a scheduled poll never overlaps the previous one,
  and a killed poll's lock lapses so its redelivered task resumes the trigger from the state store.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from amazon_mws.flows.spec import Flow
from amazon_mws.flows.stages import children, namespace_of
from amazon_mws.runtime.emitter import Event
from amazon_mws.runtime.jsonlog import log_context
from amazon_mws.runtime.message import Message
from amazon_mws.workers.context import flow_store, state_store
from amazon_mws.workers.flow_store import FlowStore, lock_ttl_from_env
from amazon_mws.workers.queues import actions_queue

log = logging.getLogger("amazon_mws.flows")

POLL_TASK = "amazon_mws.flow.poll"
STEP_TASK = "amazon_mws.flow.step"


def send_message(app, fs: FlowStore, flow: Flow, stage: int, msg: Message, tracker: str | None) -> None:
    """One message as a task on ``stage``, counted first for a waiting ``--once``."""
    fs.track_sent(flow.name, tracker, [f"{stage}:{msg.id}"])
    app.send_task(
        STEP_TASK,
        args=[flow.name, stage, msg.to_json()],
        kwargs={"tracker": tracker},
        queue=actions_queue(),
        argsrepr=f"({flow.name!r}, {stage}, <message {msg.id}>)",
    )


def send_parked(app, fs: FlowStore, flow: Flow, tracker: str | None) -> int:
    """The flow's parked messages go to the sink again (before a poll's new ones); returns how many."""
    from amazon_mws.flows.parking import Parking

    messages = Parking(state_store(), flow.name).messages()
    for msg in messages:
        send_message(app, fs, flow, len(flow.steps), msg, tracker)
    if messages:
        log.info("flow %s: %d parked messages sent to the sink again", flow.name, len(messages))
    return len(messages)


class Dispatcher:
    """Sends the next stage's tasks for one running task, counting them for a waiting ``--once``."""

    def __init__(self, app, fs: FlowStore, flow: Flow, index: int, incoming: Message | None, tracker: str | None):
        self.app, self.fs, self.flow, self.index = app, fs, flow, index
        self.incoming, self.tracker = incoming, tracker
        self.emitted = 0

    def send(self, emitted: Message) -> None:
        for child in children(self.flow, self.index, emitted, self.incoming, self.emitted):
            send_message(self.app, self.fs, self.flow, self.index + 1, child, self.tracker)
        self.emitted += 1

    def on_event(self, event: Event) -> None:
        if event.kind == "data" and event.message is not None:
            self.send(event.message)


def _record_errors(fs: FlowStore, flow: Flow, stage: str, message_id: str, tracker, errors) -> None:
    for error in errors:
        log.error("flow %s step %s message %s: %s: %s", flow.name, stage, message_id, error["type"], error["message"])
        fs.record_error(flow.name, tracker, {"step": stage, "messageId": message_id, **error})


def guarded(task, flow_name: str, stage: str, message_id: str, tracker: str | None, member: str, work,
            give_up=None):
    """Run ``work()``; an unexpected exception (a broken deploy, Redis blinking) is retried with backoff
    within the crash budget (``TASK_CRASH_RETRIES``), then recorded as the message's error (and handed to
    ``give_up``) and counted as finished, so ``--once`` ends. A lock wait past its budget ends the same way,
    without ``give_up``: the copy holding the lock still has the message."""
    from celery.exceptions import Retry

    from amazon_mws.runtime.emitter import error_info
    from amazon_mws.workers import retries

    try:
        return work()
    except Retry:
        raise
    except retries.BudgetUsedUp as exc:  # a lock wait spent: nothing to park, the lock's holder has it
        info = {"step": stage, "messageId": message_id, **exc.info()}
        give_up = None
    except Exception as exc:
        crash = error_info(exc)
        try:
            crashes = retries.check(task, retries.CRASHES, f"{crash['type']}: {crash['message']}")
        except retries.BudgetUsedUp as used_up:
            info = {"step": stage, "messageId": message_id, **used_up.info()}
        else:
            log.warning("flow %s %s %s: %s: %s; retrying", flow_name, stage, message_id, crash["type"],
                        crash["message"])
            raise retries.retry(task, retries.CRASHES.counter, min(2.0**crashes, 60.0)) from None
    fs = flow_store()
    log.error("flow %s %s %s: giving up: %s", flow_name, stage, message_id, info["message"])
    if give_up is not None:
        give_up(info)
    fs.record_error(flow_name, tracker, info)
    fs.track_finished(flow_name, tracker, member)
    return {"message": message_id, "error": info}


def poll(task, flow_name: str, poll_id: str, tracker: str | None = None) -> dict[str, Any]:
    """One run of the flow's trigger under the flow's lock; every message it emits goes on at once."""
    return guarded(task, flow_name, "poll", poll_id, tracker, f"poll:{poll_id}",
                   lambda: _poll(task, flow_name, poll_id, tracker))


def _poll(task, flow_name: str, poll_id: str, tracker: str | None = None) -> dict[str, Any]:
    from amazon_mws.flows.guards import guard
    from amazon_mws.runtime.emitter import error_info
    from amazon_mws.runtime.errors import ValidationError
    from amazon_mws.runtime.executor import RunResult, run_step
    from amazon_mws.runtime.rebound import Again, GiveUp, decide
    from amazon_mws.runtime.state.loss import StateLost
    from amazon_mws.workers import retries

    fs = flow_store()
    flow = fs.flow(flow_name)
    member = f"poll:{poll_id}"
    if fs.is_done(flow.name, "poll", poll_id):
        fs.track_finished(flow.name, tracker, member)
        return {"poll": poll_id, "skipped": "already done"}
    ttl = lock_ttl_from_env()
    lock = fs.lock(fs.poll_lock_key(flow.name), poll_id, ttl)
    if lock is None:
        holder = fs.holder(fs.poll_lock_key(flow.name))
        if holder == poll_id or tracker:  # a copy of a running poll, or a --once poll behind a scheduled one
            raise retries.spend(task, retries.LOCK_WAITS, max(ttl / 2, 0.1),
                                f"poll {poll_id}: the flow's lock is held by poll {holder}")
        log.info("flow %s: poll %s skipped, poll %s is still running", flow.name, poll_id, holder)
        return {"poll": poll_id, "skipped": f"poll {holder} still running"}
    started = time.time()
    rebounds = retries.used(task, retries.REBOUNDS)
    try:
        # a rebound or crash retry of this poll sent them already (a lock wait never got this far)
        if not rebounds and not retries.used(task, retries.CRASHES.counter):
            send_parked(task.app, fs, flow, tracker)
        trigger = flow.trigger
        dispatcher = Dispatcher(task.app, fs, flow, 0, None, tracker)
        ns = state_store().namespace(namespace_of(flow, 0))
        try:
            guard(state_store(), flow)
        except (ValidationError, StateLost) as exc:  # another seller's flow name, or the state is gone
            result = RunResult(trigger.step, [Event("error", error=error_info(exc)), Event("end")])
        else:
            with log_context(flow=flow.name, step=trigger.id, message=poll_id):
                result = run_step(trigger.step, flow.cfg_for(0), {}, state_namespace=ns,
                                  on_event=dispatcher.on_event, attempt=rebounds)
        decision = decide(result, rebounds)
        if isinstance(decision, Again):
            lock.release()
            lock = None
            raise retries.retry(task, retries.REBOUNDS, decision.delay)
        if isinstance(decision, GiveUp):
            decision.apply(result)
        _record_errors(fs, flow, trigger.id, poll_id, tracker, result.errors)
        fs.set_last_run(flow.name, {
            "poll": poll_id, "startedAt": started, "finishedAt": time.time(),
            "messages": dispatcher.emitted, "ok": result.ok,
            "error": result.errors[0]["message"] if result.errors else None,
        })
        fs.mark_done(flow.name, "poll", poll_id)
        fs.track_finished(flow.name, tracker, member)
        return {"poll": poll_id, "messages": dispatcher.emitted, "errors": result.errors}
    finally:
        if lock is not None:
            lock.release()


def step(task, flow_name: str, stage: int, message: dict[str, Any], tracker: str | None = None) -> dict[str, Any]:
    """One message through one action (or into the sink), at most once per (stage, message id)."""
    message_id = str(message.get("id"))
    return guarded(task, flow_name, f"stage {stage}", message_id, tracker, f"{stage}:{message_id}",
                   lambda: _step(task, flow_name, stage, message, tracker),
                   give_up=lambda info: _park_if_sink(flow_name, stage, message, info))


def _park_if_sink(flow_name: str, stage: int, message: dict[str, Any], info: dict[str, Any]) -> None:
    """A sink task that gave up on an unexpected error parks its message: no order ends with a log line."""
    from amazon_mws.flows.parking import Parking

    if stage >= len(flow_store().flow(flow_name).steps):
        Parking(state_store(), flow_name).park(Message.from_json(message), f"{info['type']}: {info['message']}", 0)
        info["parked"] = True


def _step(task, flow_name: str, stage: int, message: dict[str, Any], tracker: str | None = None) -> dict[str, Any]:
    from amazon_mws.workers import retries

    fs = flow_store()
    flow = fs.flow(flow_name)
    msg = Message.from_json(message)
    member = f"{stage}:{msg.id}"
    if fs.is_done(flow.name, stage, msg.id):
        fs.track_finished(flow.name, tracker, member)
        return {"message": msg.id, "skipped": "duplicate"}
    ttl = lock_ttl_from_env()
    lock = fs.lock(fs.message_lock_key(flow.name, stage, msg.id), task.request.id or uuid.uuid4().hex, ttl)
    if lock is None:  # another copy is running it right now: look again later
        raise retries.spend(task, retries.LOCK_WAITS, max(ttl / 2, 0.1),
                            f"stage {stage} message {msg.id}: another copy holds its lock")
    try:
        if fs.is_done(flow.name, stage, msg.id):  # finished between our check and the lock
            fs.track_finished(flow.name, tracker, member)
            return {"message": msg.id, "skipped": "duplicate"}
        name = "sink" if stage >= len(flow.steps) else flow.steps[stage].id
        with log_context(flow=flow.name, step=name, message=msg.id):
            if stage >= len(flow.steps):
                outcome = _sink(task, fs, flow, msg, tracker)
            else:
                outcome = _action(task, fs, flow, stage, msg, tracker)
        if not outcome.get("parked"):  # a parked message is not done: a copy (or a retry) delivers it
            fs.mark_done(flow.name, stage, msg.id)
        fs.track_finished(flow.name, tracker, member)
        return outcome
    finally:
        lock.release()


def _sink(task, fs: FlowStore, flow: Flow, msg: Message, tracker) -> dict[str, Any]:
    """One delivery attempt; a retry is a task retry with a countdown, at most ``sink.retries`` of them
    (counted by ``Parking``, not by Celery); a message the sink did not take is parked, never dropped."""
    from amazon_mws.flows.parking import Parking
    from amazon_mws.flows.sinks import SinkError, SinkRetry, deliver
    from amazon_mws.workers import retries

    parking = Parking(state_store(), flow.name)
    failed = parking.failed_attempts(msg.id)
    try:
        deliver(flow.sink, flow.name, msg, attempt=failed)
    except SinkRetry as exc:
        if failed < flow.sink.retries:
            log.warning("flow %s: %s; retry %d in %.1f s", flow.name, exc, failed + 1, exc.delay)
            parking.count_failure(msg.id, failed + 1)
            # the budget is ours (above), counted by Parking: Celery's own limit must not end it first
            raise retries.retry(task, None, exc.delay) from None
        gave_up = SinkError(f"{exc}; gave up after {failed} retries", failed + 1)
    except SinkError as exc:
        gave_up = exc
    else:
        parking.delivered(msg.id)  # if it came from the lot
        if failed:
            parking.forget_failures(msg.id)
        return {"message": msg.id, "delivered": True}
    parking.park(msg, str(gave_up), gave_up.attempts)
    error = {"type": "SinkError", "message": str(gave_up), "parked": True}
    _record_errors(fs, flow, "sink", msg.id, tracker, [error])
    return {"message": msg.id, "error": error, "parked": True}


def _action(task, fs: FlowStore, flow: Flow, stage: int, msg: Message, tracker) -> dict[str, Any]:
    from amazon_mws.runtime.batching import shared
    from amazon_mws.runtime.executor import run_step
    from amazon_mws.runtime.rebound import Again, GiveUp, decide
    from amazon_mws.runtime.waits import collecting
    from amazon_mws.workers import retries, waits

    step_ = flow.steps[stage]
    rebounds = retries.used(task, retries.REBOUNDS)
    dispatcher = Dispatcher(task.app, fs, flow, stage, msg, tracker)
    cfg = flow.cfg_for(stage)
    with collecting() as deferred, shared(step_.feed_batch_seconds):
        result = run_step(step_.step, cfg, msg, state_namespace=state_store().namespace(namespace_of(flow, stage)),
                          on_event=dispatcher.on_event, attempt=rebounds)
    decision = decide(result, rebounds)
    if isinstance(decision, Again):
        raise retries.retry(task, retries.REBOUNDS, decision.delay)
    if isinstance(decision, GiveUp):
        decision.apply(result)
    _record_errors(fs, flow, step_.id, msg.id, tracker, result.errors)
    if deferred and result.ok:
        key = waits.schedule(
            task.app, deferred, step_.step,
            continuation={"kind": "flow", "flow": flow.name, "stage": stage, "tracker": tracker,
                          "message": {"id": msg.id, "headers": msg.headers, "passthrough": msg.passthrough},
                          "next": dispatcher.emitted},
            flow=flow.name, stage=stage,
        )
        fs.track_sent(flow.name, tracker, [f"check:{key}"])
    return {"message": msg.id, "emitted": dispatcher.emitted, "deferred": len(deferred), "errors": result.errors}


def after_checks(app, continuation: dict[str, Any], key: str, outputs: list[dict[str, Any]],
                 errors: list[dict[str, str]]) -> None:
    """A flow's feed checks are over: their outputs go on to the next stage as the step's messages."""
    fs = flow_store()
    flow = fs.flow(continuation["flow"])
    stage, tracker = int(continuation["stage"]), continuation.get("tracker")
    incoming = Message.from_json({"body": {}, **continuation["message"]})
    dispatcher = Dispatcher(app, fs, flow, stage, incoming, tracker)
    dispatcher.emitted = int(continuation.get("next") or 0)
    with log_context(flow=flow.name, step=flow.steps[stage].id, message=incoming.id):
        for out in outputs:
            dispatcher.send(Message(body=out))
        _record_errors(fs, flow, flow.steps[stage].id, incoming.id, tracker, errors)
    fs.track_finished(flow.name, tracker, f"check:{key}")
