"""One seller's connection to MWS: sign, send, read and classify one attempt; core's call loop does the rest.

`call()` is the only place a request is built, so the rules live once: the exact signed bytes are
the bytes sent (`signing.signed_query` builds the form body, or the query string when the body is a
feed), and the Timestamp is fresh on every attempt (a retry after a long wait must not be rejected as
expired). Pacing, waiting and retrying are `core.calls.CallLoop.run`'s, shared with SP-API; sample mode
(the designer's one-shot call) never waits and never retries.

Logs (logger `amazon_mws.mws`) carry section, action, status, request id and elapsed time only:
never parameters, signatures, tokens or keys. Connection errors are reported by kind, not by the
library's message, because that message contains the URL and with it the signed query.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import requests
from lxml import etree

from amazon_mws.core.calls import CallLoop
from amazon_mws.core.errors import TransportError
from amazon_mws.core.http import Session, default_user_agent, send
from amazon_mws.core.limiter import Limiter
from amazon_mws.core.model import to_json
from amazon_mws.core.xml import MAX_RESPONSE_BYTES, XmlError, child, find_path, local_name, parse_xml, text_of
from amazon_mws.mws.credentials import Credentials
from amazon_mws.mws.errors import error_from_element, error_from_reply
from amazon_mws.mws.params import ParamValue, flatten
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
    "Sellers": Section("/Sellers/2011-07-01", "2011-07-01", "SellerId"),
}


@dataclass
class MwsResponse:
    root: etree._Element | None  # None when the body is not parsed (a feed result download)
    headers: Mapping[str, str]
    request_id: str | None
    timestamp: str | None
    status: int
    raw: bytes = field(repr=False)

    def result(self, action: str, datatype: str | None = None) -> dict[str, Any]:
        """The ``<{action}Result>`` element as typed JSON (``datatype``: its model type, default the
        element's name). A 200 reply without it is not MWS: a transport error carrying the request id."""
        el = child(self.root, f"{action}Result") if self.root is not None else None
        if el is None:
            raise TransportError(
                f"{action}: reply has no {action}Result element",
                request_id=self.request_id,
                http_status=self.status,
            )
        return to_json(el, datatype or f"{action}Result")


def _timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class MwsConnection(CallLoop):
    """A seller's MWS client: one requests.Session (connection reuse), one limiter, counters."""

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
        super().__init__(sample=sample, limiter=limiter, time_scale=time_scale, log=log)
        self.credentials = credentials
        self.session = session or Session()
        self.user_agent = user_agent or default_user_agent()
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.base_url = credentials.base_url()
        self.host = host_of(self.base_url)

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
        idempotent: bool = True,
    ) -> MwsResponse:
        """Send `action` of `section` with `params` (lists are enumerated, None dropped) and return the
        parsed reply, waiting out throttling and retrying transient failures per the error table
        (never, for a call that is not `idempotent`: see `errors.decide`)."""
        try:
            sect = SECTIONS[section]
        except KeyError:
            raise ValueError(
                f"section: unknown MWS section {section!r} (one of {sorted(SECTIONS)})"
            ) from None
        if body is not None and section != "Feeds":
            raise ValueError("body: only the Feeds section sends a request body")
        wire = flatten(params)
        return self.run(
            lambda: self._attempt(sect, action, wire, body, content_type, parse),
            label=f"{section} {action}",
            pace=(self.credentials.seller_id, action),
            idempotent=idempotent,
        )

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
        status, reply_headers, raw = send(
            self.session, "POST", url, data=data, headers=headers, timeout=self.timeout,
            max_bytes=self.max_response_bytes, what=action, peer=self.host,
        )
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
