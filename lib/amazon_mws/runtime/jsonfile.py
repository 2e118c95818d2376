"""JSON that a person hands us (a config, a message, a flow file, a snapshot): errors name the file and the rule.

Python's own errors for such input are tracebacks a user cannot act on: ``UnicodeDecodeError`` for a file
saved in another encoding, ``RecursionError`` for JSON nested a few thousand levels deep. Here each becomes
a ``JsonInputError`` saying which file and what is wrong with it, and the commands exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class JsonInputError(ValueError):
    """The text is not usable JSON; the message starts with the label (the option and file)."""


def loads(raw: bytes | str, label: str) -> Any:
    """Decode (UTF-8) and parse ``raw``; JsonInputError names ``label`` and the problem."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonInputError(f"{label}: not UTF-8 text (byte {exc.start} is {raw[exc.start:exc.start + 1]!r});"
                                 " save it as UTF-8") from None
    try:
        return json.loads(raw)
    except RecursionError:
        raise JsonInputError(f"{label}: not usable JSON: nested too deeply for this reader") from None
    except ValueError as exc:
        raise JsonInputError(f"{label}: not valid JSON: {exc}") from None


def read(path: str | Path, label: str) -> Any:
    """JSON from the file at ``path``; JsonInputError also when it cannot be read."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise JsonInputError(f"{label}: cannot read: {exc.strerror or exc}") from None
    return loads(raw, label)
