"""Helpers shared by the SP-API backend tests (a named module: test files import it by name)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from jsonschema import Draft4Validator

from amazon_mws.sandbox import Sandbox
from runsupport import CliRun, trigger_fields, visible_ids  # noqa: F401  (the folder's tests import them here)
from testsupport import AMAZON_MWS_BIN

REPO = Path(__file__).resolve().parents[3]
MODELS = (REPO / ".." / "shared" / "amazon" / "sp-api" / "models").resolve()
LISTINGS_SCHEMAS = (REPO / ".." / "shared" / "amazon" / "sp-api" / "schemas" / "feeds").resolve()
TIME_SCALE = 0.01  # quotas compressed 100x on both sides, as in the MWS orders tests


def sp_cfg(sb: Sandbox, **fields) -> dict:
    return {**sb.sp_credentials, **fields}


def trigger_cfg(sb: Sandbox, backend: str = "sp-api", **fields) -> dict:
    return trigger_fields(sp_cfg(sb) if backend == "sp-api" else sb.credentials, **fields)


def sp_requests(sb: Sandbox, *operations: str) -> list[dict]:
    """The sandbox's request log, SP-API operations (and `lwaToken`) by name."""
    return [r for r in sb.requests if not operations or r["action"] in operations]


def load_model(name: str) -> dict:
    return json.loads((MODELS / name).read_text())


def model_validator(model: dict, definition: str) -> Draft4Validator:
    """A validator for one of the model's definitions (Swagger 2.0 schemas are JSON Schema draft 4)."""
    return Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": model["definitions"]})


def kill_after_first_page(step: str, cfg: dict, snap: Path, cli_env: dict, tmp_path: Path) -> dict:
    """Run the trigger in a CLI process, SIGKILL it once its first page is in the snapshot; the run it left.
    The caller makes the second page slow (a sandbox fault), so the kill lands between pages."""
    cfg_path = tmp_path / "cfg-killed.json"
    cfg_path.write_text(json.dumps(cfg))
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update({k: v for k, v in cli_env.items() if v is not None})
    env["AMAZON_MWS_STATE_PATH"] = str(tmp_path / "cli-state.sqlite3")  # the state the `cli` fixture uses
    proc = subprocess.Popen([str(AMAZON_MWS_BIN), "run", step, "--config", str(cfg_path), "--snapshot", str(snap)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and json.loads(snap.read_text() if snap.exists() else "{}").get(
            "run", {}).get("pages", 0) < 1:
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return json.loads(snap.read_text())["run"]
