"""Running a step: `run_step`, and `InProcessExecutor`, whose `submit()` the Celery executor (workers/app.py) mirrors.

``run_step`` is the whole contract in one function: check cfg (every layer, ``step_config``) and the
incoming body, report all their problems in one error, then call the step's ``process`` with a ``ctx``
whose emitter validates outgoing bodies and writes state at once. Bad input never reaches ``process``;
an exception inside it becomes an error event (type and message, secrets masked; the traceback only in
the DEBUG log on stderr). An ``end`` event always closes the run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from amazon_mws.runtime import secrets
from amazon_mws.runtime.emitter import Event, StepContext, error_info
from amazon_mws.runtime.errors import ValidationError
from amazon_mws.runtime.manifest import Manifest, Step, load_manifest
from amazon_mws.runtime.message import Message
from amazon_mws.runtime.state import MemoryNamespace, StateNamespace, StateStore
from amazon_mws.runtime.step_config import check_step_config

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """Everything one run said, in order. Data events keep their Message (LazyList bodies stay lazy)."""

    step: str
    events: list[Event] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    config_refused: bool = False  # the cfg had problems: the step never ran (the CLI's usage error)

    @property
    def data(self) -> list[Message]:
        return [e.message for e in self.events if e.kind == "data" and e.message is not None]

    @property
    def errors(self) -> list[dict[str, str]]:
        return [e.error for e in self.events if e.kind == "error" and e.error is not None]

    @property
    def rebound(self) -> Event | None:
        return next((e for e in self.events if e.kind == "rebound"), None)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (LazyLists materialised): what a Celery task returns."""
        return {
            "step": self.step,
            "state": self.state,
            "events": [e.to_json(materialize=True) for e in self.events],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResult:
        return cls(
            step=data["step"],
            state=data.get("state") or {},
            events=[Event.from_json(e) for e in data.get("events") or []],
        )


def default_namespace(step_name: str, cfg: dict[str, Any]) -> str:
    """A stable namespace for a step run with this cfg (same cfg, same state; a hash, not the secrets)."""
    digest = hashlib.sha256(json.dumps(cfg, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"{step_name}:{digest}"


def _schemas(manifest: Manifest, step: Step, cfg: dict[str, Any]) -> tuple[Any, Any]:
    """The step's in/out schemas: file paths, or dicts from get_meta_model(cfg) for dynamic metadata."""
    if step.dynamic_metadata:
        meta = step.module.get_meta_model(cfg) or {}
        return meta.get("in"), meta.get("out")
    return step.in_schema, step.out_schema


def run_step(
    step_name: str,
    cfg: dict[str, Any],
    message: Message | dict[str, Any] | None = None,
    snapshot: dict[str, Any] | None = None,
    sample: bool = False,
    on_event: Callable[[Event], None] | None = None,
    state_namespace: StateNamespace | None = None,
    *,
    manifest: Manifest | None = None,
    attempt: int = 0,
    keep_data: bool = True,
) -> RunResult:
    """Run one step once, in this process.

    ``snapshot`` given: it becomes the namespace's state before the run; None: the namespace's stored
    state is the snapshot. ``state_namespace`` None: a throw-away in-memory namespace.
    ``keep_data=False``: data events go to ``on_event`` only, not into the result, so a caller that
    handles them as they come (the CLI) holds no more than one message at a time however many a run emits.
    """
    manifest = manifest or load_manifest()
    step = manifest.step(step_name)
    fields = manifest.fields_for(step)
    if isinstance(cfg, dict):
        secrets.register_cfg(cfg, fields)
    result = RunResult(step=step_name)
    ns = state_namespace if state_namespace is not None else MemoryNamespace(f"run:{step_name}")

    if snapshot is not None:  # given: it is the state, whatever the store held
        ns.replace(snapshot)

    def sink(event: Event) -> None:
        if keep_data or event.kind != "data":
            result.events.append(event)
        if on_event is not None:
            on_event(event)

    def fail(exc: BaseException | str) -> RunResult:
        sink(Event("error", error=error_info(exc)))
        sink(Event("end"))
        result.state = ns.load()
        return result

    cfg, problems = check_step_config(manifest, step, cfg)
    result.config_refused = bool(problems)
    try:
        msg = message if isinstance(message, Message) else Message.from_json(message or {})
    except TypeError as exc:  # not a message at all: nothing to hold against the schema
        return fail(ValidationError([*problems, str(exc)]))
    try:
        in_schema, out_schema = _schemas(manifest, step, cfg)
        manifest.schemas.validate(in_schema, msg.body, "body")
    except ValidationError as exc:
        problems += exc.errors
    except Exception as exc:  # get_meta_model failed: a bad cfg says why; else it is the error
        if not problems:
            log.debug("step %s: metadata failed", step_name, exc_info=True)
            return fail(exc)
    if problems:
        log.info("step %s: input refused: %s", step_name, "; ".join(problems))
        return fail(ValidationError(problems))

    snapshot = ns.load()

    def validate_out(body: dict[str, Any]) -> None:
        manifest.schemas.validate(out_schema, body, "body")

    def check_out_items(field: str, items: list[Any], first: int) -> object | None:
        return manifest.schemas.check_items(out_schema, field, items, first, "body")

    ctx = StepContext(
        sink,
        ns,
        validate_out if out_schema is not None else None,
        step_name=step_name,
        cfg=cfg,
        sample=sample,
        attempt=attempt,
        check_items=check_out_items,
    )
    try:
        step.process(ctx, msg, cfg, snapshot)
    except Exception as exc:
        ctx.logger.debug("process raised", exc_info=True)
        if not ctx.ended:
            ctx.error(exc)
    ctx.end()
    result.state = ns.load()
    return result


class RunHandle(Protocol):
    def result(self, timeout: float | None = None) -> RunResult: ...


@dataclass
class _Done:
    value: RunResult

    def result(self, timeout: float | None = None) -> RunResult:
        return self.value


class InProcessExecutor:
    """Runs at once in this process; state in ``store`` (default: the one ``state_store_from_env`` picks)."""

    def __init__(self, store: StateStore | None = None, manifest: Manifest | None = None):
        if store is None:
            from amazon_mws.runtime.state import state_store_from_env

            store = state_store_from_env()
        self.store = store
        self.manifest = manifest

    def submit(
        self,
        step_name: str,
        cfg: dict[str, Any],
        message: Message | dict[str, Any],
        *,
        namespace: str | None = None,
        sample: bool = False,
    ) -> RunHandle:
        ns = self.store.namespace(namespace or default_namespace(step_name, cfg))
        return _Done(run_step(step_name, cfg, message, sample=sample, state_namespace=ns, manifest=self.manifest))
