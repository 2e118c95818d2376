"""What the console keeps on disk: the credentials, each step's last configuration, flow files, runs.

```
WORKDIR/credentials.json     the credentials fields (mode 0600: it holds secrets)
WORKDIR/steps.json           {step: its fields as last saved on the Step screen}
WORKDIR/connect.json         the SP-API app id and Seller Central URL for Connect with Amazon
WORKDIR/flows/NAME.flow.json flow files, in the format of flows/spec.py; their credentials point at
                             credentials.json ({"file": ...}), so a flow file holds no secret
WORKDIR/out/NAME.jsonl       the default file sink of a flow built here
WORKDIR/runs.jsonl           one line per run started from the console (the Runs screen without Redis)
```

Why files and not a database: they are the formats the CLI already reads (`amazon-mws run --config`,
`amazon-mws flow run`), so anything built here runs the same without the console.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any

from amazon_mws.runtime.manifest import Manifest
from amazon_mws.runtime.secrets import secret_field_names

RUNS_SHOWN = 200


def default_workdir() -> Path:
    """``AMAZON_MWS_CONSOLE_DIR`` or ``<user data dir>/amazon-mws/console``."""
    env = os.environ.get("AMAZON_MWS_CONSOLE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("amazon-mws")) / "console"


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def _write_private(path: Path, data: Any) -> None:
    """Write whole-or-nothing (a temp file renamed), readable by the owner only."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
    os.replace(tmp, path)


class Workspace:
    def __init__(self, root: Path, manifest: Manifest) -> None:
        self.root = Path(root)
        self.manifest = manifest
        self.flows_dir = self.root / "flows"
        self.out_dir = self.root / "out"
        for folder in (self.root, self.flows_dir, self.out_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.credentials_path = self.root / "credentials.json"
        self._lock = threading.Lock()
        self.secret_fields = secret_field_names(manifest.credential_fields)

    def __repr__(self) -> str:  # never the credentials
        return f"Workspace({str(self.root)!r})"

    # -- credentials ------------------------------------------------------------------------------------

    def credentials(self) -> dict[str, Any]:
        """The stored credentials, secrets included: for calls to Amazon, never for a page."""
        return dict(_read_json(self.credentials_path, {}))

    def save_credentials(self, values: dict[str, Any], clear: Collection[str] = ()) -> dict[str, Any]:
        """Merge a submitted form: a secret left empty keeps the stored one (the page never has it), one
        named in ``clear`` is removed; other fields take the submitted value (empty removes it)."""
        with self._lock:
            stored = self.credentials()
            for name in self.manifest.credential_fields:
                value = values.get(name)
                if name in self.secret_fields:
                    if name in clear:
                        stored.pop(name, None)
                    elif value not in (None, ""):
                        stored[name] = value
                elif value in (None, "", []):
                    stored.pop(name, None)
                else:
                    stored[name] = value
            _write_private(self.credentials_path, stored)
            return stored

    def set_credential(self, name: str, value: str) -> None:
        with self._lock:
            stored = self.credentials()
            stored[name] = value
            _write_private(self.credentials_path, stored)

    def public_credentials(self) -> dict[str, Any]:
        """What a page may show: plain fields as stored, secrets as True/False (set or not)."""
        stored = self.credentials()
        return {name: (bool(stored.get(name)) if name in self.secret_fields else stored.get(name))
                for name in self.manifest.credential_fields}

    # -- Connect with Amazon: the app to consent to, and where Seller Central is (no secrets) ------------

    def connect_settings(self) -> dict[str, str]:
        return dict(_read_json(self.root / "connect.json", {}))

    def save_connect_settings(self, settings: dict[str, str]) -> None:
        with self._lock:
            _write_private(self.root / "connect.json", {k: v for k, v in settings.items() if v})

    # -- step configurations ----------------------------------------------------------------------------

    def step_config(self, step: str) -> dict[str, Any]:
        return dict(_read_json(self.root / "steps.json", {}).get(step) or {})

    def save_step_config(self, step: str, config: dict[str, Any]) -> None:
        with self._lock:
            configs = _read_json(self.root / "steps.json", {})
            configs[step] = config
            _write_private(self.root / "steps.json", configs)

    # -- flows ------------------------------------------------------------------------------------------

    def flow_path(self, name: str) -> Path:
        return self.flows_dir / f"{name}.flow.json"

    def flow_names(self) -> list[str]:
        return sorted(p.name[: -len(".flow.json")] for p in self.flows_dir.glob("*.flow.json"))

    def save_flow(self, data: dict[str, Any]) -> Path:
        path = self.flow_path(data["name"])
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return path

    # -- runs -------------------------------------------------------------------------------------------

    def add_run(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, default=str, separators=(",", ":")) + "\n"
        with self._lock, (self.root / "runs.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(line)

    def runs(self) -> list[dict[str, Any]]:
        """The newest runs first."""
        try:
            lines = (self.root / "runs.jsonl").read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in reversed(lines[-RUNS_SHOWN:]) if line.strip()]

    def run(self, run_id: str) -> dict[str, Any] | None:
        return next((r for r in self.runs() if r.get("id") == run_id), None)
