"""Fixtures shared by every test folder.

- ``repo_root``, ``shared_amazon``: the checkout, and Amazon's reference data beside it
  (``../shared/amazon``, a test oracle that is never copied into the repo);
- ``redis_url``: the real Redis on 127.0.0.1:6379 (DB 15 by default); a missing Redis fails, never skips;
- ``fixture_component``: points the runtime at ``tests/fixtures/component`` (AMAZON_MWS_COMPONENT_DIR);
- ``cli``: runs the installed ``amazon-mws`` as a subprocess, state kept in a per-test SQLite file.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from runsupport import run_step_cli
from testsupport import (
    AMAZON_MWS_BIN,
    FIXTURE_COMPONENT,
    REDIS_HOST,
    REDIS_PORT,
    REPO_ROOT,
    SHARED_AMAZON,
    redis_answers,
)

# Secrets are sealed before they reach Redis (runtime/sealing.py): the test process and every CLI, worker and
# beat it starts share one key, as the processes of a deployment do. Tests of a missing key remove it.
os.environ.setdefault("AMAZON_MWS_SECRETS_KEY", Fernet.generate_key().decode("ascii"))


def pytest_configure(config: pytest.Config) -> None:
    """Without Amazon's reference files the suite cannot judge anything: stop before collecting, saying what
    is missing and where it comes from, instead of a wall of import errors (and never by skipping)."""
    shared = SHARED_AMAZON.parent
    missing = [str(shared / name) for name in ("amazon/xsd", "amazon/sp-api/models", "amazon/mws", "seeds")
               if not (shared / name).is_dir()]
    if missing:
        pytest.exit(
            "the tests need the project's shared reference files beside the checkout, and these are missing:\n  "
            + "\n  ".join(missing)
            + "\nThey are the project's shared/ folder (Amazon's feed XSDs, SP-API models, captured MWS replies, "
            "the seed documents; see shared/amazon/README.md), laid next to the repository as ../shared: "
            "CI has it there. Copy or link it, e.g. `ln -s /path/to/shared ../shared`.",
            returncode=4,
        )


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_amazon() -> Path:
    assert SHARED_AMAZON.is_dir(), f"Amazon reference data missing at {SHARED_AMAZON} (CI checks it out there)"
    return SHARED_AMAZON


@pytest.fixture(scope="session")
def redis_url() -> str:
    """redis://127.0.0.1:6379/15; use a unique key prefix and delete only your own keys."""
    assert redis_answers(), f"Redis does not answer on {REDIS_HOST}:{REDIS_PORT} (.ci/run starts one)"
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/15"


@pytest.fixture(autouse=True)
def _state_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process state (feed submission intents among it) in a file of this test's own, never the
    user's data folder, and never shared with another test."""
    monkeypatch.setenv("AMAZON_MWS_STATE_PATH", str(tmp_path / "state.sqlite3"))


@pytest.fixture
def fixture_component(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AMAZON_MWS_COMPONENT_DIR", str(FIXTURE_COMPONENT))
    return FIXTURE_COMPONENT


CliRunner = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def cli(tmp_path: Path) -> CliRunner:
    """``cli("run", "getOrder", "--config", path, input=None, env={...}, timeout=120)``.

    The child gets this process's environment, minus REDIS_URL (so it runs in-process with a SQLite
    state file under tmp_path), plus ``env`` (a value of None removes a variable).
    """

    def run(
        *args: object,
        input: str | None = None,
        env: dict[str, str | None] | None = None,
        timeout: float = 120,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess:
        child_env = dict(os.environ)
        child_env.pop("REDIS_URL", None)
        child_env["AMAZON_MWS_STATE_PATH"] = str(tmp_path / "cli-state.sqlite3")
        for key, value in (env or {}).items():
            if value is None:
                child_env.pop(key, None)
            else:
                child_env[key] = value
        return subprocess.run(
            [str(AMAZON_MWS_BIN), *map(str, args)],
            input=input,
            capture_output=True,
            text=True,
            env=child_env,
            timeout=timeout,
            cwd=cwd,
        )

    return run


@pytest.fixture
def cli_env() -> dict[str, str | None]:
    """What a folder adds to every `run_cli` child's environment (override it in the folder's conftest)."""
    return {}


@pytest.fixture
def run_cli(cli: CliRunner, tmp_path: Path, cli_env: dict[str, str | None]):
    """`run_cli(STEP, cfg, message=, snapshot=, sample=, env=, timeout=)` -> CliRun (its JSON lines parsed)."""

    def run(step: str, cfg: dict, *, env: dict | None = None, **kw):
        return run_step_cli(cli, tmp_path, step, cfg, env={**cli_env, **(env or {})}, **kw)

    return run
