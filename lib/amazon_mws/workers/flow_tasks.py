"""What the workers do for a flow: one poll task per trigger run, one task per message per step.

Stages: 0 is the trigger, 1..n-1 the actions, n the sink. A message moves on as a task on the next stage,
sent as soon as the step emits it (the trigger's page is in the broker before the trigger records the page
as emitted). Why it is safe to run any task twice, and to kill any worker at any time:

- message ids are stable: the trigger's (``<run id>-order-<id>``...), then ``<incoming id>:<step id>:<n>``
  for the n-th message a step emits, then ``#k`` when a map splits one message into several;
- a step task takes a lock on (stage, message id) and, when it is done, leaves a done-marker. A redelivered
  copy finds the marker and emits nothing; a copy that arrives while the first still runs waits (retries);
- the poll holds the flow's lock, renewed while it runs: a scheduled poll never overlaps the previous one,
  and a killed poll's lock lapses so its redelivered task resumes the trigger from the state store.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from amazon_mws.flows.spec import Flow, apply_map
from amazon_mws.runtime.emitter import Event
from amazon_mws.runtime.jsonlog import log_context
from amazon_mws.runtime.message import Message
from amazon_mws.workers.context import flow_store
from amazon_mws.workers.flow_store import FlowStore, lock_ttl_from_env

log = logging.getLogger("amazon_mws.flows")

POLL_TASK = "amazon_mws.flow.poll"
STEP_TASK = "amazon_mws.flow.step"


def namespace_of(flow: Flow, index: int) -> str:
    """The state store namespace of a flow's step: the trigger's cursor lives here."""
    return f"flow:{flow.name}:{flow.steps[index].id}"


def children(flow: Flow, index: int, emitted: Message, incoming: Message | None, n: int) -> list[Message]:
    """The messages for stage ``index + 1`` made from the ``n``-th message step ``index`` emitted.

    ``passthrough`` follows the convention: the incoming message's passthrough plus, under the emitting
    step's id, the emitted message itself (id, body, headers)."""
    step = flow.steps[index]
    data = emitted.to_json(materialize=True)
    base_id = emitted.id if incoming is None else f"{incoming.id}:{step.id}:{n}"
    passthrough: dict[str, Any] = {}
    if flow.passthrough:
        passthrough = dict(incoming.passthrough) if incoming is not None else {}
        passthrough[step.id] = {"id": base_id, "body": data["body"], "headers": data["headers"]}
    mapping = flow.steps[index + 1].map if index + 1 < len(flow.steps) else None
    bodies = apply_map(mapping, data["body"])
    split = mapping is not None and any(isinstance(v, str) and "[*]" in v for v in mapping.values())
    return [
        Message(
            id=f"{base_id}#{k}" if split else base_id,
            body=body,
            headers=dict(data["headers"]),
            passthrough=dict(passthrough),
        )
        for k, body in enumerate(bodies)
    ]


def send_message(app, fs: FlowStore, flow: Flow, stage: int, msg: Message, tracker: str | None) -> None:
    """One message as a task on ``stage``, counted first for a waiting ``--once``."""
    from amazon_mws.workers.app import actions_queue

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
    from amazon_mws.workers.app import _store

    messages = Parking(_store(), flow.name).messages()
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


MAX_TASK_RETRIES = 5


