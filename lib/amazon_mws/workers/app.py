"""The Celery executor: a task per message on workers over Redis.

Delivery settings are chosen so a killed worker loses nothing: ``acks_late`` (a message is acknowledged
after the task ran), ``reject_on_worker_lost`` (a task whose worker died goes back to the queue),
``worker_prefetch_multiplier=1`` (a worker holds one message at a time, not a batch that dies with it), and
a Redis ``visibility_timeout`` longer than any countdown we use (or Redis would hand a delayed task to a
second worker while the first still waits on it).

``rebound`` becomes a Celery retry of the same message as ``runtime.rebound`` decides (a doubling
countdown, at most ``REBOUND_MAX_RETRIES`` times, then a ``ReboundLimitError`` error event), counted by the
task's ``rebounds`` keyword, not by Celery's retry count (``workers.retries``).
State lives in the Redis state store, in the namespace the submitter names (default: step + cfg hash).

Queues (``AMAZON_MWS_QUEUE``, default ``amazon-mws``, is the base name): ``<base>`` for actions and single
step runs, ``<base>.poll`` for trigger polls, ``<base>.feed-checks`` for feed re-checks, so a slow poll of
one seller never holds up actions, and feed checks (short, frequent) never wait behind either. A worker
takes all three unless ``--queues`` says otherwise. A feed action run here submits and schedules its
checks as a wait (``amazon_mws.workers.waits``); its caller's result arrives when the checks are over.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from typing import Any

from celery import Celery, signals
from celery.exceptions import Ignore

from amazon_mws.runtime.sealing import seal_fields, unseal_fields
from amazon_mws.runtime.secrets import REDACTOR, RedactingStream
from amazon_mws.workers.context import state_store as _store
from amazon_mws.workers.queues import (  # noqa: F401 (the queue names, also known by this module's name)
    DEFAULT_QUEUE,
    actions_queue,
    all_queues,
    base_queue,
    feed_checks_queue,
    poll_queue,
)

TASK_NAME = "amazon_mws.run_step"
DEFAULT_VISIBILITY_TIMEOUT = 3600  # seconds; > REBOUND_MAX_DELAY and any feed re-check countdown
FLOW_POLL_TASK = "amazon_mws.flow.poll"
FLOW_STEP_TASK = "amazon_mws.flow.step"
FEED_CHECK_TASK = "amazon_mws.feed_check"
FEED_CHECK_SWEEP_TASK = "amazon_mws.feed_check_sweep"


def _mask_args(step_name: str) -> tuple[str, str]:
    """What Celery logs and shows for a task's arguments: never the cfg (it holds secrets)."""
    return f"({step_name!r}, <cfg>, <message>)", "{...}"


def run_step_task(
    self,
    step_name: str,
    cfg: dict[str, Any],
    message: dict[str, Any],
    namespace: str | None = None,
    sample: bool = False,
    rebounds: int = 0,
) -> dict[str, Any]:
    """One step run on a worker; returns the RunResult as JSON (data bodies materialised). The cfg's secrets
    arrive sealed (``CeleryExecutor.submit``) and are opened here, in the process that uses them.
    ``rebounds``: how many times this message rebounded before (``runtime.rebound``; the step's ctx.attempt)."""
    from amazon_mws.runtime.executor import default_namespace, run_step
    from amazon_mws.runtime.rebound import Again, GiveUp, decide
    from amazon_mws.workers import retries

    cfg = unseal_fields(cfg)
    ns = _store().namespace(namespace or default_namespace(step_name, cfg))
    from amazon_mws.runtime.batching import shared
    from amazon_mws.runtime.jsonlog import log_context
    from amazon_mws.runtime.waits import collecting
    from amazon_mws.workers import waits

    # A step's print() goes to the worker's stdout: masked like its logs.
    with (
        contextlib.redirect_stdout(RedactingStream(sys.__stdout__ or sys.stdout)),
        collecting() as deferred,
        shared(),  # feed actions gather with other tasks' messages for FEED_BATCH_SECONDS
        log_context(step=step_name, task=self.request.id),
    ):
        result = run_step(step_name, cfg, message, sample=sample, state_namespace=ns, attempt=rebounds)
    if deferred and result.ok and self.request.id:
        # The caller's result is written by the last feed check (same task id); nothing to store now.
        events = [e.to_json(materialize=True) for e in result.events if e.kind != "end"]
        waits.schedule(
            self.app, deferred, step_name, cfg=cfg,
            continuation={"kind": "result", "taskId": self.request.id, "events": events, "state": result.state},
        )
        raise Ignore()
    decision = decide(result, rebounds)
    if isinstance(decision, Again):
        argsrepr, kwargsrepr = _mask_args(step_name)
        raise retries.retry(self, retries.REBOUNDS, decision.delay, argsrepr=argsrepr, kwargsrepr=kwargsrepr)
    if isinstance(decision, GiveUp):
        decision.apply(result)
    return result.to_json()


