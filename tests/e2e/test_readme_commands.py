"""The README's "Running one step" commands, run exactly as written (bash, a fresh folder, the installed CLI).

The block is read from README.md itself, so the test breaks when the README and the CLI part ways.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from testsupport import AMAZON_MWS_BIN, REPO_ROOT


def readme_step_block() -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Running one step"):]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "README.md: the 'Running one step' section has no bash block"
    return match.group(1)


def test_readme_step_commands_run_as_written(tmp_path: Path) -> None:
    block = readme_step_block()
    assert "amazon-mws sandbox" in block and "cfg.json" in block
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.pop("AMAZON_MWS_TIME_SCALE", None)
    env["PATH"] = f"{AMAZON_MWS_BIN.parent}{os.pathsep}{env.get('PATH', '')}"
    env["AMAZON_MWS_STATE_PATH"] = str(tmp_path / "state.sqlite3")
    # -e: any command of the block that fails fails the test; the trap stops the sandbox if one does
    script = "set -e -o pipefail\ntrap 'kill %1 2>/dev/null || true' EXIT\n" + block
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, f"README block failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    cfg = json.loads((tmp_path / "cfg.json").read_text())
    assert cfg["orderStatus"] and cfg["endpoint"].startswith("http://127.0.0.1:")
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    kinds = [line.get("event") or next(iter(line)) for line in lines]
    assert "error" not in kinds, done.stdout
    orders = [o for line in lines if line.get("event") == "data" for o in line["body"].get("orders", [])]
    assert orders, f"the trigger emitted no orders:\n{done.stdout}"
    assert {"verified": True} in lines
    assert json.loads((tmp_path / "state.json").read_text())["cursor"]
