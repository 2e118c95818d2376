"""Many messages run at once, so a step may gather them: the runtime half of the feed outbox.

Two ways messages meet. In one process (below: `Gathering`) they are threads of one runner. On Celery
each message is its own task, on any worker: a task that runs a step says, with `shared(window)`, how long
its step may gather with the messages of other tasks (`shared_window()`); the step then keeps its batch in
the shared state store and waits for it through `runtime.waits` (steps/feed_batches.py).

A step is `process(ctx, msg, cfg, snapshot)`: one message. A runner that has many messages for the same
step (the CLI's `run ACTION --message FILE.jsonl`) runs them side by side, each in its own thread inside a
`Gathering`; a step that can do better with several at once (a feed action: one feed for all of them,
steps/feed_outbox.py) reads `current()` and waits up to `window` seconds for its companions. Each message
still has its own run: its own validation, its own events, its own output line.

The runtime knows nothing of feeds: it only says how long a step may gather and when no more messages
will come (so the last batch goes at once instead of waiting out the window).
"""

from __future__ import annotations

import contextlib
import contextvars
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from amazon_mws.runtime.settings import env_number

DEFAULT_WINDOW = 2.0  # seconds, in one process: long enough for a stream's burst, short for a person
MAX_AT_ONCE = 1000  # messages in flight at once (each a waiting thread), so at most this many per batch

_CURRENT: contextvars.ContextVar[Gathering | None] = contextvars.ContextVar("amazon_mws_gathering", default=None)
_SHARED: contextvars.ContextVar[float | None] = contextvars.ContextVar("amazon_mws_shared_window", default=None)


def window_from_env() -> float:
    """`FEED_BATCH_SECONDS` (default 2): how long messages for one feed gather in one process."""
    return env_number("FEED_BATCH_SECONDS", DEFAULT_WINDOW, minimum=0)


@dataclass
class Gathering:
    """What a runner of many messages tells the steps it runs: how long they may gather, and whether any
    message could still join (the input goes on, or a run started but has not reached its step's
    gathering point yet)."""

    window: float
    ended: threading.Event = field(default_factory=threading.Event)  # no more messages will come
    _unsettled: int = 0
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _local: threading.local = field(default_factory=threading.local)

    def _enter(self) -> None:
        with self._changed:
            self._unsettled += 1

    def settle(self) -> None:
        """This thread's run has joined its batch (or ended): nobody needs to wait for it any more."""
        if getattr(self._local, "settled", True):
            return
        self._local.settled = True
        with self._changed:
            self._unsettled -= 1
            self._changed.notify_all()

    def _start_run(self) -> None:
        self._local.settled = False

    def complete(self) -> bool:
        """No message can join any more: the input ended and every run has settled."""
        with self._changed:
            return self.ended.is_set() and self._unsettled == 0

    def wait(self, seconds: float) -> None:
        """Sleep up to `seconds`, less when something changed (a run settled, the input ended)."""
        with self._changed:
            self._changed.wait(max(0.0, seconds))

    def end(self) -> None:
        self.ended.set()
        with self._changed:
            self._changed.notify_all()


@contextlib.contextmanager
def shared(window: float | None = None) -> Iterator[None]:
    """Inside (a worker's task running one step): the step may gather with other tasks' messages for
    `window` seconds (None: `FEED_BATCH_SECONDS`; 0: each message goes at once)."""
    token = _SHARED.set(window_from_env() if window is None else max(0.0, float(window)))
    try:
        yield
    finally:
        _SHARED.reset(token)


def shared_window() -> float:
    """How long this step may gather with other tasks' messages: 0 outside `shared()` (nothing to meet)."""
    return _SHARED.get() or 0.0


def current() -> Gathering | None:
    """The gathering this step runs in, or None (a message on its own)."""
    return _CURRENT.get()


def run_gathered(
    messages: Iterable[Any], run_one: Callable[[Any], Any], *, window: float | None = None,
    at_once: int = MAX_AT_ONCE,
) -> Iterator[Any]:
    """`run_one(message)` for every message, side by side inside one Gathering; results in input order,
    each as soon as it and those before it are done (so a stream's output flows)."""
    gathering = Gathering(window_from_env() if window is None else window)

    def one(message: Any) -> Any:
        token = _CURRENT.set(gathering)
        gathering._start_run()
        try:
            return run_one(message)
        finally:
            gathering.settle()
            _CURRENT.reset(token)

    slots = threading.BoundedSemaphore(at_once)
    started: queue.Queue[Future[Any] | BaseException | None] = queue.Queue()
    pool = ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="gathered")

    def read() -> None:  # its own thread: a stream that pauses must not hold back finished output
        try:
            for message in messages:
                slots.acquire()
                gathering._enter()
                future = pool.submit(one, message)
                future.add_done_callback(lambda _: slots.release())
                started.put(future)
        except BaseException as exc:  # an unreadable line: reported after what came before it
            started.put(exc)
        finally:
            gathering.end()
            started.put(None)

    reader = threading.Thread(target=read, name="gathered-reader", daemon=True)
    reader.start()
    through = False
    try:
        while (item := started.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item.result()
        reader.join()
        through = True
    finally:  # stopped (Ctrl-C, the caller gave up): start nothing more, and do not wait for runs still going
        pool.shutdown(wait=through, cancel_futures=not through)
