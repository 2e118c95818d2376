"""Fixtures for the sandbox tests: a started sandbox, and a tiny signing client built only on
`amazon_mws.mws.signing` and `requests` (the real client is written elsewhere, in parallel)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from lxml import etree

from amazon_mws.mws.signing import content_md5, host_of, signed_query
from amazon_mws.sandbox import Sandbox

AMAZON = (Path(__file__).resolve().parents[3] / ".." / "shared" / "amazon").resolve()
ORDERS_PATH, FEEDS_PATH = "/Orders/2013-09-01", "/Feeds/2009-01-01"
ORDERS_NS = "https://mws.amazonservices.com/Orders/2013-09-01"
FEEDS_NS = "http://mws.amazonaws.com/doc/2009-01-01/"
CREDS = {
    "sellerId": "A1SANDBOXTEST",
    "mwsAuthToken": "amzn.mws.00000000-test-token-0000-000000000000",
    "accessKeyId": "AKIASANDBOXTEST",
    "secretKey": "sandbox/secret+key=ForTestsOnly0123456789",
    "marketplaceId": "ATVPDKIKX0DER",
}


def stamp(dt: datetime | None = None) -> str:
    dt = dt or datetime.now(timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Mws:
    """Signs and sends one MWS request; `override` replaces (or, with None, drops) default params."""

    sb: Sandbox
    session: requests.Session

    def call(
        self,
        action: str,
        params: dict[str, str] | None = None,
        *,
        section: str = "orders",
        method: str = "POST",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        secret: str | None = None,
        sign_host: str | None = None,
        timestamp: str | None = None,
        override: dict[str, str | None] | None = None,
        timeout: float = 10,
    ) -> requests.Response:
        creds = self.sb.credentials
        path, version, seller_key = (
            (ORDERS_PATH, "2013-09-01", "SellerId")
            if section == "orders"
            else (FEEDS_PATH, "2009-01-01", "Merchant")
        )
        p: dict[str, str] = {
            "AWSAccessKeyId": creds["accessKeyId"],
            "Action": action,
            seller_key: creds["sellerId"],
            "MWSAuthToken": creds["mwsAuthToken"],
            "SignatureMethod": "HmacSHA256",
            "SignatureVersion": "2",
            "Timestamp": timestamp or stamp(self.sb.now()),
            "Version": version,
        }
        p.update(params or {})
        for key, value in (override or {}).items():
            if value is None:
                p.pop(key, None)
            else:
                p[key] = value
        host = sign_host or host_of(self.sb.endpoint)
        query = signed_query(method, host, path, p, secret or creds["secretKey"])
        url = self.sb.endpoint + path
        hdrs = dict(headers or {})
        if body is not None:  # SubmitFeed: parameters in the query string, the feed as the body
            hdrs.setdefault("Content-Type", "text/xml")
            return self.session.request(method, f"{url}?{query}", data=body, headers=hdrs, timeout=timeout)
        if method == "GET":
            return self.session.get(f"{url}?{query}", headers=hdrs, timeout=timeout)
        hdrs["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        return self.session.request(method, url, data=query.encode("ascii"), headers=hdrs, timeout=timeout)

    def submit(self, feed: bytes, feed_type: str, **kw: object) -> requests.Response:
        headers = {"Content-MD5": content_md5(feed)}
        return self.call(
            "SubmitFeed", {"FeedType": feed_type}, section="feeds", body=feed, headers=headers, **kw
        )


def xml(resp: requests.Response) -> etree._Element:
    return etree.fromstring(resp.content)


def find(el: etree._Element, path: str, ns: str = ORDERS_NS) -> list[etree._Element]:
    """Elements at a slash path of local names in the section's namespace."""
    return el.findall("/".join(f"{{{ns}}}{part}" for part in path.split("/")))


def text(el: etree._Element, path: str, ns: str = ORDERS_NS) -> str | None:
    found = find(el, path, ns)
    return found[0].text if found else None


def error_code(resp: requests.Response) -> str | None:
    root = xml(resp)
    code = root.find(f"{{{root.nsmap.get(None, '')}}}Error/{{{root.nsmap.get(None, '')}}}Code")
    return code.text if code is not None else None


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(orders=120, seed=3, throttle=False, items_page_size=5, credentials=CREDS) as box:
        yield box


@pytest.fixture
def mws(sb: Sandbox) -> Iterator[Mws]:
    with requests.Session() as session:
        yield Mws(sb, session)
