"""Each error kind carries its action and failure type; `decide` follows the kind, whichever backend raised it."""

from __future__ import annotations

import pytest

from amazon_mws.core.errors import (
    AccessDenied,
    Action,
    CredentialsRejected,
    Failure,
    InvalidParameter,
    MwsError,
    NotReady,
    PagingLoop,
    QuotaExceeded,
    ServerError,
    SignatureMismatch,
    Throttled,
    TransportError,
    decide,
)
from amazon_mws.spapi.errors import LwaError, NotFound, TokenRejected

KINDS = [
    (Throttled, Action.WAIT, Failure.TRANSIENT),
    (QuotaExceeded, Action.WAIT, Failure.TRANSIENT),
    (ServerError, Action.RETRY, Failure.TRANSIENT),
    (TransportError, Action.RETRY, Failure.TRANSIENT),
    (AccessDenied, Action.FAIL, Failure.CONFIG),
    (InvalidParameter, Action.FAIL, Failure.CONFIG),
    (SignatureMismatch, Action.FAIL, Failure.CONFIG),
    (NotReady, Action.FAIL, Failure.TRANSIENT),
    (PagingLoop, Action.FAIL, Failure.SYSTEM),
    (MwsError, Action.FAIL, Failure.SYSTEM),
    (CredentialsRejected, Action.FAIL, Failure.CONFIG),
    # SP-API's own kinds, built on the shared ones
    (TokenRejected, Action.REFRESH, Failure.CONFIG),
    (LwaError, Action.FAIL, Failure.CONFIG),
    (NotFound, Action.FAIL, Failure.CONFIG),
]


@pytest.mark.parametrize(("kind", "action", "failure"), KINDS, ids=[k.__name__ for k, _, _ in KINDS])
def test_every_kind_carries_its_action_and_failure(kind: type, action: Action, failure: Failure) -> None:
    assert (kind.action, kind.failure) == (action, failure)


def test_the_decision_follows_the_kind_not_the_code() -> None:
    # an SP-API 503 and an MWS 503 carry different codes and are the same kind: the same decision
    sp = ServerError("x", code="ServiceUnavailable", http_status=503)
    mws = ServerError("x", code="InternalError", http_status=500)
    assert decide(sp, retries_done=1, restore_seconds=9) == decide(mws, retries_done=1, restore_seconds=9)
    assert decide(sp, retries_done=1, restore_seconds=9).delay == 4.0


def test_a_refused_token_asks_for_a_refresh_whatever_the_retries() -> None:
    err = TokenRejected("The access token you provided has expired.", http_status=403)
    assert decide(err, retries_done=0, restore_seconds=1).action is Action.REFRESH
    assert decide(err, retries_done=4, restore_seconds=1).action is Action.REFRESH  # the loop refreshes once
