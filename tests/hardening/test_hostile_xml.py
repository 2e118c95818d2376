"""Hostile replies from "Amazon", served by the sandbox over real HTTP, through the real getOrder step.

Each kind must be refused with an error that says what was wrong, read no local file, expand nothing
and keep memory bounded; a hostile reply is retried like any unreadable reply, so one bad reply among
good ones loses nothing, and the step fails only when the documented retry cap (4 retries) is spent.
A few hostile documents no sandbox fault serves (other encodings, an external DTD) go straight to the
parser; a file-read detector (a FIFO that notices being opened) proves no file is touched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from amazon_mws.core.errors import MAX_RETRIES
from amazon_mws.core.model import parse_document
from amazon_mws.core.xml import MAX_RESPONSE_BYTES, XmlError, parse_xml
from amazon_mws.runtime.executor import run_step
from amazon_mws.sandbox.hostile import HUGE_BYTES

CANARY = "CANARY-7f3a-local-file-contents"


class FileReadDetector:
    """A FIFO that records whether anyone opened it for reading (and feeds them the canary if so).

    A reader's open() of a FIFO blocks until a writer arrives; the watcher thread keeps trying a
    non-blocking open for writing, which fails (ENXIO) until a reader is there. So `opened` is exact.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)
        self.opened = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
                time.sleep(0.001)
                continue
            if not self.opened:  # the first reader gets the canary; any later one just an empty file
                with contextlib.suppress(OSError):
                    os.write(fd, CANARY.encode())
            self.opened = True
            os.close(fd)
            time.sleep(0.05)  # let the reader see end-of-file before the next open

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def detector(tmp_path: Path) -> Iterator[FileReadDetector]:
    d = FileReadDetector(tmp_path / "secret-file")
    yield d
    d.stop()


def _get_order(cfg: dict, order_id: str):
    return run_step("getOrder", cfg, {"body": {"amazonOrderIds": [order_id]}})


def _everything(result) -> str:
    return repr([e.to_json(materialize=True) for e in result.events])


REFUSALS = {
    "xxe": "the DOCTYPE declares entities",
    "billion_laughs": "the DOCTYPE declares entities",
    "huge": f"reply larger than {MAX_RESPONSE_BYTES} bytes",
    "truncated": "connection cut mid-reply",
}


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_hostile_reply_until_the_retry_cap_fails_with_a_clear_error(kind, sb, cfg, detector):
    sb.xxe_target = str(detector.path)
    order_id = next(iter(sb.orders))
    sb.inject_fault(kind, MAX_RETRIES + 1, "GetOrder")
    started = time.monotonic()
    result = _get_order(cfg, order_id)
    assert time.monotonic() - started < 30
    assert len(result.errors) == 1, result.events
    error = result.errors[0]
    assert error["type"] == "TransportError"
    assert REFUSALS[kind] in error["message"] and "GetOrder" in error["message"]
    assert not result.data
    served = [r for r in sb.requests if r["action"] == "GetOrder"]
    assert [r["fault"] for r in served] == [kind] * (MAX_RETRIES + 1)  # retried up to the cap, no further
    assert not detector.opened and CANARY not in _everything(result)


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_one_hostile_reply_is_retried_and_nothing_is_lost(kind, sb, cfg, detector):
    sb.xxe_target = str(detector.path)
    order_id = next(iter(sb.orders))
    sb.inject_fault(kind, 1, "GetOrder")
    result = _get_order(cfg, order_id)
    assert result.ok, result.errors
    [message] = result.data
    assert [o["AmazonOrderId"] for o in message.body["orders"]] == [order_id]
    assert CANARY not in _everything(result) and not detector.opened


def test_a_200_mb_reply_is_cut_off_at_the_cap_with_memory_bounded(sb, cfg):
    order_id = next(iter(sb.orders))
    sb.inject_fault("huge", 2, "GetOrder")
    tracemalloc.start()
    try:
        result = _get_order(cfg, order_id)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok, result.errors  # two refusals, then the real reply
    assert HUGE_BYTES >= 3 * MAX_RESPONSE_BYTES  # the reply really is far over the cap ...
    assert peak < 1.5 * MAX_RESPONSE_BYTES, f"peak {peak / 2**20:.0f} MB"  # ... and was never held whole


