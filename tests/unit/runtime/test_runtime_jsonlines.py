"""The streaming JSON writer: ordinary JSON out, LazyList items written as they are produced."""

from __future__ import annotations

import datetime
import io
import json
import tracemalloc

import pytest

from amazon_mws.runtime.jsonlines import BATCH_CHARS, json_text, write_json, write_line
from amazon_mws.runtime.message import LazyList


def dumps(value) -> str:
    buf = io.StringIO()
    write_json(buf, value)
    return buf.getvalue()


def test_plain_values_are_ordinary_json():
    value = {"a": [1, 2.5, None, True], "é": "ü", "n": {"x": []}}
    assert json.loads(dumps(value)) == value


def test_the_spelling_is_compact_json_whoever_encodes_it():
    """json_text (orjson) spells what json.dumps(..., ensure_ascii=False, separators=(",", ":")) does, the
    values orjson refuses included (they go to json); a non-finite float is null, not json's NaN; what json
    refuses is refused. The walk of a LazyList spells its surroundings the same."""
    value = {"a": [1, 2.5, None, True, 1e16, -0.0], "é": "ü\n\"", "n": {"x": [], "": {}}, "k": "\u2028\x00"}
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    for v in (value, "text", 3, None, [value, value], 2**70, {1: "int key"}):
        assert json_text(v) == json.dumps(v, **compact)
    assert json_text([float("nan"), float("inf")]) == "[null,null]"
    for refused in (datetime.date(2026, 12, 2), datetime.datetime(2026, 12, 2), object()):
        with pytest.raises(TypeError, match="not JSON serializable"):
            json_text({"when": refused})
    lazy = {"body": {"orders": LazyList(lambda: iter([value]), 1), "n": 1}}
    assert dumps(lazy) == json.dumps({"body": {"orders": [value], "n": 1}}, **compact)


def test_lazy_lists_anywhere_are_written_as_arrays():
    lazy = LazyList(lambda: iter([{"id": 1}, {"id": 2}]), 2)
    value = {
        "event": "data",
        "body": {"orders": lazy, "pages": [lazy, []], "empty": LazyList(lambda: iter([]), 0)},
    }
    assert json.loads(dumps(value)) == {
        "event": "data",
        "body": {"orders": [{"id": 1}, {"id": 2}], "pages": [[{"id": 1}, {"id": 2}], []], "empty": []},
    }


class CountingSink:
    """A stream that keeps only a count and the last bytes written (so the test holds no big string)."""

    def __init__(self):
        self.chars = 0
        self.tail = ""

    def write(self, text: str) -> None:
        self.chars += len(text)
        self.tail = (self.tail + text)[-200:]

    def flush(self) -> None:
        pass


def test_fifty_thousand_items_stream_one_at_a_time():
    n = 50_000
    sink = CountingSink()
    produced = [0]

    made = [0]  # characters of the items made so far

    def factory():
        for i in range(n):
            # what was made is out, but for the piece being gathered (at most BATCH_CHARS)
            assert made[0] - sink.chars <= BATCH_CHARS
            produced[0] += 1
            item = {"id": i, "status": "Pending", "pad": "x" * 40}
            made[0] += len(json_text(item)) + 1  # and its comma
            yield item

    lazy = LazyList(factory, n)
    tracemalloc.start()
    try:
        write_line(sink, {"event": "data", "id": "m", "body": {"orders": lazy}, "headers": {}})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert produced[0] == n
    assert sink.tail.endswith('"pad":"' + "x" * 40 + '"}]},"headers":{}}\n')
    assert peak < 500_000, peak  # the 50,000 dicts as a list would be ~10 MB


def test_a_value_json_cannot_hold_is_refused_before_anything_is_written():
    buf = io.StringIO()
    with pytest.raises(TypeError):
        write_json(buf, {"orders": [{"at": datetime.date(2024, 1, 1)}], "n": 1})
    assert buf.getvalue() == ""


def test_items_of_a_lazy_list_holding_lazy_lists_are_walked():
    inner = LazyList(lambda: iter([1, 2]), 2)
    outer = LazyList(lambda: iter([{"pages": inner, "n": "é"}, {"n": None}]), 2)
    assert dumps({"body": outer}) == '{"body":[{"pages":[1,2],"n":"é"},{"n":null}]}'


def test_a_lazy_list_with_texts_is_written_from_them_without_its_items():
    def no_items():
        raise AssertionError("the items were built")

    lazy = LazyList(no_items, 2, lambda: iter(['{"id": 1}', '{"id": 2, "s": "é"}']))
    assert dumps({"orders": lazy, "n": 1}) == '{"orders":[{"id": 1},{"id": 2, "s": "é"}],"n":1}'  # texts as given
    assert dumps(LazyList(no_items, 0, lambda: iter([]))) == "[]"


def test_items_go_out_in_pieces_not_one_write_each():
    """Two writes per item made an unbuffered stdout (PYTHONUNBUFFERED) one system call each."""
    calls: list[int] = []

    class Sink(io.StringIO):
        def write(self, text: str) -> int:
            calls.append(len(text))
            return super().write(text)

    texts = [json_text({"id": i, "pad": "y" * 90}) for i in range(10_000)]
    for lazy in (LazyList(lambda: iter(json.loads(t) for t in texts), len(texts)),
                 LazyList(lambda: iter([]), len(texts), lambda: iter(texts))):
        calls.clear()
        sink = Sink()
        write_json(sink, lazy)
        assert json.loads(sink.getvalue()) == [json.loads(t) for t in texts]
        assert len(calls) <= sum(calls) // BATCH_CHARS + 2


def test_an_event_without_lazy_lists_is_one_write_with_its_newline():
    calls: list[str] = []

    class Sink(io.StringIO):
        def write(self, text: str) -> int:
            calls.append(text)
            return super().write(text)

    write_line(Sink(), {"event": "snapshot", "snapshot": {"cursor": "2026-12-02T00:00:00Z"}})
    assert calls == ['{"event":"snapshot","snapshot":{"cursor":"2026-12-02T00:00:00Z"}}\n']
