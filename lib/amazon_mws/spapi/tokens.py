"""Access tokens: the Login with Amazon exchange (refresh token -> access token) and a shared cache.

Why a shared cache: an LWA access token lives an hour and every SP-API call needs one. Fetching one per
request (or per worker process, as python-amazon-sp-api's in-process TTLCache does) costs a round trip to
Amazon per call and multiplies LWA traffic by the number of workers. With REDIS_URL set, the token lives in
Redis (key: a digest of the partner/app pair, never the refresh token), so every worker on every machine
uses the same one until shortly before it expires; without Redis, one per process.

Restricted Data Tokens (RDT, for buyer and address data) are cached the same way, per path and data
elements. When Amazon rejects a token anyway (revoked, clock skew), `invalidate(kind, token)` drops it only
if it is still the cached one, so a crowd of workers hitting the same 403 refresh once, not N times over
each other's fresh tokens.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import requests

from amazon_mws.core.errors import TransportError
from amazon_mws.runtime.sealing import seal, unseal
from amazon_mws.runtime.secrets import REDACTOR
from amazon_mws.spapi.credentials import SpCredentials
from amazon_mws.spapi.errors import lwa_error

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

# Refresh this long before Amazon's expiry (an hour for LWA tokens): a token handed out must survive the
# request it is used for, including a wait for quota.
EXPIRY_MARGIN_SECONDS = 120.0


class TokenStore(Protocol):
    def get(self, key: str) -> str | None: ...

    def put(self, key: str, token: str, ttl_seconds: float) -> None: ...

    def discard(self, key: str, token: str) -> None: ...


class LocalTokenStore:
    """One process's tokens, with their expiry on the monotonic clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}

    def get(self, key: str) -> str | None:
        with self._lock:
            found = self._tokens.get(key)
            if found is None:
                return None
            if found[1] <= self._clock():
                del self._tokens[key]
                return None
            return found[0]

    def put(self, key: str, token: str, ttl_seconds: float) -> None:
        with self._lock:
            self._tokens[key] = (token, self._clock() + ttl_seconds)

    def discard(self, key: str, token: str) -> None:
        with self._lock:
            if key in self._tokens and self._tokens[key][0] == token:
                del self._tokens[key]


_DISCARD_IF_SAME = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisTokenStore:
    """Tokens shared by every process on the same Redis; Redis expires them (PX).

    A token is sealed (runtime/sealing.py, ``AMAZON_MWS_SECRETS_KEY``) before it is written: whoever can read
    Redis cannot call Amazon as the seller. Sealing is randomised, so "discard only if still the same" opens
    the stored value to compare and then deletes it only if that exact sealed value is still there."""

    def __init__(self, client, prefix: str = "amazon_mws:sp-token", keys: MultiFernet | None = None) -> None:
        self._client = client
        self._prefix = prefix
        self._keys = keys
        self._discard = client.register_script(_DISCARD_IF_SAME)

    @classmethod
    def from_url(cls, url: str, **kwargs) -> RedisTokenStore:
        import redis

        return cls(redis.Redis.from_url(url), **kwargs)

    def _key(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    def _stored(self, key: str) -> str | None:
        raw = self._client.get(self._key(key))
        return raw.decode() if isinstance(raw, bytes) else raw

    def get(self, key: str) -> str | None:
        stored = self._stored(key)
        return None if stored is None else unseal(stored, self._keys)

    def put(self, key: str, token: str, ttl_seconds: float) -> None:
        self._client.set(self._key(key), seal(token, self._keys), px=max(1, int(ttl_seconds * 1000)))

    def discard(self, key: str, token: str) -> None:
        stored = self._stored(key)
        if stored is not None and unseal(stored, self._keys) == token:
            self._discard(keys=[self._key(key)], args=[stored])


_STORES: dict[str | None, TokenStore] = {}
_STORES_LOCK = threading.Lock()


def token_store_from_env() -> TokenStore:
    """The process's token store: Redis when REDIS_URL is set, else in-process (one per URL)."""
    url = os.environ.get("REDIS_URL") or None
    with _STORES_LOCK:
        store = _STORES.get(url)
        if store is None:
            store = RedisTokenStore.from_url(url) if url else LocalTokenStore()
            _STORES[url] = store
        return store


def cache_ttl(expires_in: float) -> float:
    """How long to keep a token Amazon says lives `expires_in` seconds."""
    margin = min(EXPIRY_MARGIN_SECONDS, expires_in / 10)
    return max(1.0, expires_in - margin)


def exchange_refresh_token(
    creds: SpCredentials, session: requests.Session, *, timeout: tuple[float, float] = (5, 30)
) -> tuple[str, float]:
    """One LWA call: `(access_token, expires_in)`. Refusals raise LwaError naming the wrong field."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": creds.refresh_token,
        "client_id": creds.lwa_client_id,
        "client_secret": creds.lwa_client_secret,
    }
    try:
        resp = session.post(creds.lwa_url(), data=form, timeout=timeout,
                            headers={"Accept": "application/json"})
    except requests.exceptions.RequestException as exc:
        raise TransportError(f"Login with Amazon: {type(exc).__name__} talking to {creds.lwa_url()}") from None
    if resp.status_code != 200:
        raise lwa_error(resp.status_code, resp.content)
    try:
        data = resp.json()
        token, expires_in = str(data["access_token"]), float(data.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError):
        raise TransportError("Login with Amazon: the reply has no access_token",
                             http_status=resp.status_code) from None
    REDACTOR.add([token])  # an access token is a secret too: never in logs or error events
    return token, expires_in


class AccessTokens:
    """The LWA access token of one partner/app pair, through the shared store."""

    def __init__(self, creds: SpCredentials, session: requests.Session, store: TokenStore | None = None) -> None:
        self.creds = creds
        self.session = session
        self.store = store or token_store_from_env()
        self.key = f"{creds.account_key}:lwa"
        self.exchanges = 0  # LWA calls made by this object (tests and stats)

    def get(self) -> str:
        token = self.store.get(self.key)
        if token is None:
            token, expires_in = exchange_refresh_token(self.creds, self.session)
            self.exchanges += 1
            self.store.put(self.key, token, cache_ttl(expires_in))
        return token

    def invalidate(self, token: str) -> None:
        self.store.discard(self.key, token)
