"""The input side of every feed action: its JSON Schema (draft-03, the component convention) and the
check that turns jsonschema's errors into one readable line per field.

The schemas live in the component's `schemas/feeds/` folder (data, not code: the manifest points at the
same files). They are compiled once per process.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft3Validator

from amazon_mws.feeds.errors import FeedInputError


def component_root() -> Path:
    """The folder holding component.json and schemas/: the runtime's answer when it has one,
    else the checkout (lib/amazon_mws/feeds -> repo root), else the copy packed into the wheel."""
    try:
        from amazon_mws.runtime.paths import component_root as runtime_root

        return Path(runtime_root())
    except Exception:  # the runtime module may be absent in a partial install; fall back below
        pass
    here = Path(__file__).resolve()
    checkout = here.parents[3]
    if (checkout / "schemas" / "feeds").is_dir():
        return checkout
    return here.parents[1] / "_component"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """`schemas/feeds/<name>.json`, parsed (cached: metadata is read on every step run)."""
    path = component_root() / "schemas" / "feeds" / f"{name}.json"
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _validator(name: str) -> Draft3Validator:
    schema = load_schema(name)
    Draft3Validator.check_schema(schema)
    return Draft3Validator(schema)


def json_path(parts) -> str:
    """['messages', 3, 'statusCode'] -> 'messages[3].statusCode' (what a person can look up)."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(input)"


def schema_problems(validator: Draft3Validator, body: Any) -> list[str]:
    """Every schema failure as '<path>: <rule>', sorted by path so message 2's errors come before 7's."""

    def order(error) -> list[tuple[int, int, str]]:
        return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path]

    errors = sorted(validator.iter_errors(body), key=order)
    return [f"{json_path(e.absolute_path)}: {e.message}" for e in errors]


def check_body(name: str, body: Any) -> None:
    """Validate `body` against schemas/feeds/<name>.json; raise FeedInputError naming each bad field."""
    problems = schema_problems(_validator(name), body)
    if problems:
        raise FeedInputError(problems)


def check_with_schema(schema: dict[str, Any], body: Any) -> None:
    """Same as check_body for a schema built at run time (Submit Product's derived schema)."""
    problems = schema_problems(Draft3Validator(schema), body)
    if problems:
        raise FeedInputError(problems)
