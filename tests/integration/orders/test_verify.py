"""`amazon-mws verify` on MWS: GetServiceStatus against the sandbox, and which credential Amazon refused."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({}, None),
        ({"secretKey": "not-the-secret"}, "secretKey"),
        ({"accessKeyId": "AKIAWRONGWRONGWRONG"}, "accessKeyId"),
        ({"sellerId": "A0THERSELLER"}, "sellerId"),
        ({"mwsAuthToken": "amzn.mws.00000000-0000-0000-0000-000000000000"}, "mwsAuthToken"),
    ],
)
def test_verify_names_the_credential_amazon_refused(sandbox, tmp_path, cli, change, field):
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(json.dumps({**sandbox.credentials, **change}))
    proc = cli("verify", "--config", cfg_path, timeout=60)
    out = json.loads(proc.stdout)
    if field is None:
        assert proc.returncode == 0 and out == {"verified": True}
        return
    assert proc.returncode == 1 and out["verified"] is False
    assert out["error"]["message"].startswith(f"{field}: Amazon refused it")
    assert sandbox.credentials["secretKey"] not in proc.stdout + proc.stderr
