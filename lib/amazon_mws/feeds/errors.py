"""Errors of the feed layer.

Two kinds matter to callers: bad input (nothing was sent; the message names every field and rule that
failed, so a person can fix the data) and a check that gave up (something *was* sent; the error carries
the submission id so `getFeedSubmissionResult` can finish the job later).
"""

from __future__ import annotations


class FeedInputError(ValueError):
    """The input cannot become a valid feed. Raised before any request reaches Amazon.

    `problems` holds one line per failure, each starting with the input path
    (`messages[3].statusCode: 'Shipped' is not one of ['Success', 'Failure']`).
    """

    def __init__(self, problems: list[str], *, what: str = "feed input"):
        self.problems = list(problems)
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        text = f"invalid {what}, nothing was sent: " + "; ".join(shown)
        if more > 0:
            text += f"; ... and {more} more"
        super().__init__(text)


class FeedCheckTimeout(RuntimeError):
    """The status checks hit their cap (attempts or time) before Amazon finished processing.

    The feed was submitted: keep `submission_id` and call `getFeedSubmissionResult` with it later.
    """

    def __init__(self, submission_id: str, feed_type: str, status: str, attempts: int, elapsed: float,
                 last_error: str | None = None):
        self.submission_id = submission_id
        self.feed_type = feed_type
        self.status = status
        self.attempts = attempts
        self.elapsed = elapsed
        self.last_error = last_error
        failing = f" (the last check failed: {last_error})" if last_error else ""
        super().__init__(
            f"feed submission {submission_id} ({feed_type}) still {status} after {attempts} checks "
            f"in {elapsed:.1f}s{failing}; fetch it later with getFeedSubmissionResult "
            f'{{"submissionId": "{submission_id}"}}'
        )
