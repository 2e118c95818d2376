"""Logging set-up for the CLI and workers: stderr only, level from ``LOG_LEVEL``, secrets masked.

stdout belongs to the JSON event stream of ``amazon-mws run``; a log line there would corrupt it.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

from amazon_mws.runtime.secrets import SecretsFilter

DEFAULT_LEVEL = "WARNING"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def level_from_env() -> int:
    name = (os.environ.get("LOG_LEVEL") or DEFAULT_LEVEL).upper()
    level = logging.getLevelName(name)
    return level if isinstance(level, int) else logging.WARNING


def configure_logging(stream: TextIO | None = None) -> logging.Handler:
    """Install one stderr handler with the secrets filter on the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_amazon_mws", False):
            root.setLevel(level_from_env())
            return handler
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(SecretsFilter())
    handler._amazon_mws = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level_from_env())
    return handler
