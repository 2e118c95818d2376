"""What both transports do with HTTP: send one request, read its reply under a size cap, describe a
connection failure without the library's words, and a Session that reads the environment once per host.

Why a cap on the read: a reply is untrusted input, and a body far over anything Amazon sends (a broken
proxy, a hostile endpoint) must not be held in memory whole; it is read in chunks and refused as soon as
it passes the cap. Why our own description of a failure: requests' message embeds the URL, and the URL
carries the signed MWS query or a pre-signed document URL, both credentials. Why our own Session: requests
reads the proxy variables (the whole of os.environ) on every request, about a quarter of its own CPU per
call on loopback; a connection talks to one or two hosts for its life, so once per host is enough.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from amazon_mws import __version__
from amazon_mws.core.errors import TransportError

CHUNK_BYTES = 65536


def default_user_agent() -> str:
    """Amazon's `Name/Version (Language=...; Platform=...)` form; MWS refuses malformed ones."""
    return (
        f"amazon-mws-component/{__version__} (Language=Python/{platform.python_version()}; "
        f"Platform={platform.system() or 'Unknown'}/{platform.machine() or 'unknown'})"
    )


class Session(requests.Session):
    """requests' Session, with the environment's settings (proxies, no_proxy, CA bundle) read on the first
    request to a host and kept for the next ones (the same answer as requests', per host; a variable set
    after that first request is not seen by this session)."""

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[Any, ...], Any] = {}  # requests' own settings dict, per host and arguments

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:  # requests' stubs name a private TypedDict
        parts = urlsplit(str(url))
        key = (parts.scheme, parts.netloc, tuple(sorted((proxies or {}).items())), stream, verify, str(cert),
               self.trust_env)
        if key not in self._environment:
            self._environment[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings = self._environment[key]
        return {**settings, "proxies": dict(settings["proxies"])}  # a copy: requests may change its own


def describe_failure(exc: requests.exceptions.RequestException) -> str:
    """A message for a connection failure without the library's text (it embeds the URL)."""
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


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    data: bytes | None,
    headers: Mapping[str, str],
    timeout: tuple[float, float],
    max_bytes: int,
    what: str,
    params: Mapping[str, str] | None = None,
    peer: str | None = None,
) -> tuple[int, CaseInsensitiveDict[str], bytes]:
    """One HTTP exchange: `(status, headers, body)`, whatever the status. A failure to connect or read,
    or a body over `max_bytes`, is a TransportError named `what` (and `peer`, the host, when given).
    The query goes to requests encoded already, as requests itself would encode it (`urlencode`, doseq):
    given a dict, requests walks it through runtime Protocol checks that cost a sixth of its CPU per call."""
    try:
        resp = session.request(
            method, url, params=urlencode(params, doseq=True) if params else None, data=data, headers=dict(headers),
            timeout=timeout, stream=True
        )
        try:
            chunks: list[bytes] = []
            total = 0
            for chunk in resp.iter_content(chunk_size=CHUNK_BYTES):
                total += len(chunk)
                if total > max_bytes:
                    raise TransportError(f"{what}: reply larger than {max_bytes} bytes", http_status=resp.status_code)
                chunks.append(chunk)
            return resp.status_code, resp.headers, b"".join(chunks)
        finally:
            resp.close()
    except requests.exceptions.RequestException as exc:
        where = f" talking to {peer}" if peer else ""
        raise TransportError(f"{what}: {describe_failure(exc)}{where}") from None


def http_url(value: str, *, field: str) -> str:
    """A configured base URL (an endpoint, a token URL), without its trailing slash."""
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{field}: {value!r} must be an http:// or https:// URL")
    return value.rstrip("/")
