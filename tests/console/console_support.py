"""Starting `amazon-mws console` as users do (the installed CLI, a subprocess), and looking at its pages.

The console runs with time compressed like the sandbox (quota restores, feed processing), its own
workspace and state file, and no REDIS_URL: everything in one process, as a designer first meets it.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from testsupport import AMAZON_MWS_BIN, SHARED_AMAZON

TIME_SCALE = 0.01
TOKEN = "console-test-token-0123456789"
SECRET_KEYS = ("secretKey", "mwsAuthToken", "lwaClientSecret", "refreshToken")
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOTS")  # a folder: the browser tests save each screen there


@dataclass
class RunningConsole:
    url: str
    workdir: Path
    process: subprocess.Popen
    stderr_path: Path

    def stop(self) -> str:
        """Stop the console; its stderr (the log), for the report of a failed test."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.stderr_path.read_text(errors="replace")


def start_console(tmp: Path, extra_env: dict[str, str] | None = None) -> RunningConsole:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update({
        "AMAZON_MWS_CONSOLE_TOKEN": TOKEN,
        "AMAZON_MWS_STATE_PATH": str(tmp / "state.sqlite3"),
        "AMAZON_MWS_TIME_SCALE": str(TIME_SCALE),
        "RESPONSE_CHECK_DELAY": "50",
        "LOG_LEVEL": "INFO",
        # Amazon's feed XSDs (../shared/amazon, as CI lays it): feeds validated before they are shown or sent,
        # and Submit Product's input derived from a category's XSD
        "AMAZON_XSD_DIR": os.environ.get("AMAZON_XSD_DIR_TESTS") or str(SHARED_AMAZON / "xsd"),
        **(extra_env or {}),
    })
    workdir = tmp / "console"
    # stderr to a file and stdout drained: a pipe nobody reads fills up and blocks the console mid-request
    stderr_path = tmp / "console.stderr"
    process = subprocess.Popen(
        [str(AMAZON_MWS_BIN), "console", "--port", "0", "--workdir", str(workdir)],
        stdout=subprocess.PIPE, stderr=stderr_path.open("w"), text=True, env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    threading.Thread(target=process.stdout.read, daemon=True).start()
    match = re.search(r"open (http://127\.0\.0\.1:\d+)/\?token=(\S+)", line)
    if not match:
        process.kill()
        raise AssertionError(f"no address on the first line: {line!r}; stderr: {stderr_path.read_text()}")
    assert match.group(2) == TOKEN
    return RunningConsole(match.group(1), workdir, process, stderr_path)


def secrets_of(config: dict[str, str]) -> list[str]:
    return [config[k] for k in SECRET_KEYS if config.get(k)]


def shot(page, name: str) -> None:
    """With CONSOLE_SCREENSHOTS set, save the page as NAME.png there (docs/console.md shows them)."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"console-{name}.png"), full_page=True)
