"""One selling partner's connection to SP-API: authorise, send, read and classify one attempt.

`request()` is the only place an SP-API call is made; what happens between attempts is core's call loop
(`core.calls.CallLoop.run`), the same one MWS uses:
- each attempt first takes a token from the shared limiter (the models' usage plans, quotas.py; adapted to
  the rate Amazon states in `x-amzn-RateLimit-Limit` when it sends one);
- the access token (or, for buyer and address data, a Restricted Data Token) comes from the shared cache;
  a 401/403 about the token (TokenRejected, whose action is REFRESH) drops it and tries once more with a
  fresh one;
- every other refusal goes through `core.errors.decide`: 429 waits one restore interval (and drains our
  bucket: Amazon's is empty), 5xx and cut connections back off and retry, the rest fail at once.
Sample mode (the designer's one-shot call) never waits and never retries.

Logs carry operation, status, request id and elapsed time only; never tokens, bodies or query values.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from amazon_mws.core import json_replies
from amazon_mws.core.calls import CallLoop
from amazon_mws.core.errors import MwsError, TransportError
from amazon_mws.core.http import Session, default_user_agent, send
from amazon_mws.core.limiter import Limiter
from amazon_mws.core.quotas import Quota
from amazon_mws.runtime.secrets import REDACTOR
from amazon_mws.spapi.credentials import SpCredentials
from amazon_mws.spapi.errors import request_id_of, sp_error
from amazon_mws.spapi.tokens import AccessTokens, TokenStore, cache_ttl

log = logging.getLogger("amazon_mws.spapi")
MAX_RESPONSE_BYTES = 256 * 1024 * 1024

# (account, operation) -> the rate (requests/s) Amazon said it applies, process-wide
_OBSERVED_RATES: dict[tuple[str, str], float] = {}
_RATES_LOCK = threading.Lock()


@dataclass
class SpResponse:
    status: int
    headers: Mapping[str, str]
    data: Any  # the parsed JSON body (None when empty)
    request_id: str | None
    raw: bytes = field(repr=False, default=b"")


@dataclass(frozen=True)
class Restricted:
    """What a Restricted Data Token must cover: the path (generic `{orderId}` form allowed) and elements."""

    method: str
    path: str
    data_elements: tuple[str, ...]


class SpConnection(CallLoop):
    """A selling partner's SP-API client: one requests.Session, one limiter, the shared token cache."""

    def __init__(
        self,
        credentials: SpCredentials,
        *,
        sample: bool = False,
        limiter: Limiter | None = None,
        session: requests.Session | None = None,
        time_scale: float | None = None,
        token_store: TokenStore | None = None,
        user_agent: str | None = None,
        timeout: tuple[float, float] = (5, 60),
    ) -> None:
        super().__init__(sample=sample, limiter=limiter, time_scale=time_scale, log=log)
        self.credentials = credentials
        self.session = session or Session()
        self.tokens = AccessTokens(credentials, self.session, token_store)
        self.user_agent = user_agent or default_user_agent()
        self.timeout = timeout
        self.base_url = credentials.base_url()
        self.account = credentials.account_key

    def __repr__(self) -> str:
        return f"SpConnection(base_url={self.base_url!r}, sample={self.sample})"

    def close(self) -> None:
        self.session.close()

    # -- pacing ---------------------------------------------------------------------------------------

    def quota(self, operation: str) -> Quota | None:
        """The table's quota, or the rate Amazon stated for this partner/app (same burst)."""
        table = super().quota(operation)
        if table is None:
            return None
        with _RATES_LOCK:
            rate = _OBSERVED_RATES.get((self.account, operation))
        if rate is None:
            return table
        return Quota(table.burst, self.time_scale / rate, table.hourly)

    def _observe_rate(self, operation: str, headers: Mapping[str, str]) -> None:
        raw = headers.get("x-amzn-RateLimit-Limit")
        if not raw:
            return
        try:
            rate = float(raw)
        except ValueError:
            return
        if rate > 0:
            with _RATES_LOCK:
                _OBSERVED_RATES[(self.account, operation)] = rate

    # -- tokens ---------------------------------------------------------------------------------------

    def _rdt_key(self, spec: Restricted) -> str:
        return f"{self.account}:rdt:{spec.method}:{spec.path}:{','.join(spec.data_elements)}"

    def _restricted_token(self, spec: Restricted) -> str:
        """A Restricted Data Token for `spec`, from the shared cache or createRestrictedDataToken."""
        store, key = self.tokens.store, self._rdt_key(spec)
        token = store.get(key)
        if token is None:
            resource = {"method": spec.method, "path": spec.path, "dataElements": list(spec.data_elements)}
            resp = self.request("createRestrictedDataToken", "POST", "/tokens/2021-03-01/restrictedDataToken",
                                body={"restrictedResources": [resource]})
            data = resp.data or {}
            token = str(data.get("restrictedDataToken") or "")
            if not token:
                raise TransportError("createRestrictedDataToken: the reply has no restrictedDataToken")
            REDACTOR.add([token])
            store.put(key, token, cache_ttl(float(data.get("expiresIn") or 3600)))
        return token

    def _token(self, restricted: Restricted | None) -> tuple[str, str | None]:
        """(token, its RDT cache key, or None for the plain access token)."""
        if restricted is None:
            return self.tokens.get(), None
        return self._restricted_token(restricted), self._rdt_key(restricted)

    # -- the one entry point --------------------------------------------------------------------------

    def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        restricted: Restricted | None = None,
        idempotent: bool = True,
    ) -> SpResponse:
        """Call `operation` (`method path`, query `params`, JSON `body`) and return the parsed reply,
        waiting out throttling and retrying transient failures per the error table (never, for a call
        that is not `idempotent`: see `errors.decide`)."""
        query = {k: v for k, v in (params or {}).items() if v is not None and v != [] and v != ""}
        query = {k: ",".join(map(str, v)) if isinstance(v, (list, tuple)) else v for k, v in query.items()}
        data = json.dumps(body).encode("utf-8") if body is not None else None
        sent: list[tuple[str, str | None]] = []  # the token this attempt presents, and its RDT cache key

        def attempt() -> SpResponse:
            sent.clear()
            token, rdt_key = self._token(restricted)  # an LWA outage is retried like any 5xx
            sent.append((token, rdt_key))
            return self._attempt(operation, method, path, query, data, token)

        def refresh(err: MwsError) -> bool:
            if not sent:  # refused before a token was presented (a nested RDT request): nothing to drop
                return False
            token, rdt_key = sent[0]
            if rdt_key is None:
                self.tokens.invalidate(token)
            else:
                self.tokens.store.discard(rdt_key, token)
            log.info("%s: access token refused (%s); fetching a new one", operation, err.code)
            return True

        return self.run(attempt, label=operation, pace=(self.account, operation), refresh=refresh,
                        idempotent=idempotent)

    def _attempt(
        self, operation: str, method: str, path: str, query: dict[str, Any], data: bytes | None, token: str
    ) -> SpResponse:
        headers = {
            "x-amz-access-token": token,
            "User-Agent": self.user_agent,
            "Accept": "application/json",
            "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        self.requests_made += 1
        status, reply_headers, raw = send(self.session, method, self.base_url + path, params=query, data=data,
                                          headers=headers, timeout=self.timeout, max_bytes=MAX_RESPONSE_BYTES,
                                          what=operation)
        request_id = request_id_of(reply_headers)
        self._observe_rate(operation, reply_headers)
        log.info("%s %s -> %s request_id=%s elapsed_ms=%.0f", operation, method, status, request_id,
                 (time.monotonic() - started) * 1000)
        if not 200 <= status < 300:
            raise sp_error(status, reply_headers, raw)
        try:
            parsed = json_replies.loads(raw) if raw.strip() else None
        except (UnicodeDecodeError, ValueError):
            raise TransportError(f"{operation}: the reply is not JSON", http_status=status,
                                 request_id=request_id) from None
        return SpResponse(status, reply_headers, parsed, request_id, raw)

    # -- documents at Amazon's pre-signed URLs (no token, no quota) -------------------------------------

    def transfer(self, method: str, url: str, *, data: bytes | None = None,
                 content_type: str | None = None, what: str = "document") -> bytes:
        """PUT a feed document to, or GET a report from, the URL Amazon handed out; 5xx and cut
        connections are retried with the usual backoff. The URL is never logged (it is a credential)."""
        headers = {"Content-Type": content_type} if content_type else {}

        def attempt() -> bytes:
            status, reply_headers, raw = send(self.session, method, url, data=data, headers=headers,
                                              timeout=self.timeout, max_bytes=MAX_RESPONSE_BYTES, what=what)
            if not 200 <= status < 300:
                raise sp_error(status, reply_headers, raw)
            return raw

        return self.run(attempt, label=f"{what} {method}")
