"""Hostile replies: what an attacker (or a broken proxy) posing as Amazon could send back.

Fault kinds added to `faults.KINDS`, for the hardening tests and anyone poking the sandbox by hand:

- "xxe": a well-formed GetOrder-shaped reply whose DOCTYPE declares an external entity pointing at a
  local file (`Sandbox.xxe_target`, default /etc/passwd) and uses it in a field, so a client that
  resolved entities would carry the file's contents into its output;
- "billion_laughs": ten nested internal entities, each ten copies of the one before (10^9 "lol"s,
  about 3 GB expanded from under 1 KB);
- "huge": a 200 MB reply (`HUGE_BYTES`), streamed in 1 MB chunks so the sandbox itself stays small;
  it is well-formed XML all the way through, so only a size limit can stop it;
- "truncated": the real reply, announced with its full Content-Length, cut off halfway and the
  connection closed (a dropped connection mid-body, unlike "malformed" which is a short but complete
  HTTP reply).

Why a separate module: the fault kinds that only change the reply body live here, and the server and
the app each call it through one line, so the sandbox's request path stays readable.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

from amazon_mws.sandbox.wire import Reply
from amazon_mws.sandbox.xmlout import ORDERS_NS

HOSTILE_KINDS = ("xxe", "billion_laughs", "huge", "truncated")
HUGE_BYTES = 200 * 1024 * 1024
CHUNK = 1024 * 1024
DEFAULT_XXE_TARGET = "/etc/passwd"


class StreamedBody:
    """A reply body written chunk by chunk. `len()` is what Content-Length announces; `cut` closes the
    connection after the chunks (which may then be fewer bytes than announced)."""

    def __init__(self, length: int, chunks: Iterator[bytes], *, cut: bool = False) -> None:
        self.length = length
        self.chunks = chunks
        self.cut = cut

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, item: Any) -> bytes:  # only the "malformed" fault slices a body; never ours
        raise TypeError("a streamed body cannot be sliced")


def _xxe(target: str) -> bytes:
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE GetOrderResponse [<!ENTITY xxe SYSTEM "file://{target}">]>\n'
        f'<GetOrderResponse xmlns="{ORDERS_NS}"><GetOrderResult><Orders><Order>'
        "<AmazonOrderId>902-3159896-1390916</AmazonOrderId><BuyerName>&xxe;</BuyerName>"
        "<OrderStatus>Shipped</OrderStatus></Order></Orders></GetOrderResult>"
        "<ResponseMetadata><RequestId>hostile-xxe</RequestId></ResponseMetadata></GetOrderResponse>"
    ).encode()


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE ListOrdersResponse [' + "".join(entities) + "]>\n"
        f'<ListOrdersResponse xmlns="{ORDERS_NS}"><ListOrdersResult><Orders><Order>'
        "<AmazonOrderId>902-3159896-1390916</AmazonOrderId><BuyerName>&lol9;</BuyerName>"
        "</Order></Orders></ListOrdersResult></ListOrdersResponse>"
    ).encode()


def _huge(total: int = HUGE_BYTES) -> StreamedBody:
    head = f'<?xml version="1.0"?>\n<ListOrdersResponse xmlns="{ORDERS_NS}"><ListOrdersResult><Orders>'
    tail = "</Orders></ListOrdersResult></ListOrdersResponse>"
    order = "<Order><AmazonOrderId>902-3159896-1390916</AmazonOrderId><BuyerName>x</BuyerName></Order>"
    filler = (order * (CHUNK // len(order))).encode()
    head_b, tail_b = head.encode(), tail.encode()
    count = max(1, (total - len(head_b) - len(tail_b)) // len(filler))

    def chunks() -> Iterator[bytes]:
        yield head_b
        for _ in range(count):
            yield filler
        yield tail_b

    return StreamedBody(len(head_b) + count * len(filler) + len(tail_b), chunks())


def _truncated(body: bytes) -> StreamedBody:
    return StreamedBody(len(body), iter([body[: max(1, len(body) // 2)]]), cut=True)


def apply(kind: str, reply: Reply, sandbox: Any) -> Reply:
    """The hostile version of `reply` for a hostile fault `kind` (any other kind: `reply` unchanged)."""
    if kind not in HOSTILE_KINDS:
        return reply
    reply.status = 200
    if kind == "xxe":
        reply.body = _xxe(getattr(sandbox, "xxe_target", None) or DEFAULT_XXE_TARGET)
    elif kind == "billion_laughs":
        reply.body = _billion_laughs()
    elif kind == "huge":
        reply.body = _huge(getattr(sandbox, "huge_bytes", None) or HUGE_BYTES)  # type: ignore[assignment]
    else:
        reply.body = _truncated(reply.body)  # type: ignore[assignment]
    return reply


def write_body(handler: Any, body: bytes | StreamedBody) -> None:
    """Write a reply body on the server's handler: plain bytes at once, a streamed body chunk by chunk
    (closing the connection afterwards when the body is a cut one)."""
    if not isinstance(body, StreamedBody):
        handler.wfile.write(body)
        return
    try:
        for chunk in body.chunks:
            handler.wfile.write(chunk)
        handler.wfile.flush()
    except OSError:  # the client gave up (as it should on a 200 MB reply): nothing more to send
        body.cut = True
    if body.cut:
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)
