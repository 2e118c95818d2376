"""Fixtures for the MWS transport unit tests (helpers live in mws_unit_data.py)."""

from __future__ import annotations

from mws_unit_data import amazon_dir  # noqa: F401  (re-exported fixture)
