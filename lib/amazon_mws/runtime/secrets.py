"""Keeping secrets (secret keys, auth tokens, refresh tokens) out of logs and error messages.

Secrets are collected from a cfg by what the manifest says about its fields (``PasswordFieldView``) plus a
fixed list of names the Amazon APIs use for secrets, and registered with a process-wide redactor. The
redactor rewrites every occurrence as ``***`` in log records (``SecretsFilter`` sits on the handlers the
runtime installs) and in the error messages the runtime emits. Values shorter than ``MIN_SECRET_LENGTH``
are not redacted: replacing every "a" in the output would destroy it and such a value protects nothing.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any, TextIO
from urllib.parse import quote, quote_plus, urlsplit

SECRET_NAMES = frozenset({"secretKey", "mwsAuthToken", "MWSAuthToken", "lwaClientSecret", "refreshToken"})
PASSWORD_VIEW = "PasswordFieldView"
MIN_SECRET_LENGTH = 4
MASK = "***"


class Redactor:
    """A set of secret strings and the function that masks them in text.

    Two nets: every registered value is masked wherever it appears, and, for text written by code that
    never saw our cfg (Celery's own debug lines print task arguments), any value written right after a
    secret field's name (``'secretKey': '...'``, ``"mwsAuthToken": "..."``, ``refreshToken=...``).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self._names: set[str] = set(SECRET_NAMES)
        self._pattern = _name_pattern(self._names)

    def add_names(self, names: Iterable[str]) -> None:
        with self._lock:
            new = self._names | {n for n in names if n}
            if new != self._names:
                self._names = new
                self._pattern = _name_pattern(new)

    def add(self, values: Iterable[Any]) -> None:
        raw = {v for v in values if isinstance(v, str) and len(v) >= MIN_SECRET_LENGTH}
        # A secret also travels percent-encoded (a signed query string: urllib3 logs the request line at
        # DEBUG) and JSON-escaped: mask those spellings too.
        new = {
            form
            for v in raw
            for form in (v, quote(v, safe="-_.~"), quote(v), quote_plus(v), v.replace("/", "\\/"))
        }
        if not new:
            return
        with self._lock:
            merged = set(self._secrets) | new
            # Longest first, so a secret containing another is masked whole.
            self._secrets = tuple(sorted(merged, key=len, reverse=True))

    def clear(self) -> None:
        with self._lock:
            self._secrets = ()

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return self._pattern.sub(lambda m: m.group(1) + MASK, text)

    def __len__(self) -> int:
        return len(self._secrets)

    def __repr__(self) -> str:  # never show what it holds
        return f"Redactor({len(self._secrets)} secrets)"


def _name_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """A quoted name and ``:`` (a dict repr, JSON) or a bare ``name=``, then the value (group 2).

    Prose such as ``cfg.secretKey: is required`` does not match: the name must be quoted before ``:``.
    """
    alt = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    return re.compile(
        rf"""((?:\\?["'](?:{alt})\\?["']\s*:\s*|\b(?:{alt})=)(?:\\?["'])?)"""
        rf"""((?<=["'])[^"'\\]*|(?<!["'])[^\s,}}&"'\\]+)"""
    )


REDACTOR = Redactor()


def secret_field_names(fields: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Names of fields the manifest declares secret (password views) plus the well-known secret names."""
    names = set(SECRET_NAMES)
    for name, spec in fields.items():
        if isinstance(spec, Mapping) and spec.get("viewClass") == PASSWORD_VIEW:
            names.add(name)
    return names


def collect_secrets(cfg: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]] | None = None) -> list[str]:
    """The secret values in ``cfg`` (top level and one level of nesting, e.g. an ``oauth`` object)."""
    names = secret_field_names(fields or {})
    found: list[str] = []

    def walk(obj: Mapping[str, Any], depth: int) -> None:
        for key, value in obj.items():
            if key in names and isinstance(value, str):
                found.append(value)
            elif isinstance(value, Mapping) and depth < 2:
                walk(value, depth + 1)

    walk(cfg, 0)
    return found


def register_cfg(cfg: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Make the process-wide redactor mask this cfg's secrets (and its secret field names) from now on."""
    REDACTOR.add_names(secret_field_names(fields or {}))
    REDACTOR.add(collect_secrets(cfg, fields))


class RedactingStream:
    """A text stream wrapper that masks secrets: where a step's print() goes (stderr in the CLI)."""

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(REDACTOR.redact(text))
        return len(text)

    def flush(self) -> None:
        self._target.flush()


def redact(text: str) -> str:
    return REDACTOR.redact(text)


def mask_url(url: str) -> str:
    """A URL as it may be printed: scheme, host and port; the path, query and any user info masked.

    Webhook URLs often carry their token in the path (`/services/T0K3N`) or the query (`?key=...`), and the
    host alone is what an operator needs to tell two sinks apart."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    path = "" if parts.path in ("", "/") else "/" + MASK
    query = "?" + MASK if parts.query else ""
    return f"{parts.scheme}://{host}{port}{path}{query}" if parts.scheme else MASK


def register_url(url: str) -> None:
    """Make the redactor mask this URL's path, query and user info wherever they appear (a library's error
    message that quotes the URL, a log line): what `mask_url` hides when we print it ourselves."""
    try:
        parts = urlsplit(url)
    except ValueError:
        REDACTOR.add([url])
        return
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    REDACTOR.add([v for v in (tail if tail not in ("", "/") else "", parts.query, parts.password or "",
                              parts.username or "") if v])


class SecretsFilter(logging.Filter):
    """Rewrites a record's message (and its formatted traceback) with secrets masked.

    Put it on handlers, not loggers: a logger's filters skip records propagated from child loggers.
    """

    def __init__(self, redactor: Redactor | None = None):
        super().__init__()
        self.redactor = redactor or REDACTOR

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the raw text, still masked
            message = str(record.msg)
        record.msg = self.redactor.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True
