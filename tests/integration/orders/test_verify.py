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


def verify(cli, tmp_path, cfg, env=None):
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(json.dumps(cfg))
    proc = cli("verify", "--config", cfg_path, timeout=60, env=env)
    return proc, json.loads(proc.stdout)


def test_verify_refuses_a_marketplace_the_seller_does_not_sell_in(sandbox, tmp_path, cli):
    canada = "A2EUQ1WTGCTBG2"  # same region, same host: only Amazon's participations can tell
    proc, out = verify(cli, tmp_path, {**sandbox.credentials, "marketplaceId": canada})
    assert proc.returncode == 1 and out["error"]["type"] == "CredentialsRejected"
    assert out["error"]["message"] == (
        f"marketplaceId: the seller does not sell in {canada} (sells in: {sandbox.marketplace_id})")
    assert [r["action"] for r in sandbox.requests] == ["ListMarketplaceParticipations"]  # one signed call


def test_a_throttled_verify_says_when_to_try_again(sandbox, tmp_path, cli):
    sandbox.faults.inject("throttle", operation="ListMarketplaceParticipations")
    proc, out = verify(cli, tmp_path, sandbox.credentials, env={"AMAZON_MWS_TIME_SCALE": "1"})
    assert proc.returncode == 1 and out["error"]["type"] == "Throttled"
    # the bucket's restore interval (15 requests, then one a minute), as Amazon publishes it
    assert out["error"]["message"].startswith("RequestThrottled: throttled by Amazon: try again in 60 s")
    again, ok = verify(cli, tmp_path, sandbox.credentials)
    assert again.returncode == 0 and ok == {"verified": True}


def test_verify_of_sp_api_keys_without_backend_says_to_set_it_and_asks_nothing(sandbox, tmp_path, cli):
    sp = {k: v for k, v in sandbox.sp_credentials.items() if k != "backend"}
    proc, out = verify(cli, tmp_path, {**sp, "marketplaceID": sp["marketplaceId"]})
    assert proc.returncode == 1 and out["error"]["type"] == "ValidationError"
    assert out["error"]["message"] == (
        'cfg.marketplaceID: unknown field (did you mean marketplaceId?); cfg.backend: these look like SP-API '
        'credentials (lwaClientId, lwaClientSecret, refreshToken, lwaTokenUrl): set "backend": "sp-api"')
    assert sandbox.requests == []
