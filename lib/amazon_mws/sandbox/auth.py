"""Who is asking, and may they: Signature V2, the timestamp window, the seller and the auth token.

Checks run in Amazon's order (missing parameters, unknown key, signature, timestamp, version, seller,
token), each refusal with Amazon's code and status. The signature is verified over exactly what was
received: the method, the Host header as sent, the request path, and every parameter but Signature.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta

from amazon_mws.mws.signing import verify
from amazon_mws.sandbox.clock import iso_ms, parse_iso
from amazon_mws.sandbox.errors import SandboxError, invalid, missing
from amazon_mws.sandbox.wire import Request, Section

TIMESTAMP_WINDOW = timedelta(minutes=15)
REQUIRED = (
    "AWSAccessKeyId",
    "Action",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "Timestamp",
    "Version",
)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def authenticate(req: Request, section: Section, creds: Mapping[str, str], now: datetime) -> str:
    """The seller id of an authentic request; raises SandboxError otherwise."""
    p = req.params
    for name in REQUIRED:
        if not p.get(name):
            raise missing(name)
    if p["AWSAccessKeyId"] != creds["accessKeyId"]:
        raise SandboxError(
            "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
        )
    if p["SignatureVersion"] != "2":
        raise invalid(f"Value {p['SignatureVersion']} for parameter SignatureVersion is invalid. Must be 2.")
    if p["SignatureMethod"] != "HmacSHA256":
        raise invalid(
            f"Value {p['SignatureMethod']} for parameter SignatureMethod is invalid. Use HmacSHA256."
        )
    if not verify(req.method, req.host, req.path, p, creds["secretKey"]):
        raise SandboxError(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details.",
        )
    try:
        stamp = parse_iso(p["Timestamp"])
    except ValueError:
        raise invalid(f"Timestamp {p['Timestamp']} is not a valid ISO 8601 date-time.") from None
    if stamp < now - TIMESTAMP_WINDOW:
        raise SandboxError(
            "RequestExpired",
            f"Request signature is too far in the past and has expired. Timestamp date: {iso_ms(stamp)}",
        )
    if stamp > now + TIMESTAMP_WINDOW:
        raise invalid(
            f"Timestamp {p['Timestamp']} must be no more than 15 minutes after "
            f"the current time {iso_ms(now)}."
        )
    if p["Version"] != section.version:
        raise invalid(
            f"Version {p['Version']} is not valid for the {section.name} API; use {section.version}."
        )
    seller_param = next((name for name in section.seller_params if p.get(name)), None)
    if seller_param is None:
        raise missing(section.seller_params[0])
    if p[seller_param] != creds["sellerId"]:
        raise SandboxError(
            "AccessDenied", f"Access denied: {seller_param} does not match the AWSAccessKeyId."
        )
    expected_token = creds.get("mwsAuthToken") or ""
    if not _same(p.get("MWSAuthToken", ""), expected_token):
        raise SandboxError(
            "AccessDenied", "Access denied: the MWSAuthToken is not valid for this seller and developer."
        )
    return p[seller_param]
