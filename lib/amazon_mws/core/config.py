"""Reading a backend's credentials out of a step's config: the same rules for every backend.

A config is one dict of the component's camelCase keys, typed by a person in the designer or in a file, so
each value is checked here once: a required key must be a non-blank string, an optional one a string or
absent (blank counts as absent), and a refusal names the key, so the UI can point at the field. Every
key is checked before anything is refused: a config missing three keys hears of all three at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class ConfigProblems(ValueError):
    """The keys a config gets wrong, one line each (``key: rule``); str() joins them with "; "."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def config_strings(
    cfg: Mapping[str, Any],
    *,
    required: Sequence[tuple[str, str]],
    optional: Sequence[tuple[str, str]],
    required_rule: str = "is required",
) -> dict[str, Any]:
    """`{attribute: stripped value}` for (config key, attribute) pairs; None for an optional one not given.
    (Any: a required attribute is always a str, an optional one str or None, a split no dict type can say.)"""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, attr in required:
        raw = cfg.get(key)
        if raw is None or not str(raw).strip():
            problems.append(f"{key}: {required_rule}")
        elif not isinstance(raw, str):
            problems.append(f"{key}: must be a string")
        else:
            values[attr] = raw.strip()
    for key, attr in optional:
        raw = cfg.get(key)
        if raw is not None and not isinstance(raw, str):
            problems.append(f"{key}: must be a string")
        else:
            values[attr] = raw.strip() if raw and raw.strip() else None
    if problems:
        raise ConfigProblems(problems)
    return values