def guarded(task, flow_name: str, stage: str, message_id: str, tracker: str | None, member: str, work,
            give_up=None):
    """Run ``work()``; an unexpected exception (a broken deploy, Redis blinking) is retried with backoff a
    few times, then recorded as the message's error (and handed to ``give_up``) and counted as finished,
    so ``--once`` ends."""
    from celery.exceptions import Retry

    try:
        return work()
    except Retry:
        raise
    except Exception as exc:
        retries = task.request.retries or 0
        if retries < MAX_TASK_RETRIES:
            log.warning("flow %s %s %s: %s: %s; retrying", flow_name, stage, message_id, type(exc).__name__, exc)
            raise task.retry(countdown=min(2.0**retries, 60.0), max_retries=None) from None
        from amazon_mws.runtime.emitter import error_info

        fs = flow_store()
        info = {"step": stage, "messageId": message_id, **error_info(exc)}
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
    from amazon_mws.runtime.state.loss import StateLost
    from amazon_mws.workers.app import ReboundPolicy, _store

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
            raise task.retry(countdown=max(ttl / 2, 0.1), max_retries=None)
        log.info("flow %s: poll %s skipped, poll %s is still running", flow.name, poll_id, holder)
        return {"poll": poll_id, "skipped": f"poll {holder} still running"}
    started = time.time()
    try:
        if not task.request.retries:  # a rebound or crash retry of this poll sent them already
            send_parked(task.app, fs, flow, tracker)
        trigger = flow.trigger
        dispatcher = Dispatcher(task.app, fs, flow, 0, None, tracker)
        ns = _store().namespace(namespace_of(flow, 0))
        try:
            guard(_store(), flow)
        except (ValidationError, StateLost) as exc:  # another seller's flow name, or the state is gone
            result = RunResult(trigger.step, [Event("error", error=error_info(exc)), Event("end")])
        else:
            with log_context(flow=flow.name, step=trigger.id, message=poll_id):
                result = run_step(trigger.step, flow.cfg_for(0), {}, state_namespace=ns,
                                  on_event=dispatcher.on_event, attempt=task.request.retries or 0)
        policy = ReboundPolicy.from_env()
        if result.rebound is not None and result.ok and (task.request.retries or 0) < policy.max_retries:
            lock.release()
            lock = None
            raise task.retry(countdown=policy.delay(task.request.retries or 0), max_retries=None)
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
    from amazon_mws.workers.app import _store

    if stage >= len(flow_store().flow(flow_name).steps):
        Parking(_store(), flow_name).park(Message.from_json(message), f"{info['type']}: {info['message']}", 0)
        info["parked"] = True


def _step(task, flow_name: str, stage: int, message: dict[str, Any], tracker: str | None = None) -> dict[str, Any]:
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
        raise task.retry(countdown=max(ttl / 2, 0.1), max_retries=None)
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
    from amazon_mws.workers.app import _store

    parking = Parking(_store(), flow.name)
    failed = parking.failed_attempts(msg.id)
    try:
        deliver(flow.sink, flow.name, msg, attempt=failed)
    except SinkRetry as exc:
        if failed < flow.sink.retries:
            log.warning("flow %s: %s; retry %d in %.1f s", flow.name, exc, failed + 1, exc.delay)
            parking.count_failure(msg.id, failed + 1)
            # the budget is ours (above): Celery's own limit (3 by default) must not end it first
            raise task.retry(countdown=exc.delay, max_retries=(task.request.retries or 0) + 1) from None
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
    from amazon_mws.runtime.executor import run_step
    from amazon_mws.workers import feed_checks
    from amazon_mws.workers.app import ReboundPolicy, _store

    step_ = flow.steps[stage]
    retries = task.request.retries or 0
    dispatcher = Dispatcher(task.app, fs, flow, stage, msg, tracker)
    cfg = flow.cfg_for(stage)
    with feed_checks.deferring() as deferred:
        result = run_step(step_.step, cfg, msg, state_namespace=_store().namespace(namespace_of(flow, stage)),
                          on_event=dispatcher.on_event, attempt=retries)
    policy = ReboundPolicy.from_env()
    if result.rebound is not None and result.ok:
        if retries < policy.max_retries:
            raise task.retry(countdown=policy.delay(retries), max_retries=None)
        result.errors.append({"type": "ReboundLimitError",
                              "message": f"{step_.step}: rebounded {retries} times (REBOUND_MAX_RETRIES); giving up"})
    _record_errors(fs, flow, step_.id, msg.id, tracker, result.errors)
    if deferred and result.ok:
        key = feed_checks.schedule(
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
