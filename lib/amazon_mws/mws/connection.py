"""One seller's connection to MWS: sign, pace, send, read, classify, and wait or retry per the table.

`call()` is the only place a request is built, so the rules live once: the exact signed bytes are
the bytes sent (`signing.signed_query` builds the form body, or the query string when the body is a
feed), the Timestamp is fresh on every attempt (a retry after a long wait must not be rejected as
expired), each attempt first takes a token from the limiter, and every failure goes through
`errors.decide`. Sample mode (the designer's one-shot call) never waits and never retries.

Logs (logger `amazon_mws.mws`) carry section, action, status, request id and elapsed time only:
never parameters, signatures, tokens or keys. Connection errors are reported by kind, not by the
library's message, because that message contains the URL and with it the signed query.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import requests
from lxml import etree

from amazon_mws import __version__
from amazon_mws.core.errors import (
    Action,
    MwsError,
    Throttled,
    TransportError,
    decide,
    error_from_element,
    error_from_reply,
)
from amazon_mws.core.limiter import Limiter, limiter_from_env
from amazon_mws.core.params import ParamValue, flatten
from amazon_mws.core.quotas import OPERATION_GROUP, quota_for, time_scale_from_env
from amazon_mws.core.xml import MAX_RESPONSE_BYTES, XmlError, find_path, local_name, parse_xml, text_of
from amazon_mws.mws.credentials import Credentials
from amazon_mws.mws.signing import SIGNATURE_METHOD, SIGNATURE_VERSION, content_md5, host_of, signed_query

log = logging.getLogger("amazon_mws.mws")


@dataclass(frozen=True)
class Section:
    path: str
    version: str
    seller_param: str  # Orders identifies the seller as SellerId, Feeds as Merchant


SECTIONS: dict[str, Section] = {
    "Orders": Section("/Orders/2013-09-01", "2013-09-01", "SellerId"),
    "Feeds": Section("/Feeds/2009-01-01", "2009-01-01", "Merchant"),
}


@dataclass
class MwsResponse:
    root: etree._Element | None  # None when the body is not parsed (a feed result download)
    headers: Mapping[str, str]
    request_id: str | None
    timestamp: str | None
    status: int
    raw: bytes = field(repr=False)


def default_user_agent() -> str:
    """Amazon's `Name/Version (Language=...; Platform=...)` form; malformed ones are refused."""
    return (
        f"amazon-mws-component/{__version__} (Language=Python/{platform.python_version()}; "
        f"Platform={platform.system() or 'Unknown'}/{platform.machine() or 'unknown'})"
    )


