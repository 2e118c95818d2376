"""Webhook URLs printed with their tokens masked (path, query, user info), and masked where others print them."""

from __future__ import annotations

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
    url = "https://hooks.example/services/T0K3N-abcdef?sig=QWERTYUIOP"
    line = ("HTTPSConnectionPool(host='hooks.example', port=443): Max retries exceeded with url: "
            "/services/T0K3N-abcdef?sig=QWERTYUIOP (Caused by ...)")
    assert "T0K3N-abcdef" in secrets.redact(line)  # not known yet
    register_url(url)
    masked = secrets.redact(line)
    assert "T0K3N-abcdef" not in masked and "QWERTYUIOP" not in masked
    assert "hooks.example" in masked
