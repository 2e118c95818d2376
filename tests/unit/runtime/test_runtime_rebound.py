"""The one rebound decision (runtime.rebound) and its settings, against the fixture component's steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from amazon_mws.runtime.executor import run_step
from amazon_mws.runtime.manifest import load_manifest
from amazon_mws.runtime.rebound import Again, GiveUp, ReboundPolicy, decide, run_rebounding
from amazon_mws.runtime.state import MemoryNamespace

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "component"
CFG = {"sellerId": "A1SELLER", "secretKey": "right-secret-key-0001", "marketplaceId": "ATVPDKIKX0DER"}


@pytest.fixture(scope="module")
def manifest():
    return load_manifest(FIXTURE)


def test_delays_double_up_to_the_cap():
    policy = ReboundPolicy(initial=1.0, max_delay=5.0, max_retries=10)
    assert [policy.delay(n) for n in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_policy_from_env_defaults_and_values(monkeypatch):
    for name in ("REBOUND_INITIAL_DELAY", "REBOUND_MAX_DELAY", "REBOUND_MAX_RETRIES"):
        monkeypatch.delenv(name, raising=False)
    assert ReboundPolicy.from_env() == ReboundPolicy(1.0, 60.0, 10)
    monkeypatch.setenv("REBOUND_INITIAL_DELAY", "0.01")
    monkeypatch.setenv("REBOUND_MAX_DELAY", "")
    monkeypatch.setenv("REBOUND_MAX_RETRIES", "2")
    assert ReboundPolicy.from_env() == ReboundPolicy(0.01, 60.0, 2)


@pytest.mark.parametrize(("name", "raw", "message"), [
    ("REBOUND_INITIAL_DELAY", "soon", "REBOUND_INITIAL_DELAY: 'soon' is not a number"),
    ("REBOUND_MAX_DELAY", "-1", "REBOUND_MAX_DELAY: '-1' is less than the minimum 0"),
    ("REBOUND_MAX_RETRIES", "2.5", "REBOUND_MAX_RETRIES: '2.5' is not a whole number"),
    ("REBOUND_MAX_RETRIES", "-3", "REBOUND_MAX_RETRIES: '-3' is less than the minimum 0"),
])
def test_bad_settings_name_the_variable_and_the_rule(monkeypatch, name, raw, message):
    monkeypatch.setenv(name, raw)
    with pytest.raises(ValueError) as info:
        ReboundPolicy.from_env()
    assert str(info.value) == message


def test_decide_again_until_the_limit_then_give_up(manifest):
    policy = ReboundPolicy(initial=0.5, max_delay=60.0, max_retries=2)
    result = run_step("alwaysRebound", CFG, {}, state_namespace=MemoryNamespace(), manifest=manifest)
    assert decide(result, 0, policy) == Again(0.5, 1)
    assert decide(result, 1, policy) == Again(1.0, 2)
    gave_up = decide(result, 2, policy)
    assert gave_up == GiveUp({
        "type": "ReboundLimitError",
        "message": "alwaysRebound: rebounded 2 times (REBOUND_MAX_RETRIES=2); giving up (raise REBOUND_MAX_RETRIES "
                   "to wait longer); last reason: never ready (try 1)",
    })
    assert isinstance(gave_up, GiveUp)
    event = gave_up.apply(result)
    assert [e.kind for e in result.events] == ["updateSnapshot", "rebound", "error", "end"]
    assert result.events[2] is event and result.errors == [gave_up.error] and not result.ok


def test_no_decision_for_a_run_without_rebound_or_with_an_error(manifest):
    policy = ReboundPolicy(max_retries=0)
    done = run_step("echoOrders", CFG, {"amazonOrderIds": ["123-1234567-1234567"]}, manifest=manifest)
    failed = run_step("explode", CFG, {}, manifest=manifest)
    assert done.ok and not failed.ok
    assert decide(done, 5, policy) is None and decide(failed, 5, policy) is None


def test_run_rebounding_sleeps_each_delay_counts_attempts_and_ends_with_the_error(manifest):
    ns = MemoryNamespace()
    slept: list[float] = []
    given_up = []
    result = run_rebounding(
        lambda n: run_step("alwaysRebound", CFG, {}, state_namespace=ns, manifest=manifest, attempt=n),
        ReboundPolicy(initial=0.25, max_delay=0.5, max_retries=3), sleep=slept.append, on_give_up=given_up.append,
    )
    assert slept == [0.25, 0.5, 0.5]
    assert ns.load() == {"tries": 4, "attempts": [0, 1, 2, 3]}  # ctx.attempt is the rebound count
    assert result.errors[0]["type"] == "ReboundLimitError" and "rebounded 3 times" in result.errors[0]["message"]
    assert [e.error for e in given_up] == result.errors


def test_run_rebounding_returns_the_run_that_stopped_rebounding(manifest):
    ns = MemoryNamespace()
    result = run_rebounding(
        lambda n: run_step("flaky", CFG, {"succeedOn": 3}, state_namespace=ns, manifest=manifest, attempt=n),
        ReboundPolicy(initial=0.0, max_retries=5), sleep=lambda s: None,
    )
    assert result.ok and result.data[0].body == {"tries": 3} and ns.load()["attempts"] == [0, 1, 2]
