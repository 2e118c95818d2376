"""The hardening suite's fixtures, and its secrets scan over every byte the suite's runs print.

Every test here uses the same distinctive credentials (`SECRETS`: a secret key, an MWS auth token, an
LWA client secret and refresh token, each with characters that URL- and JSON-encoding change). Three
nets catch a leak:

- an autouse fixture puts the root logger at DEBUG with an unfiltered handler for the test, so a secret
  in any record (before the runtime's redacting filter) fails the test; it also reads the test's captured
  stdout/stderr (capfd) and every CLI run's output (`cli` records them);
- a report hook scans each test's captured sections (stdout, stderr, log), failing tests included;
- `pytest_sessionfinish` repeats the scan over everything collected and fails the session on a leak.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hardening_support import AMAZON_MWS, CREDS, TIME_SCALE, leaks

from amazon_mws.sandbox import Sandbox

SEEN: list[tuple[str, str]] = []  # (where, text) for the session-wide scan


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception as exc:  # a record that cannot be formatted is itself worth seeing
            self.lines.append(f"unformattable record {record.msg!r}: {exc}")


@pytest.fixture(autouse=True)
def no_secret_leaks(capfd: pytest.CaptureFixture[str]) -> Iterator[None]:
    """DEBUG logging for the test; afterwards, no secret in any record, in stdout/stderr or CLI output."""
    handler = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    start = len(SEEN)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    out, err = capfd.readouterr()
    sys.stdout.write(out)
    sys.stderr.write(err)
    texts = [("log records", "\n".join(handler.lines)), ("stdout", out), ("stderr", err), *SEEN[start:]]
    SEEN.append(("log records", "\n".join(handler.lines)))
    SEEN.extend([("stdout", out), ("stderr", err)])
    found = {where: leaks(text) for where, text in texts if leaks(text)}
    assert not found, f"secrets leaked: {found}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    # Captured stdout, stderr and log sections: what the code printed and logged. (Not the failure text:
    # pytest shows a failing frame's arguments there, and a test's own cfg holds the secrets.)
    text = "\n".join(content for _, content in report.sections)
    found = leaks(text)
    if found:
        SEEN.append((f"report of {item.nodeid}", text))
        if report.passed:
            report.outcome = "failed"
            report.longrepr = f"secrets {found} in the captured output or report of this test"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    found = {where: leaks(text) for where, text in SEEN if leaks(text)}
    if found:
        sys.stderr.write(f"\nhardening: secrets leaked somewhere in the run: {found}\n")
        session.exitstatus = 1


@pytest.fixture(scope="module", autouse=True)
def _compressed_time() -> Iterator[None]:
    """Client side of the time compression, set before any limiter is built, and undone after each
    module (the other test folders run in the same process and expect their own settings)."""
    from amazon_mws import backends
    from amazon_mws.core import limiter

    saved = {k: os.environ.get(k) for k in ("AMAZON_MWS_TIME_SCALE", "RESPONSE_CHECK_DELAY", "REDIS_URL")}
    os.environ["AMAZON_MWS_TIME_SCALE"] = str(TIME_SCALE)
    os.environ["RESPONSE_CHECK_DELAY"] = "20"
    os.environ.pop("REDIS_URL", None)
    limiter._SHARED.clear()
    backends.shared_limiter.cache_clear()
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    limiter._SHARED.clear()
    backends.shared_limiter.cache_clear()


@pytest.fixture(scope="module")
def sandbox(_compressed_time: None) -> Iterator[Sandbox]:
    """One sandbox per module (250 orders), speaking MWS and SP-API with `CREDS`."""
    with Sandbox(orders=250, seed=11, time_scale=TIME_SCALE, feed_processing_seconds=2.0, credentials=CREDS) as sb:
        yield sb


@pytest.fixture
def sb(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The suite's sandbox, no faults pending before or after the test, its request log emptied. (Tests that
    move the clock make their own sandbox: this one's clock must stay with the client's.)"""
    sandbox.faults.clear()
    sandbox.reset_log()
    yield sandbox
    sandbox.faults.clear()


@pytest.fixture
def cfg(sb: Sandbox) -> dict[str, str]:
    return {**sb.credentials}


@pytest.fixture
def cli(tmp_path: Path):
    """Run `amazon-mws ...` with LOG_LEVEL=DEBUG; every byte it prints is kept for the secrets scan."""

    def run(
        *args: object, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        child = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        child.update(
            {
                "LOG_LEVEL": "DEBUG",
                "AMAZON_MWS_TIME_SCALE": str(TIME_SCALE),
                "RESPONSE_CHECK_DELAY": "20",
                "AMAZON_MWS_STATE_PATH": str(tmp_path / "state.sqlite3"),
            }
        )
        child.update(env or {})
        proc = subprocess.run(
            [str(AMAZON_MWS), *map(str, args)], input=input, capture_output=True, text=True, env=child, timeout=timeout
        )
        SEEN.append((f"amazon-mws {' '.join(map(str, args[:2]))} stdout", proc.stdout))
        SEEN.append((f"amazon-mws {' '.join(map(str, args[:2]))} stderr", proc.stderr))
        return proc

    return run
