"""Secrets sealed with Fernet before they reach Redis: round trips, rotation, refusals that name the setting."""

from __future__ import annotations

import base64
import json

import pytest

from amazon_mws.runtime import sealing
from amazon_mws.runtime.sealing import KEY_ENV, SealingError

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    value = sealing.new_key()
    monkeypatch.setenv(KEY_ENV, value)
    return value


def test_a_sealed_value_hides_the_secret_in_every_spelling_and_opens_again(key: str) -> None:
    sealed = sealing.seal(SECRET)
    assert sealed.startswith("sealed:v1:")
    for spelling in (SECRET, base64.b64encode(SECRET.encode()).decode(), SECRET.encode().hex(), "MDENG"):
        assert spelling not in sealed
    assert sealing.unseal(sealed) == SECRET
    assert sealing.seal(sealed) == sealed  # sealing twice changes nothing


def test_fields_are_sealed_by_name_at_any_depth_and_the_rest_is_untouched(key: str) -> None:
    cfg = {"sellerId": "A1", "secretKey": SECRET, "sink": {"headers": {"Authorization": "Bearer T0K3N-123"}},
           "list": [{"refreshToken": "Atzr|abcdef"}], "count": 3}
    sealed = sealing.seal_fields(cfg, {"secretKey", "Authorization", "refreshToken"})
    text = json.dumps(sealed)
    assert SECRET not in text and "T0K3N-123" not in text and "Atzr|abcdef" not in text
    assert sealed["sellerId"] == "A1" and sealed["count"] == 3
    assert sealing.unseal_fields(sealed) == cfg
    assert cfg["secretKey"] == SECRET  # the input is not modified


def test_everything_under_a_whole_key_is_sealed_whatever_its_name(key: str) -> None:
    spec = {"sink": {"type": "webhook", "url": "http://127.0.0.1:9/x",
                     "headers": {"X-Custom-Auth": "h3ader-s3cret", "Content-Type": "application/json"}},
            "credentials": {"secretKey": SECRET, "sellerId": "A1"}}
    sealed = sealing.seal_fields(spec, {"secretKey"}, whole=("headers",))
    headers = sealed["sink"]["headers"]
    assert all(sealing.is_sealed(v) for v in headers.values())  # any header may carry a credential
    assert sealed["sink"]["url"] == "http://127.0.0.1:9/x" and sealed["credentials"]["sellerId"] == "A1"
    assert sealing.is_sealed(sealed["credentials"]["secretKey"])
    assert sealing.unseal_fields(sealed) == spec


def test_rotation_new_key_first_old_values_still_open_and_reseal_moves_them(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    old_sealed = sealing.seal(SECRET)
    new = sealing.new_key()
    monkeypatch.setenv(KEY_ENV, f"{new},{key}")
    assert sealing.unseal(old_sealed) == SECRET
    moved = sealing.reseal(old_sealed)
    monkeypatch.setenv(KEY_ENV, new)  # the old key dropped
    assert sealing.unseal(moved) == SECRET
    with pytest.raises(SealingError, match=KEY_ENV):
        sealing.unseal(old_sealed)


def test_without_a_key_nothing_secret_is_sealed_in_clear_and_the_error_names_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(SealingError, match=f"{KEY_ENV}: is not set"):
        sealing.seal(SECRET)
    with pytest.raises(SealingError, match=KEY_ENV):
        sealing.seal_fields({"secretKey": SECRET}, {"secretKey"})
    assert sealing.seal_fields({"sellerId": "A1"}, {"secretKey"}) == {"sellerId": "A1"}  # nothing to seal
    monkeypatch.setenv(KEY_ENV, "not-a-key")
    with pytest.raises(SealingError, match="not a list of Fernet keys"):
        sealing.seal(SECRET)


def test_clear_values_written_before_sealing_pass_through(key: str) -> None:
    assert sealing.unseal_fields({"secretKey": SECRET}) == {"secretKey": SECRET}
    assert sealing.unseal(SECRET) == SECRET


def test_a_run_without_redis_does_not_import_cryptography():
    """Sealing imports cryptography only when a key is made or used: the trigger's modules load without it
    (about 0.01 s of every CLI start)."""
    import subprocess
    import sys

    code = ("import sys, amazon_mws.backends, amazon_mws.runtime.executor, amazon_mws.runtime.sealing as s; "
            "assert 'cryptography' not in sys.modules, 'imported at start'; "
            "k = s.new_key(); assert s.unseal(s.seal('x', s._keys(k)), s._keys(k)) == 'x'; "
            "assert 'cryptography' in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
