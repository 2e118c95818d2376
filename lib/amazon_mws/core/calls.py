"""The one call loop: pace, attempt, classify, then wait, retry, refresh or fail, per the error's kind.

Both backends' connections are a `CallLoop` plus their own wire format: MWS signs and parses XML,
SP-API presents a token and parses JSON; each hands `run()` one attempt (a function that sends the
request once and raises an error kind when Amazon or the network says no). Everything a request does
between attempts lives here, once:

- pace: each attempt first takes a token from the limiter for its (account, operation) bucket; in sample
  mode (the designer's one-shot call) the limiter raises Throttled instead of blocking;
- classify: `errors.decide` turns the error into wait / retry / refresh / fail;
- wait: a throttle waits one restore interval of the bucket (and drains ours: Amazon's is empty), a
  quota waits until its reset; more than `max_waits` waits in a row, or one wait longer than
  `max_wait_seconds` (an hourly quota), fails instead;
- retry: backoff per the table, at most `errors.MAX_RETRIES` times;
- refresh: the credential was refused (SP-API's access token): the `refresh` hook drops it and the
  attempt runs once more with a fresh one; a second refusal fails. This happens in sample mode too:
  it is not a retry, the first attempt simply presented a stale token.
Sample mode never waits and never retries.

The counters (`requests_made`, `throttled_replies`, `retries`, `waited_seconds`, `token_refreshes`) are
read by tests, the demo and the benchmarks; `requests_made` is counted by the attempts, which know when a
request really went out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from amazon_mws.core.errors import Action, MwsError, Throttled, decide
from amazon_mws.core.limiter import Limiter, limiter_from_env
from amazon_mws.core.quotas import OPERATION_GROUP, Quota, quota_for, time_scale_from_env

T = TypeVar("T")


class CallLoop:
    """Pacing, the wait and retry rules and their counters, shared by every connection to Amazon."""

    max_waits = 12  # consecutive throttle/quota waits on one request before giving up
    max_wait_seconds = 3600.0  # a single wait longer than this (an hourly quota) fails instead

    def __init__(
        self, *, sample: bool, limiter: Limiter | None, time_scale: float | None, log: logging.Logger
    ) -> None:
        self.sample = sample
        self.log = log  # the backend's logger: its waits and retries are logged under its name
        self.time_scale = time_scale_from_env() if time_scale is None else float(time_scale)
        if self.time_scale <= 0:
            raise ValueError("time_scale: must be greater than 0")
        self.limiter = limiter if limiter is not None else limiter_from_env(self.time_scale)
        self.requests_made = 0
        self.throttled_replies = 0
        self.retries = 0
        self.waited_seconds = 0.0
        self.token_refreshes = 0
        self._sleep: Callable[[float], object] = time.sleep

    def quota(self, operation: str) -> Quota | None:
        """The (scaled) quota `operation` is paced by; None for an operation without a published one."""
        if operation not in OPERATION_GROUP:
            return None
        return quota_for(operation, self.time_scale)

    def run(
        self,
        attempt: Callable[[], T],
        *,
        label: str,
        pace: tuple[str, str] | None = None,
        refresh: Callable[[MwsError], bool] | None = None,
        idempotent: bool = True,
    ) -> T:
        """Run `attempt` until it returns, per the error table. `label` names the call in logs; `pace`
        is the (account, operation) bucket each attempt draws from (None: not paced, e.g. a pre-signed
        document URL); `refresh(error)` drops a refused credential and says whether it did; a call that
        is not `idempotent` (SubmitFeed, createFeed) is never retried after an unknown outcome."""
        retries = waits = 0
        refreshed = False
        while True:
            quota = None
            if pace is not None:
                quota = self.quota(pace[1])
                self.waited_seconds += self.limiter.acquire(*pace, block=not self.sample, quota=quota)
            try:
                return attempt()
            except MwsError as err:
                if isinstance(err, Throttled) and err.http_status is not None:
                    self.throttled_replies += 1
                restore = quota.restore_seconds if quota else 0.0
                decision = decide(err, retries_done=retries, restore_seconds=restore, time_scale=self.time_scale,
                                  idempotent=idempotent)
                if decision.action is Action.WAIT and err.retry_after is None:
                    err.retry_after = decision.delay
                if decision.action is Action.REFRESH:
                    if refreshed or refresh is None or not refresh(err):
                        raise
                    refreshed = True
                    self.token_refreshes += 1
                    continue
                if self.sample or decision.action is Action.FAIL:
                    raise
                if decision.action is Action.WAIT:
                    waits += 1
                    if waits > self.max_waits or decision.delay > self.max_wait_seconds:
                        raise
                    if isinstance(err, Throttled) and pace is not None:
                        self.limiter.drain(*pace, quota=quota)
                else:
                    retries += 1
                    self.retries += 1
                self.log.warning("%s: %s; %s in %.2f s", label, err.code, decision.action.value, decision.delay)
                self._sleep(decision.delay)
                self.waited_seconds += decision.delay