def make_app(redis_url: str | None = None) -> Celery:
    """A Celery app on ``redis_url`` (default ``REDIS_URL``) with the runtime's task registered."""
    url = redis_url or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    visibility = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", DEFAULT_VISIBILITY_TIMEOUT))
    app = Celery("amazon_mws", broker=url, backend=url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # A message whose worker died unacked comes back after the visibility timeout, found by a sweep
        # every interval x throttle seconds (kombu's defaults: 10 x 10); tests shorten both.
        broker_transport_options={
            "visibility_timeout": visibility,
            "unacked_restore_interval": int(os.environ.get("CELERY_RESTORE_INTERVAL", 10)),
            "unacked_restore_throttle": int(os.environ.get("CELERY_RESTORE_THROTTLE", 10)),
        },
        result_backend_transport_options={"visibility_timeout": visibility},
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=24 * 3600,
        task_default_queue=DEFAULT_QUEUE,
        broker_connection_retry_on_startup=True,
        worker_redirect_stdouts=False,
        # Flower shows tasks only when workers send events (CELERY_TASK_EVENTS=1; docker-compose sets it).
        worker_send_task_events=os.environ.get("CELERY_TASK_EVENTS") == "1",
        task_send_sent_event=os.environ.get("CELERY_TASK_EVENTS") == "1",
    )
    if url.startswith("redis"):
        from amazon_mws.runtime.state.redis import DEFAULT_PREFIX

        prefix = os.environ.get("AMAZON_MWS_STATE_PREFIX") or DEFAULT_PREFIX
        app.conf.update(
            redbeat_redis_url=url,
            redbeat_key_prefix=f"{prefix}redbeat:",
            redbeat_lock_timeout=int(os.environ.get("BEAT_LOCK_TIMEOUT", 25)),
            beat_max_loop_interval=5,
        )
    hygiene = {"bind": True, "acks_late": True, "reject_on_worker_lost": True}
    app.task(name=TASK_NAME, **hygiene)(run_step_task)
    app.task(name=FLOW_POLL_TASK, **hygiene)(_flow_poll)
    app.task(name=FLOW_STEP_TASK, **hygiene)(_flow_step)
    app.task(name=FEED_CHECK_TASK, **hygiene)(_feed_check)
    app.task(name=FEED_CHECK_SWEEP_TASK, **hygiene)(_feed_check_sweep)
    return app


def _flow_poll(self, flow_name: str, poll_id: str | None = None, tracker: str | None = None,
               **counters: int) -> dict[str, Any]:
    """A trigger run of a registered flow (beat sends it without a poll id: one is made here).
    ``counters``: its retry counts (``workers.retries``), read there from the request."""
    import uuid

    from amazon_mws.workers.flow_tasks import poll

    return poll(self, flow_name, poll_id or f"beat-{self.request.id or uuid.uuid4().hex}", tracker)


def _flow_step(self, flow_name: str, stage: int, message: dict[str, Any], tracker: str | None = None,
               **counters: int):
    """One message at one stage of a flow; ``counters`` as for ``_flow_poll``."""
    from amazon_mws.workers.flow_tasks import step

    return step(self, flow_name, stage, message, tracker)