def test_the_sandbox_streams_200_mb_with_its_announced_length(sb, cfg):
    """The 'huge' fault is what it says: a 200 MB body announced in Content-Length (read raw here)."""
    import requests

    from amazon_mws.mws.credentials import Credentials
    from amazon_mws.mws.signing import signed_query

    sb.inject_fault("huge", 1)
    creds = Credentials.from_config(cfg)
    params = {"AWSAccessKeyId": creds.access_key_id, "Action": "GetServiceStatus", "SellerId": creds.seller_id,
              "SignatureMethod": "HmacSHA256", "SignatureVersion": "2", "Version": "2013-09-01",
              "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "MWSAuthToken": creds.mws_auth_token}
    host = sb.endpoint.split("//", 1)[1]
    body = signed_query("POST", host, "/Orders/2013-09-01", params, creds.secret_key)
    with requests.post(f"{sb.endpoint}/Orders/2013-09-01", data=body, stream=True, timeout=30,
                       headers={"Content-Type": "application/x-www-form-urlencoded"}) as resp:
        assert int(resp.headers["Content-Length"]) >= HUGE_BYTES - 2**20
        got = sum(len(chunk) for chunk in resp.iter_content(4 * 2**20))
    assert got == int(resp.headers["Content-Length"])


# -- documents no sandbox fault serves, straight to the parser -----------------------------------------


def _xxe(path: Path, encoding: str = "utf-8") -> bytes:
    decl = f'<?xml version="1.0" encoding="{encoding.upper()}"?>'
    text = f'{decl}<!DOCTYPE r [<!ENTITY x SYSTEM "file://{path}">]><r><a>&x;</a></r>'
    return text.encode(encoding)


def _laughs(encoding: str = "utf-8") -> bytes:
    pairs = zip("abcdefgh", "bcdefghi", strict=True)
    ents = '<!ENTITY a "lol">' + "".join(f'<!ENTITY {n} "{f"&{p};" * 10}">' for p, n in pairs)
    return f'<?xml version="1.0" encoding="{encoding.upper()}"?><!DOCTYPE r [{ents}]><r>&i;</r>'.encode(encoding)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p: _xxe(p), id="external-entity"),
        pytest.param(lambda p: _laughs(), id="billion-laughs"),
        pytest.param(
            lambda p: f'<!DOCTYPE r [<!ENTITY % e SYSTEM "file://{p}"> %e;]><r/>'.encode(), id="parameter-entity"
        ),
        pytest.param(lambda p: b"<r><a>unclosed</r>", id="malformed"),
        pytest.param(lambda p: b"", id="empty"),
    ],
)
def test_parser_refuses_hostile_utf8_documents(make, detector):
    with pytest.raises(XmlError) as refused:
        parse_xml(make(detector.path))
    assert str(refused.value).startswith(("refused XML:", "malformed XML:"))
    assert not detector.opened


def test_parser_refuses_an_oversized_document_before_parsing():
    with pytest.raises(XmlError, match=r"refused XML: \d+ bytes is over the 1024-byte limit"):
        parse_xml(b"<r>" + b"x" * 2048 + b"</r>", max_bytes=1024)


def test_xinclude_is_not_processed(detector):
    doc = f'<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file://{detector.path}" parse="text"/></r>'
    parsed = parse_document(doc.encode())
    assert CANARY not in repr(parsed) and not detector.opened


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
@pytest.mark.parametrize("kind", ["external-entity", "billion-laughs"])
def test_entities_in_other_encodings_expand_nothing_and_read_nothing(kind, encoding, detector):
    """The entity scan looks for ASCII bytes; in UTF-16/32 it sees none. libxml2's own switches still
    hold: nothing is read or expanded (what the parser returns, if anything, is checked below)."""
    data = _xxe(detector.path, encoding) if kind == "external-entity" else _laughs(encoding)
    with contextlib.suppress(XmlError):
        root = parse_xml(data)
        assert CANARY not in "".join(root.itertext()) and "lollol" not in "".join(root.itertext())
    assert not detector.opened


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_entities_in_other_encodings_are_refused_with_a_clear_error(encoding, detector):
    """Today such a document parses and the typed model then crashes on the entity node
    (AttributeError): not a clear error."""
    with pytest.raises(XmlError, match="refused XML"):
        parse_document(_xxe(detector.path, encoding))


def test_an_external_dtd_is_neither_read_nor_accepted(detector):
    with contextlib.suppress(XmlError):
        parse_xml(f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "file://{detector.path}"><r/>'.encode())
    assert not detector.opened


def test_the_file_read_detector_notices_a_read(detector):
    """The detector is not vacuous: an ordinary open-and-read is seen (and gets the canary)."""
    assert not detector.opened
    assert detector.path.read_text() == CANARY
    assert detector.opened
