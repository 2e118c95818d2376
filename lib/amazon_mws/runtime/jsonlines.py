"""A streaming JSON writer: one event per line, LazyList bodies written item by item.

``json.dumps`` needs the whole value in memory; a trigger's 100,000 orders behind a ``LazyList`` must not
be. This writer walks dicts and lists itself and, at a LazyList, writes ``[``, then each item as it is
produced, then ``]``. Everything else goes through ``json.dumps`` so the output is ordinary JSON.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from amazon_mws.runtime.message import LazyList


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _contains_lazy(value: Any) -> bool:
    if isinstance(value, LazyList):
        return True
    if isinstance(value, dict):
        return any(_contains_lazy(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_lazy(v) for v in value)
    return False


def write_json(stream: TextIO, value: Any) -> None:
    """Write ``value`` as JSON to ``stream`` without building LazyList contents in memory."""
    if isinstance(value, LazyList) or (isinstance(value, (list, tuple)) and _contains_lazy(value)):
        stream.write("[")
        for index, item in enumerate(value):
            if index:
                stream.write(", ")
            write_json(stream, item)
        stream.write("]")
    elif isinstance(value, dict) and _contains_lazy(value):
        stream.write("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                stream.write(", ")
            stream.write(_dumps(str(key)))
            stream.write(": ")
            write_json(stream, item)
        stream.write("}")
    else:
        stream.write(_dumps(value))


def write_line(stream: TextIO, value: Any) -> None:
    """One JSON document and a newline, flushed (a reader sees each event as it happens)."""
    write_json(stream, value)
    stream.write("\n")
    stream.flush()
