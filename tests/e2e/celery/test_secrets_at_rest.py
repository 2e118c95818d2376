"""No secret is readable in Redis: while a feed action waits on Amazon (a pending wait holding its cfg), an
SP-API step has cached its access token, a task waits in a queue, and a flow with inline credentials and a
webhook header is registered, every key and every value in the Redis database is read, and no secret
appears in it in any encoding (as is, JSON-escaped, URL-encoded, base64, hex).

Redis DB 6 (this file's own; emptied first). Secrets are sealed with the test run's AMAZON_MWS_SECRETS_KEY.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from urllib.parse import quote, quote_plus

import pytest

from amazon_mws.flows.spec import parse_flow
from amazon_mws.sandbox import Sandbox
from amazon_mws.workers.app import CeleryExecutor
from amazon_mws.workers.flow_store import FlowStore

pytestmark = pytest.mark.timeout(120)
SCALE = "0.01"
HEADER_SECRET = "Bearer hook-t0ken-9f8e7d6c5b4a"


def encodings(secret: str) -> set[bytes]:
    raw = secret.encode()
    return {raw, json.dumps(secret)[1:-1].encode(), quote(secret, safe="").encode(), quote_plus(secret).encode(),
            base64.b64encode(raw), base64.urlsafe_b64encode(raw), base64.b64encode(raw).rstrip(b"="),
            binascii.hexlify(raw)}


def everything_in(client) -> list[tuple[bytes, bytes]]:
    """(key, one stored value) for every value of every key, whatever its type."""
    found = []
    for key in client.scan_iter(count=500):
        kind = client.type(key)
        if kind == b"string":
            values = [client.get(key) or b""]
        elif kind == b"hash":
            values = [part for pair in client.hgetall(key).items() for part in pair]
        elif kind == b"list":
            values = client.lrange(key, 0, -1)
        elif kind == b"set":
            values = list(client.smembers(key))
        elif kind == b"zset":
            values = [member for member, _ in client.zrange(key, 0, -1, withscores=True)]
        else:
            values = []
        found += [(key, key)] + [(key, v) for v in values]
    return found


def leaks(client, secrets: list[str]) -> list[str]:
    forms = {form: secret[:4] for secret in secrets for form in encodings(secret)}
    return [f"{key!r} holds {hint}...: {value[:80]!r}" for key, value in everything_in(client)
            for form, hint in forms.items() if form in value]


def test_no_secret_is_readable_in_redis_during_a_run(workers_factory, tmp_path):
    with Sandbox(orders=5, time_scale=float(SCALE), feed_processing_seconds=500) as sandbox:
        workers = workers_factory(6, AMAZON_MWS_TIME_SCALE=SCALE, RESPONSE_CHECK_DELAY="500")
        workers.client.flushdb()
        workers.start(1)
        executor = CeleryExecutor(workers.app(), queue=workers.queue)
        feed = executor.submit("updateItem", sandbox.credentials, {"messages": [{"SKU": "SKU-1", "Quantity": 4}]})
        order_id = next(iter(sandbox.orders))
        sp = executor.submit("getOrder", sandbox.sp_credentials, {"amazonOrderIds": [order_id]})
        spec = {"name": f"sealed-{workers.run_id}", "credentials": sandbox.credentials,
                "steps": [{"step": "getNewAndUpdatedOrders", "config": {"orderStatus": ["Unshipped"]}}],
                "sink": {"type": "webhook", "url": "http://127.0.0.1:9/hook", "allowPrivateNetwork": True,
                         "headers": {"Authorization": HEADER_SECRET}}}
        FlowStore(workers.client, workers.prefix).register(parse_flow(spec, base_dir=str(tmp_path)))
        # a task no worker takes: its message (the cfg among its arguments) stays queued in Redis
        CeleryExecutor(workers.app(), queue=f"{workers.queue}.idle").submit(
            "getOrder", {**sandbox.credentials, **sandbox.sp_credentials, "backend": "mws"},
            {"amazonOrderIds": [next(iter(sandbox.orders))]})

        assert sp.result(timeout=60).ok  # its access token is cached in Redis by now
        deadline = time.monotonic() + 30
        while not workers.client.zcard(f"{workers.prefix}feedchecks"):  # the feed's wait is pending
            assert time.monotonic() < deadline, workers.log_text()[-3000:]
            time.sleep(0.05)
        tokens = list(sandbox.sp.auth._grants)  # the access tokens the sandbox issued
        assert tokens, "no access token was issued: the scan would not cover the token cache"
        secrets = [sandbox.credentials["secretKey"], sandbox.credentials["mwsAuthToken"],
                   sandbox.sp_credentials["lwaClientSecret"], sandbox.sp_credentials["refreshToken"],
                   HEADER_SECRET, *tokens]
        stored = everything_in(workers.client)
        assert any(b"sealed:v1:" in value for _, value in stored)  # the secrets are there, sealed
        assert leaks(workers.client, secrets) == []

        result = feed.result(timeout=60)
        assert result.ok, result.errors
        out = result.data[0].body
        assert out["status"] == "_DONE_" and out["processingReport"]["messagesProcessed"] == 1
        assert leaks(workers.client, secrets) == []  # and after the run, results included
        registered = FlowStore(workers.client, workers.prefix).flow(spec["name"])
        assert registered.sink.headers == {"Authorization": HEADER_SECRET}  # the worker opens what it needs
