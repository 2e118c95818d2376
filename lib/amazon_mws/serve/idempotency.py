"""`Idempotency-Key` on the POST routes: a client that repeats a request (its answer was lost, it timed
out) gets the first answer back, and no second feed goes to Amazon.

Two layers do it. The key names the input of the feed submission (`feeds.intents`): a repeat that arrives
while the first is still submitting, or after it failed half-way, continues that submission rather than
making another. And the first successful answer is kept in the state store under the key (per account and
route), so a repeat afterwards is answered from there without asking Amazon anything. A key reused for a
different request (another body, another `wait`) is refused with 422: that is a client bug, and guessing
which request it meant could send the wrong refund. Failures are not kept: nothing half-done is recorded
as done, and a repeat goes through the intents again.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from amazon_mws.feeds.intents import intent_store
from amazon_mws.serve.errors import HttpError, bad_request
from amazon_mws.serve.http import Request, Response

HEADER = "Idempotency-Key"
MAX_LENGTH = 255


def key_of(request: Request) -> str | None:
    """The request's Idempotency-Key, checked (1-255 visible ASCII characters), or None when absent."""
    raw = request.header(HEADER)
    if raw == "":
        return None
    key = raw.strip()
    if not 1 <= len(key) <= MAX_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise bad_request([f"{HEADER}: must be 1 to {MAX_LENGTH} visible ASCII characters (a UUID, say)"])
    return key


def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    for part in (request.path, json.dumps(request.query, sort_keys=True), request.header("content-type")):
        digest.update(part.encode() + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


class Remembered:
    """The first answer to one (account, route, key), in the runtime's state store."""

    def __init__(self, account: str, request: Request, key: str) -> None:
        self.ns = intent_store().namespace(f"rest-idempotency:{account}")
        self.slot = hashlib.sha256(f"{request.path}\0{key}".encode()).hexdigest()[:32]
        self.fingerprint = _fingerprint(request)
        self.message_id = f"idempotency-key:{request.path}:{key}"  # the feed intents' input id

    def replay(self) -> Response | None:
        """The first answer, when there is one for this very request; 422 for another request's key."""
        seen = self.ns.load().get(self.slot)
        if seen is None:
            return None
        if seen["fingerprint"] != self.fingerprint:
            raise HttpError(422, f"{HEADER}: this key was used for a different request (another body or "
                                 "query); use a new key for a new request. Nothing was sent to Amazon")
        return Response(seen["status"], seen["body"], {"Idempotent-Replayed": "true"})

    def keep(self, response: Response) -> Response:
        if 200 <= response.status < 300:
            first: dict[str, Any] = {"fingerprint": self.fingerprint, "status": response.status,
                                     "body": response.body, "at": time.time()}
            if not self.ns.compare_and_set(self.slot, None, first):  # a concurrent repeat answered first
                return self.replay() or response
        return response
