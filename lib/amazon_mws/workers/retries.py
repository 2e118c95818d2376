"""Celery retries with a budget each, counted by us: rebounds, lock waits, crash retries.

Celery keeps one retry count per task (``request.retries``) and, unless ``max_retries=`` is a number, stops
at the task's default of 3 (``max_retries=None`` means that default, not "no limit"). One shared count
would let a few lock waits eat a step's rebounds, and the default would end a long lock wait after 3 looks.
So each reason to retry has its own count, carried as a keyword of the task (``rebounds``, ``lock_waits``,
``crashes``) and raised by one on its own retries only; Celery's limit is always set one above its own
count, so it never decides anything. The budgets:

- rebounds: ``REBOUND_MAX_RETRIES`` (``runtime.rebound``, which also decides them);
- lock waits, a task looking again at a lock another copy holds: ``LOCK_WAIT_MAX_RETRIES`` (240);
- crash retries, an unexpected exception (a broken deploy, Redis blinking): ``TASK_CRASH_RETRIES`` (5).

A budget used up ends the work with an error that names the budget and the setting that raises it
(``BudgetUsedUp.info``), recorded where ``amazon-mws status`` and ``flow run --once`` show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celery.exceptions import Retry

from amazon_mws.runtime.settings import env_count

REBOUNDS = "rebounds"


@dataclass(frozen=True)
class Budget:
    """One reason to retry: what it is called, its task keyword, and the variable that sets its limit."""

    what: str
    counter: str
    env: str
    default: int
    error_type: str

    def limit(self) -> int:
        return env_count(self.env, self.default)


LOCK_WAITS = Budget("lock waits", "lock_waits", "LOCK_WAIT_MAX_RETRIES", 240, "LockWaitLimitError")
CRASHES = Budget("crash retries", "crashes", "TASK_CRASH_RETRIES", 5, "TaskCrashLimitError")


class BudgetUsedUp(Exception):
    """A budget is spent: the work ends with ``info()`` as its error (never a silent stop)."""

    def __init__(self, budget: Budget, used: int, limit: int, why: str):
        self.budget, self.used, self.limit, self.why = budget, used, limit, why
        super().__init__(
            f"{why}: gave up after {used} {budget.what} ({budget.env}={limit}; raise {budget.env} to retry longer)"
        )

    def info(self) -> dict[str, str]:
        return {"type": self.budget.error_type, "message": str(self)}


def used(task: Any, counter: str) -> int:
    """How many retries of this kind the task has had (its keyword; 0 on the first run)."""
    return int((task.request.kwargs or {}).get(counter) or 0)


def retry(task: Any, counter: str | None, countdown: float, **options: Any) -> Retry:
    """The retry to raise: the same task after ``countdown`` s, with ``counter`` one higher (None: no
    counter of ours, the caller counts elsewhere). Celery's own limit is set above its count: never hit."""
    kwargs = dict(task.request.kwargs or {})
    if counter is not None:
        kwargs[counter] = used(task, counter) + 1
    return task.retry(kwargs=kwargs, countdown=countdown, max_retries=(task.request.retries or 0) + 1, **options)


def check(task: Any, budget: Budget, why: str) -> int:
    """How many of ``budget`` the task used, if one more is left; else BudgetUsedUp, naming ``why``."""
    done, limit = used(task, budget.counter), budget.limit()
    if done >= limit:
        raise BudgetUsedUp(budget, done, limit, why)
    return done


def spend(task: Any, budget: Budget, countdown: float, why: str, **options: Any) -> Retry:
    """The retry to raise for one more of ``budget``; BudgetUsedUp (naming ``why``) when it is spent."""
    check(task, budget, why)
    return retry(task, budget.counter, countdown, **options)