def _feed_check(self, key: str, check_id: str, lock_waits: int = 0, crashes: int = 0) -> dict[str, Any]:
    """``lock_waits``, ``crashes``: the retries' own counters (workers/retries.py reads them from the request)."""
    from amazon_mws.workers.flow_tasks import after_checks
    from amazon_mws.workers.waits import check

    return check(self, key, check_id, after_flow=after_checks)


def _feed_check_sweep(self) -> int:
    from amazon_mws.workers.waits import sweep

    return sweep(self.app)


app = make_app()


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _mask_secrets_in_celery_logs(logger=None, **_: Any) -> None:
    from amazon_mws.runtime.secrets import SecretsFilter

    for handler in getattr(logger, "handlers", []):
        if not any(isinstance(f, SecretsFilter) for f in handler.filters):
            handler.addFilter(SecretsFilter())
    from amazon_mws.runtime import jsonlog

    if logger is not None and jsonlog.json_logs_wanted():
        jsonlog.install(logger)


@signals.worker_init.connect
def _learn_secret_field_names(**_: Any) -> None:
    """The worker's main process logs task arguments at DEBUG before any step runs: teach its redactor
    the component's secret field names (password views) so values after them are masked too."""
    from amazon_mws.runtime.manifest import load_manifest

    try:
        manifest = load_manifest()
    except Exception as exc:  # the task will report the broken manifest; the worker still starts
        print(f"amazon-mws worker: component not loaded: {exc}", file=sys.stderr)
        return
    REDACTOR.add_names(manifest.secret_names)


@dataclass
class CeleryHandle:
    async_result: Any

    def result(self, timeout: float | None = None):
        from amazon_mws.runtime.executor import RunResult

        return RunResult.from_json(self.async_result.get(timeout=timeout))

    @property
    def id(self) -> str:
        return self.async_result.id


class CeleryExecutor:
    """Submits step runs as Celery tasks (the same interface as ``InProcessExecutor``)."""

    def __init__(self, celery: Celery | None = None, queue: str | None = None):
        self.app = celery or app
        self.queue = queue or actions_queue()

    def submit(
        self,
        step_name: str,
        cfg: dict[str, Any],
        message,
        *,
        namespace: str | None = None,
        sample: bool = False,
    ) -> CeleryHandle:
        from amazon_mws.runtime.executor import default_namespace
        from amazon_mws.runtime.manifest import load_manifest
        from amazon_mws.runtime.message import Message

        msg = message if isinstance(message, Message) else Message.from_json(message or {})
        argsrepr, kwargsrepr = _mask_args(step_name)
        async_result = self.app.send_task(
            TASK_NAME,
            # the broker and the result backend are Redis: the cfg's secrets travel sealed
            args=[step_name, seal_fields(cfg, load_manifest().secret_names), msg.to_json(materialize=True)],
            kwargs={"namespace": namespace or default_namespace(step_name, cfg), "sample": sample},
            queue=self.queue,
            argsrepr=argsrepr,
            kwargsrepr=kwargsrepr,
        )
        return CeleryHandle(async_result)


def worker(args) -> int:
    """``amazon-mws worker [--concurrency N] [--queues a,b] [--loglevel L]`` (needs REDIS_URL)."""
    if not os.environ.get("REDIS_URL"):
        print(
            "amazon-mws worker: REDIS_URL is not set; the worker needs Redis as broker and state "
            "store (e.g. REDIS_URL=redis://127.0.0.1:6379/0)",
            file=sys.stderr,
        )
        return 2
    loglevel = args.loglevel or os.environ.get("LOG_LEVEL") or "INFO"
    argv = ["worker", f"--loglevel={loglevel}"]
    if args.concurrency:
        argv += ["--concurrency", str(args.concurrency)]
    if getattr(args, "log_format", None):
        os.environ["LOG_FORMAT"] = args.log_format
    argv += ["--queues", args.queues or ",".join(all_queues())]
    if getattr(args, "hostname", None):
        argv += ["--hostname", args.hostname]
    app.worker_main(argv)
    return 0
