"""SP-API credentials (validation, regions, no secrets in reprs) and the token cache (local and Redis)."""

from __future__ import annotations

import uuid

import pytest
import redis
import requests

from amazon_mws.runtime.sealing import SealingError
from amazon_mws.sandbox import Sandbox
from amazon_mws.spapi.credentials import SpCredentials
from amazon_mws.spapi.errors import LwaError
from amazon_mws.spapi.tokens import AccessTokens, LocalTokenStore, RedisTokenStore, cache_ttl

CFG = {"lwaClientId": "amzn1.application-oa2-client.abc", "lwaClientSecret": "s3cr3t-client-secret",
       "refreshToken": "Atzr|refresh-token-value", "marketplaceId": "A1PA6795UKMFR9"}


def test_missing_and_malformed_fields_are_named():
    for key in ("lwaClientId", "lwaClientSecret", "refreshToken", "marketplaceId"):
        with pytest.raises(ValueError, match=f"^{key}: is required"):
            SpCredentials.from_config({**CFG, key: " "})
    with pytest.raises(ValueError, match="^lwaTokenUrl: "):
        SpCredentials.from_config({**CFG, "lwaTokenUrl": "api.amazon.com/auth/o2/token"})
    with pytest.raises(ValueError, match="^marketplaceId: unknown"):
        SpCredentials.from_config({**CFG, "marketplaceId": "XX"})
    with pytest.raises(ValueError, match="^refreshToken: must be a string"):
        SpCredentials.from_config({**CFG, "refreshToken": 12345})


def test_region_hosts_and_no_secret_in_repr_or_keys():
    creds = SpCredentials.from_config(CFG)
    assert creds.base_url() == "https://sellingpartnerapi-eu.amazon.com"
    assert SpCredentials.from_config({**CFG, "marketplaceId": "ATVPDKIKX0DER"}).base_url().endswith("-na.amazon.com")
    assert SpCredentials.from_config({**CFG, "marketplaceId": "A1VC38T7YXB528"}).base_url().endswith("-fe.amazon.com")
    assert creds.lwa_url() == "https://api.amazon.com/auth/o2/token"
    for text in (repr(creds), str(creds), creds.account_key):
        assert CFG["lwaClientSecret"] not in text and CFG["refreshToken"] not in text


def test_local_store_expires_and_discards_only_the_same_token():
    now = [100.0]
    store = LocalTokenStore(clock=lambda: now[0])
    store.put("k", "t1", 10)
    assert store.get("k") == "t1"
    store.discard("k", "other")
    assert store.get("k") == "t1"
    now[0] = 111
    assert store.get("k") is None
    assert cache_ttl(3600) == 3480 and cache_ttl(5) == 4.5


@pytest.fixture
def redis_store():
    client = redis.Redis.from_url("redis://127.0.0.1:6379/13")
    prefix = f"test-sp-token-{uuid.uuid4().hex}"
    yield RedisTokenStore(client, prefix=prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_redis_store_shares_tokens_and_discards_only_the_same_one(redis_store):
    redis_store.put("acct:lwa", "Atza|one", 30)
    assert redis_store.get("acct:lwa") == "Atza|one"
    redis_store.discard("acct:lwa", "Atza|stale")  # another worker's old token: keep the fresh one
    assert redis_store.get("acct:lwa") == "Atza|one"
    redis_store.discard("acct:lwa", "Atza|one")
    assert redis_store.get("acct:lwa") is None
    redis_store.put("short", "x", 0.05)
    assert 0 < redis_store._client.pttl(redis_store._key("short")) <= 50


def test_redis_holds_tokens_sealed_and_without_the_key_nothing_is_written(redis_store, monkeypatch):
    redis_store.put("acct:lwa", "Atza|in-clear-nowhere", 30)
    stored = redis_store._client.get(redis_store._key("acct:lwa"))
    assert stored.startswith(b"sealed:v1:") and b"Atza|in-clear-nowhere" not in stored
    assert redis_store.get("acct:lwa") == "Atza|in-clear-nowhere"
    monkeypatch.delenv("AMAZON_MWS_SECRETS_KEY")
    with pytest.raises(SealingError, match="AMAZON_MWS_SECRETS_KEY: is not set"):
        redis_store.put("acct:other", "Atza|two", 30)
    assert redis_store._client.get(redis_store._key("acct:other")) is None


def test_two_workers_sharing_redis_make_one_exchange_and_wrong_secrets_are_named(redis_store):
    with Sandbox(orders=0) as sb:
        creds = SpCredentials.from_config(sb.sp_credentials)
        first, second = (AccessTokens(creds, requests.Session(), redis_store) for _ in range(2))
        assert first.get() == second.get()
        assert (first.exchanges, second.exchanges, sb.sp.auth.exchanges) == (1, 0, 1)
        bad = SpCredentials.from_config({**sb.sp_credentials, "refreshToken": "Atzr|wrong"})
        with pytest.raises(LwaError) as err:
            AccessTokens(bad, requests.Session(), LocalTokenStore()).get()
        assert err.value.field == "refreshToken" and "Atzr|wrong" not in str(err.value)
