"""The secrets filter: values of secret fields never reach logs or error text."""

from __future__ import annotations

import io
import logging
import sys

from amazon_mws.runtime.secrets import MASK, Redactor, SecretsFilter, collect_secrets, secret_field_names

FIELDS = {
    "sellerId": {"viewClass": "TextFieldView"},
    "apiPin": {"viewClass": "PasswordFieldView"},
}


def test_secret_fields_are_password_views_and_well_known_names():
    names = secret_field_names(FIELDS)
    assert {"apiPin", "secretKey", "mwsAuthToken", "lwaClientSecret", "refreshToken"} <= names
    assert "sellerId" not in names


def test_collect_secrets_reads_cfg_and_one_nested_level():
    cfg = {
        "sellerId": "SELLER",
        "apiPin": "9876",
        "secretKey": "sk-123456",
        "oauth": {"refreshToken": "rt-abcdef"},
    }
    assert sorted(collect_secrets(cfg, FIELDS)) == ["9876", "rt-abcdef", "sk-123456"]


def test_redactor_masks_longest_first_and_ignores_tiny_values():
    r = Redactor()
    r.add(["abcd", "abcdefgh", "xy", None, 12345])
    assert r.redact("k=abcdefgh p=abcd q=xy") == f"k={MASK} p={MASK} q=xy"
    assert "abcd" not in repr(r)


def test_filter_masks_message_args_and_traceback():
    r = Redactor()
    r.add(["TOPSECRET-1"])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretsFilter(r))
    logger = logging.getLogger("test.runtime.secrets")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("key %s in %r", "TOPSECRET-1", {"k": "TOPSECRET-1"})
        try:
            raise ValueError("boom TOPSECRET-1")
        except ValueError:
            logger.exception("failed")
        logger.warning("stack", stack_info=True, extra={})
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "TOPSECRET-1" not in text
    assert "key *** in {'k': '***'}" in text and "ValueError: boom ***" in text
    assert sys.exc_info() == (None, None, None)
