"""Ctrl-C and ``--timeout`` in one process: stop where it is safe, never halfway through a line of stdout.

Python's own SIGINT handling raises KeyboardInterrupt wherever the main thread is, also halfway through
writing a JSON line (a trigger's `all` message streams 100,000 orders into one line), and a reader of
stdout then finds a broken last line. Everything else a command keeps is already safe to stop anywhere:
the state store writes in transactions, a trigger keeps its pages and its cursor there, a flow keeps its
messages in flight there (``flows.parking.InFlight``), a feed's intent is written before it is sent. So
the one thing held back is the line being written: ``shielded()`` around it, and an interrupt (or the
deadline) that comes meanwhile is raised as soon as the line is out.

The deadline (``deadline(seconds)``) is SIGALRM raising ``TimedOut`` by the same rule; ``TimedOut`` is a
BaseException, like KeyboardInterrupt, so a step's ``except Exception`` does not swallow it. Both only act
in the main thread, where signal handlers run; a shield in another thread is a no-op.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

INTERRUPTED = 130  # the shell's status for a process ended by SIGINT (128 + 2)


class TimedOut(BaseException):
    """The deadline of ``deadline()`` passed; raised at the next safe point of the main thread."""


_depth = 0
_pending: BaseException | None = None


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _raise_when_safe(exc: BaseException) -> None:
    global _pending
    if _depth:
        _pending = _pending or exc
        return
    raise exc


def _on_sigint(signum: int, frame: object) -> None:
    _raise_when_safe(KeyboardInterrupt())


def _on_alarm(signum: int, frame: object) -> None:
    _raise_when_safe(TimedOut())


def install() -> None:
    """Ctrl-C raises KeyboardInterrupt, but never inside ``shielded()`` (only from the main thread)."""
    if _main_thread():
        signal.signal(signal.SIGINT, _on_sigint)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Hold back Ctrl-C and the deadline until the block ends (writing one line of stdout)."""
    global _depth, _pending
    if not _main_thread():
        yield
        return
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _pending is not None:
            exc, _pending = _pending, None
            raise exc


def after_interrupt(message: str) -> int:
    """Say ``message`` on stderr and return status 130. A second Ctrl-C changes nothing any more (no
    traceback from the way out); and if other threads still run (a JSON-lines run's messages waiting for
    their feeds' reports) the process ends here rather than wait minutes for them at exit. Stopping them
    so is stopping a crashed process: their intents and sealed batches are in the store, and the same
    command continues them (``feeds.intents``)."""
    if _main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    print(message, file=sys.stderr, flush=True)
    # daemon or not: an executor's threads are joined at exit either way (and inherit daemon from their creator)
    if any(t.is_alive() for t in threading.enumerate() if t is not threading.current_thread()):
        sys.stdout.flush()
        os._exit(INTERRUPTED)
    return INTERRUPTED


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """``TimedOut`` in the main thread once ``seconds`` have passed (None: no deadline)."""
    if seconds is None or not _main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
