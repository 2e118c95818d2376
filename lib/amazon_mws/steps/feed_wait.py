"""The feed poller: a submitted feed's wait, and one round of its checks (run by the worker's wait tasks).

A feed action run under a worker hands each submitted job to ``runtime.waits`` as a ``Wait`` naming
``POLLER``; the worker stores it and, when the delay is over, calls ``poll`` with the step's cfg and the job
states. One round is what ``feeds.job.wait_and_finish`` does per turn of its loop: one check each, the
report of each job that finished, a ``FeedCheckTimeout`` error entry for a job past its cap (it names the
submission id, so getFeedSubmissionResult can pick it up later).
"""

from __future__ import annotations

from typing import Any

from amazon_mws.backends import feeds_api
from amazon_mws.feeds import job
from amazon_mws.feeds.errors import FeedCheckTimeout
from amazon_mws.runtime.waits import PollRound, Wait

POLLER = "amazon_mws.steps.feed_wait:poll"


def wait_for(state: dict[str, Any]) -> Wait:
    """The wait of a submitted, unfinished job: checked again after its ``delaySeconds``."""
    return Wait(state=state, delay=float(state["delaySeconds"]), poller=POLLER)


def poll(cfg: dict[str, Any], states: list[dict[str, Any]]) -> PollRound:
    """One check of every job: finished ones give their output, the rest wait again."""
    api = feeds_api(cfg)
    result = PollRound()
    for state in states:
        try:
            state = job.check(api, state)
        except FeedCheckTimeout as exc:
            result.errors.append({"type": "FeedCheckTimeout", "message": str(exc)})
            continue
        if state["done"]:
            result.outputs.append(job.finish(api, state))
        else:
            result.pending.append(wait_for(state))
    return result
