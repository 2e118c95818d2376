"""`amazon-mws serve`: a request on a kept-alive connection against one on a new connection, same run.

A reply written as two small segments (headers, then body) waits on the client's delayed ACK when the
connection is reused (about 40 ms a request); the server writes one buffered reply with Nagle off, so
a kept-alive request should cost no more than a fresh one. The figure is the kept-alive time per request,
the baseline the new-connection time; the ratio should be at most 1.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time

import requests
from common import Result, machine, report, write_json

from amazon_mws.sandbox import Sandbox
from amazon_mws.serve import ServerConfig, Service


def _per_request(get, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        reply = get()
        assert reply.status_code == 200, reply.status_code
    return (time.perf_counter() - started) / count * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", help="write the result here for run_all.py")
    args = parser.parse_args()
    count = 60 if args.quick else args.requests
    token = secrets.token_hex(16)
    sandbox = Sandbox(orders=0, seed=5).start()
    config = ServerConfig.from_dict({"auth": {"bearerTokens": [token]}, "amazon": sandbox.credentials})
    service = Service(config).start()
    url, headers = service.url + "/openapi.json", {"Authorization": f"Bearer {token}"}
    try:
        with requests.Session() as session:
            kept = _per_request(lambda: session.get(url, headers=headers, timeout=10), count)
        fresh = _per_request(
            lambda: requests.get(url, headers={**headers, "Connection": "close"}, timeout=10), count
        )
    finally:
        service.stop()
        sandbox.stop()
    result = Result(
        bench="serve_keepalive",
        baseline_label="new connection per request",
        baseline=round(fresh, 3),
        figure_label="kept-alive connection",
        figure=round(kept, 3),
        unit="ms/request",
        ratio=round(kept / fresh, 3),
        target="<= 1.0 (no delayed-ACK stall)",
        met=kept <= fresh,
        details={"requests": count, "machine": machine()},
    )
    report(result)
    if args.json:
        write_json(args.json, [result])
    return 0


if __name__ == "__main__":
    sys.exit(main())
