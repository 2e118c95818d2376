"""MWS Signature Version 2 (HmacSHA256).

One function builds the canonical query and the same encoded pairs become the bytes on the wire:
several public clients broke by encoding values twice or signing something other than what they sent.
The sandbox verifies requests with the same functions, so client and server cannot drift apart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

SIGNATURE_METHOD = "HmacSHA256"
SIGNATURE_VERSION = "2"


def encode(value: str) -> str:
    """RFC 3986 percent-encoding as Amazon wants it: unreserved characters kept, UTF-8, `%20` for space."""
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    """The sorted (byte order), encoded `name=value` pairs joined by `&`, without `Signature`."""
    pairs = sorted((k.encode("utf-8"), k, v) for k, v in params.items() if k != "Signature")
    return "&".join(f"{encode(k)}={encode(v)}" for _, k, v in pairs)


def host_of(endpoint: str) -> str:
    """Lower-case host as signed: no scheme, no default port (a non-default port stays)."""
    parts = urlsplit(endpoint if "//" in endpoint else f"//{endpoint}")
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not (
        (parts.scheme == "https" and port == 443) or (parts.scheme in ("http", "") and port == 80)
    ):
        host = f"{host}:{port}"
    return host


def string_to_sign(method: str, host: str, path: str, params: Mapping[str, str]) -> str:
    return "\n".join([method.upper(), host.lower(), path or "/", canonical_query(params)])


def hmac_sha256_b64(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign(method: str, host: str, path: str, params: Mapping[str, str], secret: str) -> str:
    """The base64 signature of a request (not yet percent-encoded)."""
    return hmac_sha256_b64(secret, string_to_sign(method, host, path, params))


def signed_query(method: str, host: str, path: str, params: Mapping[str, str], secret: str) -> str:
    """The exact query string (or form body) to send: the canonical query plus its encoded Signature."""
    query = canonical_query(params)
    signature = hmac_sha256_b64(secret, "\n".join([method.upper(), host.lower(), path or "/", query]))
    return f"{query}&Signature={encode(signature)}"


def verify(method: str, host: str, path: str, params: Mapping[str, str], secret: str) -> bool:
    """Whether `params["Signature"]` is the signature of the other parameters (constant-time compare)."""
    given = params.get("Signature", "")
    expected = sign(method, host, path, params, secret)
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def content_md5(body: bytes) -> str:
    """Base64 of the raw MD5 digest, as Amazon's Content-MD5 and ContentMD5Value want it."""
    return base64.b64encode(hashlib.md5(body).digest()).decode("ascii")
