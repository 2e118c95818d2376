"""`amazon-mws sandbox`: serve the local Amazon until SIGINT/SIGTERM.

The first stdout line is one JSON object with the endpoint, the credentials the sandbox accepts and the
one required step field (a ready config for every step; the second line is the same as SP-API), flushed
at once so a parent process can read it and go; request
lines go to stderr (never a secret: the auth token is masked and the secret key is never logged).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading

from amazon_mws.sandbox.app import Sandbox

READY_STEP_FIELDS = {"orderStatus": ["Unshipped", "PartiallyShipped"]}
"""The one required step field, so each printed line runs every step as it is (README's commands). Order
Status has no default on purpose: which orders to move is the seller's choice (a Pending order has no
address yet, a Shipped one is done), so a real config names it; the sandbox picks the orders to ship."""


def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s sandbox %(message)s")
    try:
        sandbox = Sandbox(
            orders=args.orders,
            seed=args.seed,
            time_scale=args.time_scale,
            throttle=not args.no_throttle,
            host=args.host,
            port=args.port,
            orders_v0_removed=args.orders_v0_removed,
        )
        sandbox.start()
    except (ValueError, OSError) as e:
        print(f"amazon-mws sandbox: {e}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print(json.dumps({**sandbox.credentials, **READY_STEP_FIELDS}), flush=True)  # line 1: an MWS config
    print(json.dumps({**sandbox.sp_credentials, **READY_STEP_FIELDS}), flush=True)  # line 2: as SP-API
    print(f"amazon-mws sandbox: Seller Central for 'Connect with Amazon': {sandbox.endpoint}, "
          f"application id {sandbox.sp.auth.application_id}", file=sys.stderr, flush=True)
    if args.time_scale == 1.0 and not args.no_throttle:
        print("amazon-mws sandbox: quotas as Amazon's (ListOrders: 1 request a minute once the burst of 6 is "
              "spent); for shorter waits start it with --time-scale 0.01 and run the client with "
              "AMAZON_MWS_TIME_SCALE=0.01", file=sys.stderr, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0
