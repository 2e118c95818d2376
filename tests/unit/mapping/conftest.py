"""Fixtures for the Spree mapping: the Spree endpoint's documented example, read from the seed in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[3] / ".." / "shared" / "seeds"


def balanced_object(text: str, start: int) -> str:
    """The JSON object that opens at text[start] ("{"), by brace counting outside strings."""
    depth, in_string, escaped = 0, False, False
    for pos in range(start, len(text)):
        ch = text[pos]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start : pos + 1]
    raise ValueError("unbalanced JSON object in the seed")


@pytest.fixture(scope="session")
def spree_seed() -> str:
    path = (SEEDS / "spree-amazon-endpoint.md").resolve()
    assert path.is_file(), f"seed missing at {path} (CI checks ../shared out beside the repo)"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_order(spree_seed: str) -> dict:
    """The `order` of the seed's order_import.json example (the file's list is cut off after it)."""
    start = spree_seed.index('"order": {') + len('"order": ')
    return json.loads(balanced_object(spree_seed, start))


@pytest.fixture(scope="session")
def seed_poll(spree_seed: str) -> dict:
    """The seed's amazon_order_poll.json request."""
    start = spree_seed.index("---amazon_order_poll.json---")
    return json.loads(balanced_object(spree_seed, spree_seed.index("{", start)))
