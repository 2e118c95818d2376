"""A streaming JSON writer: one event per line, LazyList bodies written item by item.

``json.dumps`` needs the whole value in memory; a trigger's 100,000 orders behind a ``LazyList`` must not
be. This writer walks dicts and lists itself and, at a LazyList, writes ``[``, then each item as it is
produced, then ``]``. Everything else is spelled by ``json_text``, so the output is ordinary JSON.

A LazyList that has its items as JSON texts already (``LazyList.texts``: the SQLite store keeps them so)
is written text by text, without decoding and encoding each item again.

A value is first handed to ``json_text`` whole: it refuses a LazyList (a TypeError) before anything is
written, and only then is the value searched for one and walked. Searching each of 100,000 order dicts
for a LazyList first cost more than writing them.

The spelling is compact (no spaces after ``,`` and ``:``, UTF-8 as is) and comes from orjson, which
encodes a page of 100 orders in an eighth of the time of the standard library's C encoder: the orders
trigger encodes every order it gathers once, as it stores the page, and that was a tenth of its CPU.
What orjson refuses or would spell differently from ``json`` goes to ``json`` with the same compact
separators: integers past 64 bits, keys that are not strings (spelled as ``json`` does, as strings),
datetimes and dataclasses (refused, as ``json`` refuses them). One difference is kept: a float NaN or
infinity is spelled ``null``, which is JSON, where ``json`` writes ``NaN``, which is not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TextIO

import orjson

from amazon_mws.runtime.interrupts import shielded
from amazon_mws.runtime.message import LazyList

# json.dumps with options builds a new encoder on every call; one encoder, made once, for what orjson refuses
_FALLBACK = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_text(value: Any) -> str:
    """How this writer spells one value (a store keeping JSON texts for a LazyList spells them the same);
    a TypeError for what JSON cannot hold (a LazyList among it)."""
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is one: what it refuses, json may still spell (or refuse)
        return _FALLBACK.encode(value)


_dumps = json_text


def write_json(stream: TextIO, value: Any) -> None:
    """Write ``value`` as JSON to ``stream`` without building LazyList contents in memory."""
    if isinstance(value, LazyList):
        texts = value.texts()
        _write_items(stream, value) if texts is None else _write_texts(stream, texts)
        return
    try:
        text = _dumps(value)
    except TypeError:  # a LazyList inside, or a value JSON cannot hold (refused before anything is written)
        if not _contains_lazy(value):
            raise
        if isinstance(value, dict):
            _write_object(stream, value)
        else:
            _write_items(stream, value)
    else:
        stream.write(text)


def _contains_lazy(value: Any) -> bool:
    if isinstance(value, LazyList):
        return True
    if isinstance(value, dict):
        return any(_contains_lazy(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_lazy(v) for v in value)
    return False


class _Pieces:
    """Text for the stream, written in pieces of about BATCH_CHARS: one write per piece, not two per item
    (stdout is often unbuffered, PYTHONUNBUFFERED as in our Dockerfile, and then each write is a system
    call). Holds at most one piece."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.parts: list[str] = []
        self.size = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= BATCH_CHARS:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.stream.write("".join(self.parts))
            self.parts, self.size = [], 0


BATCH_CHARS = 1 << 16


def _write_items(stream: TextIO, items: Any) -> None:
    _write_array(stream, items, _text_or_none)


def _write_texts(stream: TextIO, texts: Any) -> None:
    _write_array(stream, texts, str)


def _text_or_none(item: Any) -> str | None:
    try:
        return _dumps(item)
    except TypeError:  # a LazyList inside (or a value JSON cannot hold): written by the walk itself
        return None


def _write_array(stream: TextIO, values: Any, text_of: Callable[[Any], str | None]) -> None:
    """A JSON array in pieces of about BATCH_CHARS, one write each; a value ``text_of`` cannot spell
    (None) is written by ``write_json`` in between."""
    out = _Pieces(stream)
    out.add("[")
    for index, value in enumerate(values):
        if index:
            out.add(",")
        text = text_of(value)
        if text is None:
            out.flush()
            write_json(stream, value)
        else:
            out.add(text)
    out.add("]")
    out.flush()


def _write_object(stream: TextIO, value: dict[str, Any]) -> None:
    stream.write("{")
    for index, (key, item) in enumerate(value.items()):
        if index:
            stream.write(",")
        stream.write(_dumps(str(key)))
        stream.write(":")
        write_json(stream, item)
    stream.write("}")


def write_line(stream: TextIO, value: Any) -> None:
    """One JSON document and a newline, flushed (a reader sees each event as it happens); a document
    without a LazyList goes out in one write with its newline. Ctrl-C waits for the newline
    (runtime.interrupts), so stdout always ends at a line boundary."""
    with shielded():
        try:
            text = _dumps(value)
        except TypeError:  # a LazyList inside (or a value JSON cannot hold: write_json says which)
            write_json(stream, value)
            stream.write("\n")
        else:
            stream.write(text + "\n")
        stream.flush()
