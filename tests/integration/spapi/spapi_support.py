"""Helpers shared by the SP-API backend tests (a named module: test files import it by name)."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft4Validator

from amazon_mws.sandbox import Sandbox
from runsupport import CliRun, trigger_fields, visible_ids  # noqa: F401  (the folder's tests import them here)

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
