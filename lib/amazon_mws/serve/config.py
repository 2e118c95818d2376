"""The server's configuration file: who may call it, and the Amazon account the Order REST API acts for.

```json
{
  "auth": {"bearerTokens": ["..."], "apiKeys": ["..."]},
  "amazon": {"sellerId": "...", "accessKeyId": "...", "secretKey": "...", "marketplaceId": "...",
             "mwsAuthToken": "...", "endpoint": "https://mws.amazonservices.com"},
  "spree": {"endpoint": "http://127.0.0.1:8900", "orderStatus": ["Unshipped", "PartiallyShipped", "Shipped"]}
}
```

Why a file and not flags: it holds secrets, and flags show up in `ps`. At least one token or key is
required: the service answers nothing without authentication. `amazon` is needed only by the Order REST
API (MWS keys, or SP-API's with `"backend": "sp-api"`: its orders then come from Orders v2026-01-01 unless
`ordersApi` says v0; the Spree hub sends its own Amazon keys with every poll); `spree.endpoint` replaces
the marketplace's MWS host for hub polls (the hub's parameters have no endpoint), which is how tests point it
at the sandbox. Every problem is reported at start-up, naming the key and the rule (a misspelt key of `amazon`
with the nearest credential field); the repr shows no secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amazon_mws.backends import credential_problems
from amazon_mws.runtime.manifest import load_manifest
from amazon_mws.runtime.validation import unknown_fields
from amazon_mws.steps.fields import ORDER_STATUSES

DEFAULT_SPREE_STATUSES = ("Unshipped", "PartiallyShipped", "Shipped")
MIN_SECRET_LENGTH = 16
TOP_KEYS = {"auth", "amazon", "spree"}


class ConfigError(ValueError):
    """The configuration is unusable; the message lists every problem as `key: rule`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid server configuration: " + "; ".join(problems))


def _secrets(raw: Any, key: str, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append(f"{key}: must be a list of strings")
        return ()
    out = []
    for i, value in enumerate(raw):
        if not isinstance(value, str) or len(value.strip()) < MIN_SECRET_LENGTH:
            problems.append(f"{key}[{i}]: must be a string of at least {MIN_SECRET_LENGTH} characters")
        else:
            out.append(value.strip())
    return tuple(out)


@dataclass(frozen=True)
class ServerConfig:
    bearer_tokens: tuple[str, ...] = ()
    api_keys: tuple[str, ...] = ()
    amazon: Mapping[str, Any] | None = field(default=None)
    spree_endpoint: str | None = None
    spree_statuses: tuple[str, ...] = DEFAULT_SPREE_STATUSES

    def __repr__(self) -> str:  # configs end up in tracebacks: counts, never values
        seller = (self.amazon or {}).get("sellerId")
        return (
            f"ServerConfig({len(self.bearer_tokens)} bearer tokens, {len(self.api_keys)} api keys, "
            f"amazon seller={seller!r}, spree_endpoint={self.spree_endpoint!r})"
        )

    __str__ = __repr__

    @classmethod
    def from_dict(cls, data: Any) -> ServerConfig:
        if not isinstance(data, Mapping):
            raise ConfigError(["(config): must be a JSON object"])
        problems = [f"{key}: unknown key (expected one of auth, amazon, spree)" for key in data if key not in TOP_KEYS]
        auth = data.get("auth") or {}
        if not isinstance(auth, Mapping):
            problems.append("auth: must be an object")
            auth = {}
        for key in auth:
            if key not in ("bearerTokens", "apiKeys"):
                problems.append(f"auth.{key}: unknown key (expected bearerTokens, apiKeys)")
        tokens = _secrets(auth.get("bearerTokens"), "auth.bearerTokens", problems)
        keys = _secrets(auth.get("apiKeys"), "auth.apiKeys", problems)
        if not tokens and not keys and not any(p.startswith("auth.") for p in problems):
            problems.append("auth: give at least one of bearerTokens, apiKeys (every route needs authentication)")

        amazon = data.get("amazon")
        if amazon is not None:
            if not isinstance(amazon, Mapping):
                problems.append("amazon: must be an object of Amazon credentials")
                amazon = None
            else:
                problems += unknown_fields(amazon, list(load_manifest().credential_fields), "amazon")
                problems += [f"amazon.{line.removeprefix('cfg.')}" for line in credential_problems(amazon)]
                amazon = dict(amazon)

        spree = data.get("spree") or {}
        if not isinstance(spree, Mapping):
            problems.append("spree: must be an object")
            spree = {}
        for key in spree:
            if key not in ("endpoint", "orderStatus"):
                problems.append(f"spree.{key}: unknown key (expected endpoint, orderStatus)")
        endpoint = spree.get("endpoint")
        if endpoint is not None and (not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://"))):
            problems.append("spree.endpoint: must be an http:// or https:// base URL")
            endpoint = None
        statuses = spree.get("orderStatus", list(DEFAULT_SPREE_STATUSES))
        if isinstance(statuses, str):
            statuses = [statuses]
        if not isinstance(statuses, list) or not statuses:
            problems.append("spree.orderStatus: must be a non-empty list of order statuses")
            statuses = list(DEFAULT_SPREE_STATUSES)
        for status in statuses:
            if status not in ORDER_STATUSES:
                problems.append(f"spree.orderStatus: {status!r} is not one of {', '.join(ORDER_STATUSES)}")
        if problems:
            raise ConfigError(problems)
        return cls(tokens, keys, amazon, endpoint.rstrip("/") if endpoint else None, tuple(statuses))

    @classmethod
    def load(cls, path: str | Path) -> ServerConfig:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError([f"--config: cannot read {path}: {exc.strerror}"]) from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError([f"--config: {path} is not JSON ({exc})"]) from None
        return cls.from_dict(data)
