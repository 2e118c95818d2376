"""A feed submission as a small state machine: start (SubmitFeed), check (one GetFeedSubmissionList),
finish (GetFeedSubmissionResult).

Why a state machine and not a loop: on Celery each check is its own task scheduled with a countdown, so
no worker sleeps for the minutes Amazon takes; the state is a plain JSON dict that travels between tasks.
In one process `run_to_completion` is the loop with sleeps. Both stop at the same cap (number of checks
and total time) and then raise FeedCheckTimeout carrying the submission id, so getFeedSubmissionResult
can pick the job up later.

`api` is a `core.backend.FeedsBackend` (MWS FeedsApi or SP-API SpFeedsApi, from backends.feeds_api).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amazon_mws.core.backend import FeedsBackend
from amazon_mws.core.errors import NotFound, QuotaExceeded, ServerError, Throttled, TransportError
from amazon_mws.feeds.envelope import FeedDocument
from amazon_mws.feeds.errors import FeedCheckTimeout
from amazon_mws.runtime.progress import announce_feed_check
from amazon_mws.runtime.settings import env_number

log = logging.getLogger(__name__)

DONE = "_DONE_"
CANCELLED = "_CANCELLED_"
FATAL = "_FATAL_"  # SP-API's FATAL (MWS never reports it): finished, and its result document says why
TERMINAL = frozenset({DONE, CANCELLED, FATAL})
# What a later check can get past: the transport already retried these, and Amazon may answer next time.
TRANSIENT = (ServerError, TransportError, Throttled, QuotaExceeded)


@dataclass(frozen=True)
class CheckSettings:
    """How often to ask Amazon and when to give up.

    RESPONSE_CHECK_DELAY is in milliseconds (the reference component's variable, default 30 s). The caps
    default to 240 checks and 2 hours: Amazon documents feeds taking "up to a few hours" when busy, and a
    job that gives up still names its submission id."""

    delay_seconds: float = 30.0
    max_attempts: int = 240
    max_seconds: float = 7200.0

    @classmethod
    def from_env(cls) -> CheckSettings:
        return cls(
            delay_seconds=env_number("RESPONSE_CHECK_DELAY", 30000, minimum=0) / 1000.0,
            max_attempts=int(env_number("FEED_CHECK_MAX_ATTEMPTS", 240, minimum=1)),
            max_seconds=env_number("FEED_CHECK_MAX_SECONDS", 7200, minimum=0),
        )


def _info_status(info: dict[str, Any]) -> str:
    return str(info.get("FeedProcessingStatus") or "_SUBMITTED_")


def new_state(
    submission_id: str, feed_type: str, status: str, settings: CheckSettings, *, now: float | None = None
) -> dict[str, Any]:
    """The JSON state of a job whose feed was submitted (also used to resume by id)."""
    return {
        "feedSubmissionId": str(submission_id),
        "feedType": feed_type,
        "status": status,
        "done": status in TERMINAL,
        "attempts": 0,
        "startedAt": time.time() if now is None else now,
        "delaySeconds": settings.delay_seconds,
        "maxAttempts": settings.max_attempts,
        "maxSeconds": settings.max_seconds,
    }


def start(
    api: FeedsBackend,
    doc: FeedDocument,
    *,
    marketplace_ids: list[str] | None = None,
    settings: CheckSettings | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """SubmitFeed (the only request that changes anything at Amazon) and the job's first state."""
    settings = settings or CheckSettings.from_env()
    info = api.submit_feed(doc.xml, doc.feed_type, marketplace_ids=marketplace_ids)
    state = new_state(
        info["FeedSubmissionId"], info.get("FeedType") or doc.feed_type, _info_status(info), settings, now=now
    )
    state["messages"] = doc.message_count
    log.info(
        "submitted feed %s (%s, %d messages)", state["feedSubmissionId"], doc.feed_type, doc.message_count
    )
    return state


def check(api: FeedsBackend, state: dict[str, Any]) -> dict[str, Any]:
    """One status check. Returns the new state: `done` True when Amazon finished (or cancelled),
    else `delaySeconds` says when to check again. Raises FeedCheckTimeout at the cap.

    A check that fails transiently (a 5xx burst outlasting the transport's retries, a cut connection,
    throttling) is an attempt with the status unknown: the job stays pending and is checked again on
    schedule, within the same caps, so a burst never ends the job and never loses it.

    The time cap counts the waits between checks plus the checks' own (monotonic) durations, never a
    wall clock: checks run on whichever worker is free, and a worker whose clock is hours off must not
    end a job after one check."""
    state = dict(state)
    started = time.monotonic()
    try:
        page = api.get_feed_submission_list(ids=[state["feedSubmissionId"]])
    except TRANSIENT as exc:
        state["lastError"] = f"{type(exc).__name__}: {exc}"
        log.warning("feed %s: check failed (%s); checking again in %.1f s",
                    state["feedSubmissionId"], state["lastError"], state["delaySeconds"])
    else:
        state.pop("lastError", None)
        infos = [
            i for i in page.infos if str(i.get("FeedSubmissionId")) == state["feedSubmissionId"]
        ] or page.infos
        if infos:  # right after SubmitFeed the list may not show the id yet: still pending
            state["status"] = _info_status(infos[0])
            state["feedType"] = infos[0].get("FeedType") or state["feedType"]
            for key in ("SubmittedDate", "StartedProcessingDate", "CompletedProcessingDate"):
                if infos[0].get(key):
                    state[key[0].lower() + key[1:]] = infos[0][key]
    state["attempts"] += 1
    state["checkSeconds"] = float(state.get("checkSeconds") or 0.0) + (time.monotonic() - started)
    state["done"] = state["status"] in TERMINAL
    if not state["done"]:
        elapsed = state["attempts"] * state["delaySeconds"] + state["checkSeconds"]
        if state["attempts"] >= state["maxAttempts"] or elapsed + state["delaySeconds"] > state["maxSeconds"]:
            raise FeedCheckTimeout(
                state["feedSubmissionId"], state["feedType"], state["status"], state["attempts"], elapsed,
                last_error=state.get("lastError"),
            )
    return state


def finish(api: FeedsBackend, state: dict[str, Any]) -> dict[str, Any]:
    """The action's output: the processing report (per-message errors are data) of a finished job."""
    report = None
    if state["status"] in (DONE, FATAL):
        result = api.get_feed_submission_result(state["feedSubmissionId"])
        report = result.report
    return {
        "feedSubmissionId": state["feedSubmissionId"],
        "feedType": state["feedType"],
        "status": state["status"],
        "processingReport": report,
    }


def run_to_completion(
    api: FeedsBackend,
    doc: FeedDocument,
    *,
    marketplace_ids: list[str] | None = None,
    settings: CheckSettings | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """In-process: submit, wait RESPONSE_CHECK_DELAY between checks, fetch the report."""
    state = start(api, doc, marketplace_ids=marketplace_ids, settings=settings, now=clock())
    return wait_and_finish(api, state, sleep=sleep)


def wait_and_finish(
    api: FeedsBackend,
    state: dict[str, Any],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """The in-process wait: check every `delaySeconds` (each long wait announced on stderr) until done."""
    while not state["done"]:
        announce_feed_check(state)
        sleep(state["delaySeconds"])
        state = check(api, state)
    return finish(api, state)


def resume(
    api: FeedsBackend, submission_id: str, *, settings: CheckSettings | None = None, now: float | None = None
) -> dict[str, Any]:
    """A job for a submission made earlier (a capped job, another process): one check at once."""
    settings = settings or CheckSettings.from_env()
    state = new_state(submission_id, "", "_SUBMITTED_", settings, now=now)
    return check(api, state)


def status_of(api: FeedsBackend, submission_id: str) -> dict[str, Any]:
    """getFeedSubmissionStatus's output: one GetFeedSubmissionList, no waiting."""
    page = api.get_feed_submission_list(ids=[submission_id])
    infos = [i for i in page.infos if str(i.get("FeedSubmissionId")) == submission_id]
    if not infos:
        raise NotFound(f"submissionId: no feed submission {submission_id} is known to Amazon for this seller")
    info = infos[0]
    return {
        "feedSubmissionId": submission_id,
        "feedType": info.get("FeedType", ""),
        "status": _info_status(info),
        "submittedDate": info.get("SubmittedDate"),
        "startedProcessingDate": info.get("StartedProcessingDate"),
        "completedProcessingDate": info.get("CompletedProcessingDate"),
    }
