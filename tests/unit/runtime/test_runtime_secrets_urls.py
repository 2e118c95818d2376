"""Webhook URLs printed with their tokens masked (path, query, user info), and masked where others print them."""

from __future__ import annotations

import uuid

import pytest

from amazon_mws.runtime import secrets
from amazon_mws.runtime.secrets import mask_url, register_url


@pytest.mark.parametrize(("url", "shown"), [
    ("https://hooks.example/services/T0K3N", "https://hooks.example/***"),
    ("http://127.0.0.1:8080/hook?key=s3cr3tvalue", "http://127.0.0.1:8080/***?***"),
    ("https://user:p4ssw0rd@hooks.example/", "https://hooks.example"),
    ("http://[::1]:9000/x", "http://[::1]:9000/***"),
    ("https://hooks.example", "https://hooks.example"),
    ("not a url", "***"),
])
def test_mask_url_keeps_only_what_tells_sinks_apart(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_a_registered_url_is_masked_in_text_written_by_others() -> None:
    # the redactor is process-wide and other tests register URLs too: this one's token is its own
    token, sig = f"Z{uuid.uuid4().hex}Z", f"Q{uuid.uuid4().hex}Q"  # no prefix another URL could share
    url = f"https://hooks.example/services/{token}?sig={sig}"
    line = ("HTTPSConnectionPool(host='hooks.example', port=443): Max retries exceeded with url: "
            f"/services/{token}?sig={sig} (Caused by ...)")
    assert token in secrets.redact(line)  # not known yet
    register_url(url)
    masked = secrets.redact(line)
    assert token not in masked and sig not in masked
    assert "hooks.example" in masked
