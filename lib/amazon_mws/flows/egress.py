"""Where a webhook may deliver: public addresses only, unless the flow says otherwise.

A flow author chooses the webhook URL, and the worker that posts to it sits next to Redis, the sandbox's
admin routes, cloud metadata services and whatever else listens on loopback or a private network. So the
address a delivery *actually connects to* is checked (after DNS, on the socket itself: a name that resolves
to a public address for the check and a private one for the connection gains nothing), and loopback,
private, link-local, multicast, reserved and unspecified addresses are refused unless the flow's sink sets
`allowPrivateNetwork: true`. Redirects are never followed (a 307 to an internal address would carry the
order body there); the sink reports them as failures.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class EgressRefused(Exception):
    """The webhook's address is not one a flow may deliver to; the message says why and what to set.
    Not an OSError on purpose: urllib3 would retry it and requests re-word it as a connection failure."""


def refusal(address: str) -> str | None:
    """Why a flow may not deliver to `address` without `allowPrivateNetwork`, or None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, flag in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                       ("multicast", ip.is_multicast), ("unspecified", ip.is_unspecified),
                       ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if flag:
            return f"{ip} is a {kind} address"
    return None


class _Checked:
    """Connection mix-in: the socket's peer is checked before a byte is sent on it."""

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        peer = sock.getpeername()[0]
        reason = refusal(peer)
        if reason is not None:
            sock.close()
            raise EgressRefused(f"webhook: {reason}; set sink.allowPrivateNetwork to true to deliver there")
        return sock


class _CheckedHTTPConnection(_Checked, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_Checked, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


class _NoRedirects(requests.Session):
    """Every request with `allow_redirects=False`, whatever the caller passed: a 3xx comes back as it is."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


def webhook_session(*, allow_private_network: bool = False) -> requests.Session:
    """A session for webhook deliveries: no redirects followed, no proxy from the environment (the check
    must see the real peer), and, unless allowed, no delivery to a non-public address."""
    session = _NoRedirects()
    session.trust_env = False
    if not allow_private_network:
        adapter = _CheckedAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session
