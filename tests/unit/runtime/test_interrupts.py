"""Ctrl-C and the deadline wait for the line being written, and nothing a step catches swallows them.

Real signals to this process (SIGINT, SIGALRM); the previous SIGINT handler is put back after each test.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from amazon_mws.runtime import interrupts


@pytest.fixture(autouse=True)
def _handler():
    previous = signal.getsignal(signal.SIGINT)
    interrupts.install()
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_inside_a_shielded_block_is_raised_when_the_block_ends():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts.shielded():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler has run by now, and held the interrupt back
            done.append("the rest of the line")
        done.append("after the block")
    assert done == ["the rest of the line"]


def test_ctrl_c_outside_a_shield_is_raised_at_once():
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)


def test_the_deadline_stops_a_wait_and_an_except_exception_does_not_swallow_it():
    before = signal.getsignal(signal.SIGALRM)
    started = time.monotonic()
    with pytest.raises(interrupts.TimedOut), interrupts.deadline(0.2):
        try:
            time.sleep(5)
        except Exception:  # what a step does around its work
            pytest.fail("TimedOut was caught as an Exception")
    assert time.monotonic() - started < 2
    assert signal.getsignal(signal.SIGALRM) == before  # the handler before is back
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # the timer is off after the block
