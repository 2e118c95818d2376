"""Shared by the serve tests and their conftest: the credentials the test service accepts, its
configuration for a sandbox, and `Served` (a sandbox, the service in front of it, an authenticated session).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import requests

from amazon_mws.sandbox import Sandbox
from amazon_mws.serve import ServerConfig, Service

TIME_SCALE = 0.01
TOKEN = "tok-" + secrets.token_hex(16)
API_KEY = "key-" + secrets.token_hex(16)
HUB_TOKEN = "hub-" + secrets.token_hex(16)


@dataclass
class Served:
    sandbox: Sandbox
    service: Service
    session: requests.Session

    @property
    def url(self) -> str:
        return self.service.url

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.url + path, timeout=60, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.session.post(self.url + path, timeout=60, **kw)

    def amazon_requests(self, *actions: str) -> list[dict]:
        return [r for r in self.sandbox.requests if not actions or r.get("action") in actions]

    def hub_message(self, last_updated_after: str, *, message_id: str = "1234567", **overrides: Any) -> dict:
        creds = self.sandbox.credentials
        params = {
            "amazon.aws_access_key": creds["accessKeyId"],
            "amazon.secret_key": creds["secretKey"],
            "amazon.marketplace_id": creds["marketplaceId"],
            "amazon.seller_id": creds["sellerId"],
            "amazon.mws_auth_token": creds["mwsAuthToken"],
            "amazon.last_updated_after": last_updated_after,
        }
        params.update(overrides)
        return {"message": "amazon:order:poll", "message_id": message_id, "payload": {},
                "parameters": {k: v for k, v in params.items() if v is not None}}


def server_config(sb: Sandbox, **extra: Any) -> ServerConfig:
    data = {
        "auth": {"bearerTokens": [TOKEN, HUB_TOKEN], "apiKeys": [API_KEY]},
        "amazon": sb.credentials,
        "spree": {"endpoint": sb.endpoint},
    }
    data.update(extra)
    return ServerConfig.from_dict(data)