def _timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class MwsConnection:
    """A seller's MWS client: one requests.Session (connection reuse), one limiter, counters."""

    max_waits = 12  # consecutive throttle/quota waits on one request before giving up
    max_wait_seconds = 3600.0  # a single wait longer than this (an hourly quota) fails instead

    def __init__(
        self,
        credentials: Credentials,
        *,
        sample: bool = False,
        limiter: Limiter | None = None,
        session: requests.Session | None = None,
        time_scale: float | None = None,
        user_agent: str | None = None,
        timeout: tuple[float, float] = (5, 60),
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.credentials = credentials
        self.sample = sample
        self.time_scale = time_scale_from_env() if time_scale is None else float(time_scale)
        if self.time_scale <= 0:
            raise ValueError("time_scale: must be greater than 0")
        self.limiter = limiter if limiter is not None else limiter_from_env(self.time_scale)
        self.session = session or requests.Session()
        self.user_agent = user_agent or default_user_agent()
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.base_url = credentials.base_url()
        self.host = host_of(self.base_url)
        self.requests_made = 0
        self.throttled_replies = 0
        self.retries = 0
        self.waited_seconds = 0.0
        self._sleep = time.sleep

    def __repr__(self) -> str:
        creds = self.credentials
        return f"MwsConnection(seller_id={creds.seller_id!r}, base_url={self.base_url!r}, sample={self.sample})"  # noqa: E501

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> MwsConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one entry point ------------------------------------------------------------------------

    def call(
        self,
        section: str,
        action: str,
        params: Mapping[str, ParamValue],
        body: bytes | None = None,
        *,
        content_type: str = "text/xml",
        parse: bool = True,
    ) -> MwsResponse:
        """Send `action` of `section` with `params` (lists are enumerated, None dropped) and return the
        parsed reply, waiting out throttling and retrying transient failures per the error table."""
        try:
            sect = SECTIONS[section]
        except KeyError:
            raise ValueError(
                f"section: unknown MWS section {section!r} (one of {sorted(SECTIONS)})"
            ) from None
        if body is not None and section != "Feeds":
            raise ValueError("body: only the Feeds section sends a request body")
        wire = flatten(params)
        restore = quota_for(action, self.time_scale).restore_seconds if action in OPERATION_GROUP else 0.0
        retries = waits = 0
        while True:
            self.waited_seconds += self.limiter.acquire(
                self.credentials.seller_id, action, block=not self.sample
            )
            try:
                return self._attempt(sect, action, wire, body, content_type, parse)
            except MwsError as err:
                if isinstance(err, Throttled) and err.http_status is not None:
                    self.throttled_replies += 1
                decision = decide(
                    err, retries_done=retries, restore_seconds=restore, time_scale=self.time_scale
                )
                if self.sample or decision.action is Action.FAIL:
                    raise
                if decision.action is Action.WAIT:
                    waits += 1
                    if waits > self.max_waits or decision.delay > self.max_wait_seconds:
                        raise
                    if isinstance(err, Throttled):
                        self.limiter.drain(self.credentials.seller_id, action)
                else:
                    retries += 1
                    self.retries += 1
                log.warning(
                    "%s %s: %s; %s in %.2f s",
                    section,
                    action,
                    err.code,
                    decision.action.value,
                    decision.delay,
                )
                self._sleep(decision.delay)
                self.waited_seconds += decision.delay

    # -- one attempt ----------------------------------------------------------------------------------

    def _signed(self, sect: Section, action: str, wire: dict[str, str], body: bytes | None) -> str:
        creds = self.credentials
        params = dict(wire)
        params.update(
            {
                "AWSAccessKeyId": creds.access_key_id,
                "Action": action,
                sect.seller_param: creds.seller_id,
                "SignatureMethod": SIGNATURE_METHOD,
                "SignatureVersion": SIGNATURE_VERSION,
                "Timestamp": _timestamp(),
                "Version": sect.version,
            }
        )
        if creds.mws_auth_token:
            params["MWSAuthToken"] = creds.mws_auth_token
        if body is not None:
            params["ContentMD5Value"] = content_md5(body)
        return signed_query("POST", self.host, sect.path, params, creds.secret_key)

    def _attempt(
        self,
        sect: Section,
        action: str,
        wire: dict[str, str],
        body: bytes | None,
        content_type: str,
        parse: bool,
    ) -> MwsResponse:
        query = self._signed(sect, action, wire, body)
        headers = {"User-Agent": self.user_agent}
        url = self.base_url + sect.path
        if body is None:
            data: bytes = query.encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        else:
            url = f"{url}?{query}"
            data = body
            headers["Content-Type"] = content_type
        started = time.monotonic()
        self.requests_made += 1
        status, reply_headers, raw = self._send(url, data, headers, action)
        elapsed_ms = (time.monotonic() - started) * 1000
        request_id = reply_headers.get("x-mws-request-id")
        log.info(
            "%s %s -> %s request_id=%s elapsed_ms=%.0f",
            sect.path.split("/")[1],
            action,
            status,
            request_id,
            elapsed_ms,
        )
        if status != 200:
            raise error_from_reply(status, reply_headers, raw)
        root = None
        if parse:
            try:
                root = parse_xml(raw, max_bytes=self.max_response_bytes)
            except XmlError as exc:
                raise TransportError(
                    f"{action}: unreadable reply ({exc})", http_status=status, request_id=request_id
                ) from None
            if local_name(root.tag) == "ErrorResponse":
                raise error_from_element(root, http_status=status, headers=reply_headers)
            request_id = request_id or text_of(find_path(root, "ResponseMetadata"), "RequestId")
        return MwsResponse(
            root=root,
            headers=reply_headers,
            request_id=request_id,
            timestamp=reply_headers.get("x-mws-timestamp"),
            status=status,
            raw=raw,
        )

    def _send(self, url: str, data: bytes, headers: dict[str, str], action: str) -> tuple[int, Any, bytes]:
        try:
            resp = self.session.post(url, data=data, headers=headers, timeout=self.timeout, stream=True)
            try:
                chunks: list[bytes] = []
                total = 0
                for chunk in resp.iter_content(chunk_size=65536):
                    total += len(chunk)
                    if total > self.max_response_bytes:
                        raise TransportError(
                            f"{action}: reply larger than {self.max_response_bytes} bytes",
                            http_status=resp.status_code,
                        )
                    chunks.append(chunk)
                return resp.status_code, resp.headers, b"".join(chunks)
            finally:
                resp.close()
        except requests.exceptions.RequestException as exc:
            raise TransportError(f"{action}: {_describe(exc)} talking to {self.host}") from None


def _describe(exc: requests.exceptions.RequestException) -> str:
    """A message for a connection failure without the library's text (it embeds the signed URL)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "read timeout"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "connection cut mid-reply"
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = str(exc).lower()
        if "timed out" in text:
            return "read timeout"
        if "refused" in text:
            return "connection refused"
        return "connection failed"
    return type(exc).__name__
