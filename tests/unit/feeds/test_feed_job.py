"""The submit/check/finish state machine: spacing of checks, the cap, terminal states, JSON state.

Amazon is replaced here by a scripted stand-in because these tests are about timing decisions (the
integration tests run the same code against the sandbox over HTTP). Time is injected, never slept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from feed_samples import AMAZON, MERCHANT, VALID
from jsonschema import Draft3Validator

from amazon_mws.core.errors import AccessDenied, ServerError
from amazon_mws.core.reports import parse_processing_report
from amazon_mws.feeds import job
from amazon_mws.feeds.build import build_feed
from amazon_mws.feeds.errors import FeedCheckTimeout
from amazon_mws.feeds.inputs import load_schema


@dataclass
class Page:
    infos: list


@dataclass
class Result:
    raw: bytes
    report: dict


class ScriptedFeeds:
    """Statuses in order, one per GetFeedSubmissionList; a real captured report as the result."""

    def __init__(
        self, statuses, report_file="GetFeedSubmissionResult.ProcessingReport.success.spree-2013.xml"
    ):
        self.statuses = list(statuses)
        self.calls = []
        self.raw = (AMAZON / "mws" / "samples" / report_file).read_bytes()

    def submit_feed(self, feed, feed_type, *, marketplace_ids=None):
        self.calls.append(("SubmitFeed", feed_type))
        return {"FeedSubmissionId": "50001", "FeedType": feed_type, "FeedProcessingStatus": "_SUBMITTED_"}

    def get_feed_submission_list(self, ids=None):
        self.calls.append(("GetFeedSubmissionList", tuple(ids)))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if isinstance(status, Exception):  # Amazon failing this check (after the transport's retries)
            raise status
        return Page([{"FeedSubmissionId": ids[0], "FeedType": "_T_", "FeedProcessingStatus": status}])

    def get_feed_submission_result(self, submission_id):
        self.calls.append(("GetFeedSubmissionResult", submission_id))
        return Result(self.raw, parse_processing_report(self.raw))


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


@pytest.fixture
def doc():
    return build_feed("updateItem", VALID["updateItem"], MERCHANT)[0]


def test_checks_are_spaced_by_response_check_delay(monkeypatch, doc):
    monkeypatch.setenv("RESPONSE_CHECK_DELAY", "1500")
    api, clock = ScriptedFeeds(["_SUBMITTED_", "_IN_PROGRESS_", "_DONE_"]), FakeClock()
    out = job.run_to_completion(api, doc, sleep=clock.sleep, clock=clock)
    assert clock.sleeps == [1.5, 1.5, 1.5]
    assert [c[0] for c in api.calls] == ["SubmitFeed"] + ["GetFeedSubmissionList"] * 3 + [
        "GetFeedSubmissionResult"
    ]
    assert out["feedSubmissionId"] == "50001" and out["status"] == "_DONE_"
    assert out["processingReport"]["messagesSuccessful"] == out["processingReport"]["messagesProcessed"]
    assert not list(Draft3Validator(load_schema("feedResult.out")).iter_errors(out))


def test_per_message_errors_in_the_report_are_data(doc, monkeypatch):
    monkeypatch.setenv("RESPONSE_CHECK_DELAY", "0")
    api = ScriptedFeeds(["_DONE_"], "GetFeedSubmissionResult.ProcessingReport.error-18021.spree-2013.xml")
    out = job.run_to_completion(api, doc, sleep=lambda s: None)
    report = out["processingReport"]
    assert report["messagesWithError"] == 1
    assert (
        report["results"][0]["resultCode"] == "Error" and report["results"][0]["resultMessageCode"] == 18021
    )
    assert report["results"][0]["additionalInfo"] == {"AmazonOrderID": "103-6652650-4045858"}
    assert not list(Draft3Validator(load_schema("feedResult.out")).iter_errors(out))


def test_cap_on_attempts_carries_the_submission_id(monkeypatch, doc):
    monkeypatch.setenv("RESPONSE_CHECK_DELAY", "10")
    monkeypatch.setenv("FEED_CHECK_MAX_ATTEMPTS", "4")
    api, clock = ScriptedFeeds(["_IN_PROGRESS_"]), FakeClock()
    with pytest.raises(FeedCheckTimeout) as info:
        job.run_to_completion(api, doc, sleep=clock.sleep, clock=clock)
    assert info.value.submission_id == "50001" and info.value.attempts == 4
    assert '"submissionId": "50001"' in str(info.value)
    assert sum(1 for c in api.calls if c[0] == "GetFeedSubmissionList") == 4
    assert not any(c[0] == "GetFeedSubmissionResult" for c in api.calls)


def test_cap_on_total_time(monkeypatch, doc):
    monkeypatch.setenv("RESPONSE_CHECK_DELAY", "30000")
    monkeypatch.setenv("FEED_CHECK_MAX_SECONDS", "100")
    api, clock = ScriptedFeeds(["_SUBMITTED_"]), FakeClock()
    with pytest.raises(FeedCheckTimeout) as info:
        job.run_to_completion(api, doc, sleep=clock.sleep, clock=clock)
    assert info.value.attempts == 3  # at 30, 60, 90 s; a fourth would end past 100 s
    assert clock.now - 1000.0 == 90.0


def test_state_machine_one_check_per_call_with_json_state(monkeypatch, doc):
    """What a Celery task does: start, then one check per task with the returned delay, then finish."""
    settings = job.CheckSettings(delay_seconds=2.0, max_attempts=10, max_seconds=60)
    api = ScriptedFeeds(["_IN_PROGRESS_", "_DONE_"])
    state = job.start(api, doc, settings=settings, now=0.0)
    assert state["done"] is False and state["delaySeconds"] == 2.0 and state["messages"] == 2
    state = json.loads(json.dumps(job.check(api, json.loads(json.dumps(state)))))
    assert state["done"] is False and state["attempts"] == 1 and state["status"] == "_IN_PROGRESS_"
    state = job.check(api, state)
    assert state["done"] is True
    assert job.finish(api, state)["processingReport"]["statusCode"] == "Complete"


def test_cancelled_feed_has_no_report(doc):
    api = ScriptedFeeds(["_CANCELLED_"])
    out = job.wait_and_finish(api, job.resume(api, "50001", now=0.0), sleep=lambda s: None)
    assert out == {
        "feedSubmissionId": "50001",
        "feedType": "_T_",
        "status": "_CANCELLED_",
        "processingReport": None,
    }
    assert not any(c[0] == "GetFeedSubmissionResult" for c in api.calls)


@pytest.mark.parametrize(
    "name,value,rule",
    [
        ("RESPONSE_CHECK_DELAY", "soon", "is not a number"),
        ("FEED_CHECK_MAX_ATTEMPTS", "0", "less than the minimum"),
        ("FEED_CHECK_MAX_SECONDS", "-5", "less than the minimum"),
    ],
)
def test_bad_settings_name_the_variable(monkeypatch, name, value, rule):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=f"{name}: .*{rule}"):
        job.CheckSettings.from_env()


def test_defaults(monkeypatch):
    for name in ("RESPONSE_CHECK_DELAY", "FEED_CHECK_MAX_ATTEMPTS", "FEED_CHECK_MAX_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    assert job.CheckSettings.from_env() == job.CheckSettings(30.0, 240, 7200.0)


def _server_error():
    return ServerError("We encountered an internal error. Please try again.", code="InternalError", http_status=500)


def test_a_burst_of_server_errors_is_checked_again_on_schedule_and_the_job_finishes(monkeypatch, doc):
    monkeypatch.setenv("RESPONSE_CHECK_DELAY", "1000")
    api, clock = ScriptedFeeds([_server_error()] * 5 + ["_IN_PROGRESS_", "_DONE_"]), FakeClock()
    out = job.run_to_completion(api, doc, sleep=clock.sleep, clock=clock)
    assert out["status"] == "_DONE_" and out["processingReport"]["statusCode"] == "Complete"
    assert clock.sleeps == [1.0] * 7  # each failed check is one attempt on the usual schedule


def test_a_check_that_keeps_failing_ends_at_the_cap_naming_the_submission_and_the_last_error(monkeypatch, doc):
    monkeypatch.setenv("RESPONSE_CHECK_DELAY", "10")
    monkeypatch.setenv("FEED_CHECK_MAX_ATTEMPTS", "3")
    api, clock = ScriptedFeeds([_server_error()]), FakeClock()
    with pytest.raises(FeedCheckTimeout) as info:
        job.run_to_completion(api, doc, sleep=clock.sleep, clock=clock)
    assert info.value.submission_id == "50001" and info.value.attempts == 3
    assert (info.value.last_error or "").startswith("ServerError: ")
    assert "the last check failed: ServerError" in str(info.value) and '"submissionId": "50001"' in str(info.value)


def test_a_refusal_that_no_later_check_can_fix_is_not_retried(doc):
    api = ScriptedFeeds([AccessDenied("Access denied", code="AccessDenied", http_status=401)])
    state = job.start(api, doc, settings=job.CheckSettings(delay_seconds=1, max_attempts=10, max_seconds=60))
    with pytest.raises(AccessDenied):
        job.check(api, state)


def test_a_worker_clock_hours_off_does_not_end_the_job_after_one_check(doc):
    """The job was started by a worker whose clock was 3 h behind the one checking it (or the checker's is
    3 h ahead): the 2 h cap counts waits and check durations, not clock differences."""
    settings = job.CheckSettings(delay_seconds=30, max_attempts=240, max_seconds=7200)
    api = ScriptedFeeds(["_IN_PROGRESS_", "_DONE_"])
    state = job.start(api, doc, settings=settings)
    state["startedAt"] -= 3 * 3600
    state = job.check(api, state)
    assert state["done"] is False and state["attempts"] == 1
    state = job.check(api, state)
    assert state["done"] is True and job.finish(api, state)["status"] == "_DONE_"
