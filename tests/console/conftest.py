"""Fixtures for the console: one sandbox and one console per module, one Chromium for the session.

Every page a test opens records the body of every response the browser got; at the end of the test none
may contain a secret of the sandbox's credentials (the console's rule: secrets are write-only).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from amazon_mws.sandbox import Sandbox

from .console_support import TIME_SCALE, TOKEN, RunningConsole, secrets_of, start_console

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(orders=12, seed=21, time_scale=TIME_SCALE, feed_processing_seconds=10) as sb:
        yield sb


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[RunningConsole]:
    running = start_console(tmp_path_factory.mktemp("console"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, console, sandbox):
    """A signed-in page (the token from the console's address, then its cookie); secrets scanned after."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    bodies: list[tuple[str, bytes]] = []

    def keep(response) -> None:
        with contextlib.suppress(Exception):  # a redirect has no body to read
            bodies.append((response.url, response.body()))

    page.on("response", keep)
    page.goto(f"{console.url}/?token={TOKEN}")
    page.console = console
    page.sandbox = sandbox
    yield page
    # captured, so pytest shows it only with a failure: what the console said while the test ran
    print("--- the console's log (stderr), last 4000 characters:\n"
          + console.stderr_path.read_text(errors="replace")[-4000:])
    for url, body in bodies:
        for secret in secrets_of({**sandbox.credentials, **sandbox.sp_credentials}):
            assert secret.encode() not in body, f"a secret was sent to the browser in {url}"
    assert bodies, "the page recorded no response: the scan above checked nothing"
    context.close()
