"""One reader for numbers from the environment: the variable, the value and the rule in every refusal."""

from __future__ import annotations

import pytest

from amazon_mws.core.quotas import time_scale_from_env
from amazon_mws.runtime.batching import window_from_env
from amazon_mws.runtime.settings import env_number


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_unset_or_blank_is_the_default(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv("SOME_SECONDS", raising=False)
    else:
        monkeypatch.setenv("SOME_SECONDS", raw)
    assert env_number("SOME_SECONDS", 2.5) == 2.5


@pytest.mark.parametrize(("raw", "kwargs", "message"), [
    ("30s", {}, "SOME_SECONDS: '30s' is not a number"),
    ("nan", {}, "SOME_SECONDS: 'nan' is not a number"),
    ("-1", {}, "SOME_SECONDS: '-1' is less than the minimum 0"),
    ("0", {"minimum": 0, "inclusive": False}, "SOME_SECONDS: '0' must be greater than 0"),
    ("0.05", {"minimum": 0.1}, "SOME_SECONDS: '0.05' is less than the minimum 0.1"),
])
def test_a_bad_value_names_the_variable_and_the_rule(monkeypatch, raw, kwargs, message):
    monkeypatch.setenv("SOME_SECONDS", raw)
    with pytest.raises(ValueError) as caught:
        env_number("SOME_SECONDS", 1.0, **kwargs)
    assert str(caught.value) == message


def test_bounds_are_kept(monkeypatch):
    monkeypatch.setenv("SOME_SECONDS", "0")
    assert env_number("SOME_SECONDS", 1.0, minimum=0) == 0.0
    monkeypatch.setenv("SOME_SECONDS", "1e-3")
    assert env_number("SOME_SECONDS", 1.0, minimum=0, inclusive=False) == 0.001


def test_settings_read_through_it(monkeypatch):
    monkeypatch.setenv("FEED_BATCH_SECONDS", "-2")
    with pytest.raises(ValueError, match="FEED_BATCH_SECONDS: '-2' is less than the minimum 0"):
        window_from_env()
    monkeypatch.setenv("AMAZON_MWS_TIME_SCALE", "0")
    with pytest.raises(ValueError, match="AMAZON_MWS_TIME_SCALE: '0' must be greater than 0"):
        time_scale_from_env()
    monkeypatch.setenv("AMAZON_MWS_TIME_SCALE", "0.5")
    assert time_scale_from_env() == 0.5
