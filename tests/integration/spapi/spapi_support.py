"""Helpers shared by the SP-API backend tests (a named module: test files import it by name)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import Draft4Validator

from amazon_mws.sandbox import Sandbox
from amazon_mws.times import parse_time

REPO = Path(__file__).resolve().parents[3]
MODELS = (REPO / ".." / "shared" / "amazon" / "sp-api" / "models").resolve()
LISTINGS_SCHEMAS = (REPO / ".." / "shared" / "amazon" / "sp-api" / "schemas" / "feeds").resolve()
TIME_SCALE = 0.01  # quotas compressed 100x on both sides, as in the MWS orders tests
ALL_STATUSES = ["Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled", "Unfulfillable",
                "PendingAvailability", "InvoiceUnconfirmed"]


@dataclass
class CliRun:
    """One `amazon-mws run`: exit status and its JSON-lines events."""

    returncode: int
    events: list[dict]
    stderr: str
    stdout: str = field(repr=False, default="")

    def data(self) -> list[dict]:
        return [e for e in self.events if e["event"] == "data"]

    def orders(self) -> list[dict]:
        return [o for e in self.data() for o in e["body"]["orders"]]

    def errors(self) -> list[dict]:
        return [e for e in self.events if e["event"] == "error"]


def sp_cfg(sb: Sandbox, **fields) -> dict:
    return {**sb.sp_credentials, **fields}


def trigger_cfg(sb: Sandbox, backend: str = "sp-api", **fields) -> dict:
    cfg = sp_cfg(sb) if backend == "sp-api" else dict(sb.credentials)
    cfg.update({"orderStatus": ALL_STATUSES, "startTime": "1970-01-01T00:00:00.000 +0000"})
    cfg.update(fields)
    return cfg


def sp_requests(sb: Sandbox, *operations: str) -> list[dict]:
    """The sandbox's request log, SP-API operations (and `lwaToken`) by name."""
    return [r for r in sb.requests if not operations or r["action"] in operations]


def visible_ids(sb: Sandbox, after: str, before: str) -> set[str]:
    """Orders whose LastUpdateDate is in [after, before): what a window must return."""
    low, high = parse_time(after, "after"), parse_time(before, "before")
    return {o["AmazonOrderId"] for o in sb.orders.values() if low <= parse_time(o["LastUpdateDate"], "o") < high}


def load_model(name: str) -> dict:
    return json.loads((MODELS / name).read_text())


def model_validator(model: dict, definition: str) -> Draft4Validator:
    """A validator for one of the model's definitions (Swagger 2.0 schemas are JSON Schema draft 4)."""
    return Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": model["definitions"]})
