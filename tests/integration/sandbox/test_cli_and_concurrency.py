"""`amazon-mws sandbox` as a real process, and many clients at once against one sandbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests

from amazon_mws.sandbox import Sandbox

from .conftest import CREDS, Mws, find, stamp, text, xml

AMAZON_MWS = Path(sys.executable).parent / "amazon-mws"


def test_cli_prints_credentials_first_serves_and_stops_on_sigterm():
    proc = subprocess.Popen(
        [
            str(AMAZON_MWS),
            "sandbox",
            "--port",
            "0",
            "--orders",
            "15",
            "--seed",
            "4",
            "--time-scale",
            "0.01",
            "--no-throttle",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        cfg = json.loads(proc.stdout.readline())
        assert set(cfg) == {
            "sellerId",
            "mwsAuthToken",
            "accessKeyId",
            "secretKey",
            "marketplaceId",
            "endpoint",
            "orderStatus",  # a ready config for every step, the trigger included
        }
        assert cfg["orderStatus"] == ["Unshipped", "PartiallyShipped"]
        assert cfg["endpoint"].startswith("http://127.0.0.1:")
        sp_cfg = json.loads(proc.stdout.readline())
        assert sp_cfg["backend"] == "sp-api" and sp_cfg["endpoint"] == cfg["endpoint"]
        assert sp_cfg["lwaTokenUrl"] == cfg["endpoint"] + "/auth/o2/token" and sp_cfg["refreshToken"]

        class Remote:  # what Mws needs from a sandbox, for one in another process
            endpoint = cfg["endpoint"]
            credentials = cfg

            @staticmethod
            def now():
                from datetime import datetime, timezone

                return datetime.now(timezone.utc)

        with requests.Session() as s:
            mws = Mws(Remote(), s)
            resp = mws.call(
                "ListOrders",
                {
                    "MarketplaceId.Id.1": cfg["marketplaceId"],
                    "LastUpdatedAfter": stamp(Remote.now() - timedelta(days=40)),
                },
            )
            assert resp.status_code == 200, resp.text
            assert len(find(xml(resp), "ListOrdersResult/Orders/Order")) == 15
            assert mws.call("GetServiceStatus", secret="wrong").status_code == 403
        state = requests.get(cfg["endpoint"] + "/_sandbox/state", timeout=10).json()
        assert state["orders"] == 15
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0
    assert "ListOrders" in err and "SignatureDoesNotMatch" in err
    assert cfg["secretKey"] not in err and cfg["mwsAuthToken"] not in err


def test_cli_refuses_a_bad_time_scale():
    proc = subprocess.run(
        [str(AMAZON_MWS), "sandbox", "--time-scale", "0"], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 2 and "time_scale" in proc.stderr and proc.stdout == ""


def test_many_clients_at_once():
    with Sandbox(orders=200, seed=8, throttle=False, items_page_size=2, credentials=CREDS) as sb:
        ids = list(sb.orders)

        def one(n):
            with requests.Session() as s:
                mws = Mws(sb, s)
                oid = ids[n % len(ids)]
                resp = mws.call("GetOrder", {"AmazonOrderId.Id.1": oid})
                assert resp.status_code == 200, resp.text
                got = text(find(xml(resp), "GetOrderResult/Orders/Order")[0], "AmazonOrderId")
                items = mws.call("ListOrderItems", {"AmazonOrderId": oid})
                assert items.status_code == 200
                return got == oid

        with ThreadPoolExecutor(max_workers=24) as pool:
            assert all(pool.map(one, range(120)))
        assert len(sb.requests) == 240
