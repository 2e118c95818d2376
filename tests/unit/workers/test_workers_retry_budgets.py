"""The retry budgets of the workers (workers.retries): their settings and the error a spent one ends with.

How they behave on Celery (a lock wait past Celery's default of 3, a spent budget recorded as the flow's
error) is tested with real workers in tests/e2e/celery/test_rebounds_and_lock_waits.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from amazon_mws.workers.retries import CRASHES, LOCK_WAITS, BudgetUsedUp

LIB = Path(__file__).resolve().parents[3] / "lib"


def test_defaults_and_settings(monkeypatch):
    monkeypatch.delenv("LOCK_WAIT_MAX_RETRIES", raising=False)
    monkeypatch.delenv("TASK_CRASH_RETRIES", raising=False)
    assert (LOCK_WAITS.limit(), CRASHES.limit()) == (240, 5)
    monkeypatch.setenv("LOCK_WAIT_MAX_RETRIES", "1000")
    monkeypatch.setenv("TASK_CRASH_RETRIES", "0")
    assert (LOCK_WAITS.limit(), CRASHES.limit()) == (1000, 0)


@pytest.mark.parametrize(("raw", "message"), [
    ("many", "LOCK_WAIT_MAX_RETRIES: 'many' is not a whole number"),
    ("2.5", "LOCK_WAIT_MAX_RETRIES: '2.5' is not a whole number"),
    ("-1", "LOCK_WAIT_MAX_RETRIES: '-1' is less than the minimum 0"),
])
def test_a_bad_setting_names_the_variable_and_the_rule(monkeypatch, raw, message):
    monkeypatch.setenv("LOCK_WAIT_MAX_RETRIES", raw)
    with pytest.raises(ValueError) as info:
        LOCK_WAITS.limit()
    assert str(info.value) == message


def test_a_spent_budget_says_which_and_how_to_raise_it():
    used_up = BudgetUsedUp(CRASHES, 5, 5, "stage 1 m-1: ConnectionError: Redis went away")
    assert used_up.info() == {
        "type": "TaskCrashLimitError",
        "message": "stage 1 m-1: ConnectionError: Redis went away: gave up after 5 crash retries "
                   "(TASK_CRASH_RETRIES=5; raise TASK_CRASH_RETRIES to retry longer)",
    }


UNLIMITED_LOOKING = re.compile(r"max_retries=None\s*[,)]")


def test_no_task_retry_in_lib_leaves_its_limit_to_celery():
    """``max_retries=None`` is Celery's default of 3, not "no limit": every retry names its number."""
    offenders = [f"{path.relative_to(LIB)}:{n}" for path in LIB.rglob("*.py")
                 for n, line in enumerate(path.read_text().splitlines(), 1) if UNLIMITED_LOOKING.search(line)]
    assert offenders == []
