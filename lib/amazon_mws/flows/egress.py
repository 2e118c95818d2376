"""Where a webhook may deliver: public addresses only, unless the flow says otherwise.

A flow author chooses the webhook URL, and the worker that posts to it sits next to Redis, the sandbox's
admin routes, cloud metadata services and whatever else listens on loopback or a private network. So
loopback, private, link-local, multicast, reserved and unspecified addresses are refused unless the flow's
sink sets `allowPrivateNetwork: true`, twice: the name's addresses before connecting (`check_host`: nothing
reaches a refused address, not even a SYN), and the address the socket *actually* connected to before a
byte is sent (`check_peer`: a name that resolves to a public address for the first check and a private one
for the connection, DNS rebinding, gains nothing). Redirects are never followed (a 307 to an internal
address would carry the order body there): `flows.sinks` reports a 3xx as a failed delivery.
"""

from __future__ import annotations

import ipaddress
import socket

FLAG = "sink.allowPrivateNetwork"


class EgressRefused(Exception):
    """The webhook's address is not one a flow may deliver to; the message says why and what to set.
    Not an OSError on purpose: an OSError is a network failure worth retrying, this is the flow's setup."""


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


def _refuse(host: str, reason: str) -> EgressRefused:
    return EgressRefused(f"webhook: {host}: {reason}; a flow delivers to public addresses only, "
                         f"unless it sets {FLAG} to true")


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` stands for (itself when it is an address): what the connection may reach."""
    try:
        return [str(ipaddress.ip_address(host.split("%", 1)[0]))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)  # gaierror is an OSError: retried
    return sorted({str(info[4][0]) for info in infos})


def check_host(host: str, port: int) -> None:
    """Refuse a host any of whose addresses is not public, before any connection is made."""
    for address in resolve(host, port):
        reason = refusal(address)
        if reason is not None:
            raise _refuse(host, reason)


def check_peer(sock: socket.socket, host: str) -> None:
    """Refuse (and close) a connected socket whose peer is not public, before a byte is sent on it."""
    reason = refusal(str(sock.getpeername()[0]))
    if reason is not None:
        sock.close()
        raise _refuse(host, reason)
