"""What the hardening tests share: the distinctive credentials every test uses, and the scan for them.

A module with a name of its own, so test files import it by name (`from conftest import` picks whichever
conftest.py comes first on sys.path).
"""

from __future__ import annotations

import secrets as _secrets
import sys
from pathlib import Path
from urllib.parse import quote

from amazon_mws.steps.fields import ORDER_STATUSES

TIME_SCALE = 0.001  # quotas, back-offs and feed processing 1000x faster on both sides
AMAZON_MWS = Path(sys.executable).parent / "amazon-mws"
_tag = _secrets.token_hex(4)
SECRETS = {
    "secretKey": f"hardening/SECRET+key={_tag}Zz09",
    "mwsAuthToken": f"amzn.mws.hardening-{_tag}-token/+=",
    "lwaClientSecret": f"amzn1.oa2-cs.v1.hardening{_tag}/secret+",
    "refreshToken": f"Atzr|hardening-refresh-{_tag}/+=",
    "wrongSecretKey": f"wrong/SECRET+key={_tag}Yy18",  # a mistyped secret is still a secret
}
CREDS = {
    "sellerId": "A1HARDENING",
    "accessKeyId": "AKIAHARDENING0001",
    "marketplaceId": "ATVPDKIKX0DER",
    "secretKey": SECRETS["secretKey"],
    "mwsAuthToken": SECRETS["mwsAuthToken"],
    "lwaClientSecret": SECRETS["lwaClientSecret"],
    "refreshToken": SECRETS["refreshToken"],
}
ALL_STATUSES = list(ORDER_STATUSES)


def _forms(value: str) -> set[str]:
    """A secret as it could appear in output: raw, URL-encoded (query or form), JSON-escaped."""
    return {
        value,
        quote(value),
        quote(value, safe=""),
        quote(value, safe="-_.~").replace("%20", "+"),
        value.replace("/", "\\/"),
    }


NEEDLES = {form: name for name, value in SECRETS.items() for form in _forms(value)}


def leaks(text: str) -> list[str]:
    """Names of the secrets found in `text` (empty: clean)."""
    return sorted({name for needle, name in NEEDLES.items() if needle in text})
