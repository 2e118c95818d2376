"""Parameter building, credentials, endpoints and the sections' local validation (no network)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from mws_unit_data import AMAZON

from amazon_mws.core.http import default_user_agent
from amazon_mws.core.marketplaces import MARKETPLACES, marketplace_choices
from amazon_mws.core.params import iso8601, str_list
from amazon_mws.mws.connection import MwsConnection
from amazon_mws.mws.credentials import Credentials, endpoint_for
from amazon_mws.mws.feeds import FeedsApi
from amazon_mws.mws.orders import OrdersApi
from amazon_mws.mws.params import flatten

CFG = {
    "sellerId": "A1EXAMPLESELLER",
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "secretKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "marketplaceId": "ATVPDKIKX0DER",
    "mwsAuthToken": "amzn.mws.4ea38b7b-f563-7709-4bae-87aeaEXAMPLE",
}


def test_flatten_enumerates_lists_and_drops_none() -> None:
    wire = flatten(
        {
            "MarketplaceId.Id": ["A", "B"],
            "OrderStatus.Status": ["Unshipped", "PartiallyShipped"],
            "AmazonOrderId.Id": ("1",),
            "FeedSubmissionIdList.Id": [],
            "Skip": None,
            "PurgeAndReplace": False,
            "MaxResultsPerPage": 100,
            "CreatedAfter": datetime(2024, 1, 1, 0, 0, tzinfo=timezone.utc),
        }
    )
    assert wire == {
        "MarketplaceId.Id.1": "A",
        "MarketplaceId.Id.2": "B",
        "OrderStatus.Status.1": "Unshipped",
        "OrderStatus.Status.2": "PartiallyShipped",
        "AmazonOrderId.Id.1": "1",
        "PurgeAndReplace": "false",
        "MaxResultsPerPage": "100",
        "CreatedAfter": "2024-01-01T00:00:00Z",
    }


def test_iso8601_always_z() -> None:
    assert iso8601(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05Z"
    assert (
        iso8601(datetime(2024, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))) == "2024-01-02T03:04:05Z"
    )
    assert iso8601(datetime(2024, 1, 2, 3, 4, 5, 306000, tzinfo=timezone.utc)) == "2024-01-02T03:04:05.306Z"
    assert iso8601("2020-06-24T14:38:21.306Z") == "2020-06-24T14:38:21.306Z"
    assert iso8601("2020-06-24T16:38:21+02:00") == "2020-06-24T14:38:21Z"
    with pytest.raises(ValueError, match="created_after: 'yesterday' is not an ISO 8601"):
        iso8601("yesterday", field="created_after")


def test_str_list_rules() -> None:
    assert str_list("X", field="ids") == ["X"]
    with pytest.raises(ValueError, match="ids: at most 2"):
        str_list(["a", "b", "c"], field="ids", max_items=2)
    with pytest.raises(ValueError, match="ids: every item"):
        str_list(["a", " "], field="ids")


def test_credentials_from_config_and_repr_hides_secrets() -> None:
    creds = Credentials.from_config(CFG)
    assert creds.seller_id == "A1EXAMPLESELLER" and creds.endpoint is None
    assert creds.mws_auth_token == CFG["mwsAuthToken"]
    text = repr(creds) + str(creds)
    assert CFG["secretKey"] not in text and CFG["mwsAuthToken"] not in text
    assert "AKIAIOSFODNN7EXAMPLE" in text
    with pytest.raises(AttributeError):
        creds.seller_id = "other"  # type: ignore[misc]


@pytest.mark.parametrize("missing", ["sellerId", "accessKeyId", "secretKey", "marketplaceId"])
def test_credentials_missing_field(missing: str) -> None:
    cfg = {k: v for k, v in CFG.items() if k != missing}
    with pytest.raises(ValueError, match=f"^{missing}: is required"):
        Credentials.from_config(cfg)


def test_credentials_optional_blank_is_none() -> None:
    creds = Credentials.from_config({**CFG, "mwsAuthToken": "  ", "endpoint": ""})
    assert creds.mws_auth_token is None and creds.endpoint is None


def _dg_endpoints() -> dict[str, str]:
    """marketplace id -> MWS host, from Amazon's DG_Endpoints as quoted in the reference notes (§1.5):
    each backticked marketplace id belongs to the host named last before it."""
    text = (AMAZON / "mws-signing-and-vectors.md").read_text()
    section = text[text.index("### 1.5") : text.index("SP-API hosts")]
    hosts: dict[str, str] = {}
    host = ""
    for token in re.findall(r"`(https://[^`]+|[A-Z0-9]{9,14})`", section):
        if token.startswith("https://"):
            host = token
        else:
            hosts[token] = host
    return hosts


def test_mws_hosts_are_amazons_dg_endpoints() -> None:
    expected = _dg_endpoints()
    assert len(expected) == 21 and set(expected) == set(MARKETPLACES)
    assert {mid: endpoint_for(mid) for mid in MARKETPLACES} == expected
    assert MARKETPLACES["ATVPDKIKX0DER"].name == "United States (amazon.com)"
    assert marketplace_choices()["A2EUQ1WTGCTBG2"] == "Canada (amazon.ca)"
    assert endpoint_for("ATVPDKIKX0DER", "http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    with pytest.raises(ValueError, match="^marketplaceId: unknown marketplace 'NOPE'"):
        endpoint_for("NOPE")
    with pytest.raises(ValueError, match="^endpoint:"):
        endpoint_for("ATVPDKIKX0DER", "ftp://x")
    assert endpoint_for("NOPE", "http://127.0.0.1:1") == "http://127.0.0.1:1"


def test_user_agent_form() -> None:
    ua = default_user_agent()
    assert ua.startswith("amazon-mws-component/0.1.0 (Language=Python/")
    assert "; Platform=" in ua and ua.endswith(")")


@pytest.fixture
def orders() -> OrdersApi:
    # port 9 (discard) is never contacted: validation fails before any request
    creds = Credentials.from_config({**CFG, "endpoint": "http://127.0.0.1:9"})
    return OrdersApi(MwsConnection(creds, time_scale=0.001))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "last_updated_after"),
        (
            {"last_updated_after": "2024-01-01T00:00:00Z", "created_after": "2024-01-01T00:00:00Z"},
            "last_updated_after",
        ),
        (
            {"created_after": "2024-01-01T00:00:00Z", "last_updated_before": "2024-01-02T00:00:00Z"},
            "last_updated_before",
        ),
        ({"created_after": "2024-01-01T00:00:00Z", "statuses": ["Unshipped"]}, "statuses"),
        ({"created_after": "2024-01-01T00:00:00Z", "statuses": ["Lost"]}, "statuses"),
        ({"created_after": "2024-01-01T00:00:00Z", "max_results": 0}, "max_results"),
        ({"created_after": "2024-01-01T00:00:00Z", "max_results": 101}, "max_results"),
        ({"created_after": "not a date"}, "created_after"),
        ({"created_after": "2024-01-01T00:00:00Z", "fulfillment_channels": ["XFN"]}, "fulfillment_channels"),
    ],
)
def test_list_orders_validation(orders: OrdersApi, kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        orders.list_orders(**kwargs)
    assert orders.conn.requests_made == 0


def test_get_order_limits(orders: OrdersApi) -> None:
    with pytest.raises(ValueError, match="^ids: at most 50"):
        orders.get_order([f"111-0000000-{i:07d}" for i in range(51)])
    with pytest.raises(ValueError, match="^ids: at least one"):
        orders.get_order([])
    assert orders.conn.requests_made == 0


def test_feeds_validation(orders: OrdersApi) -> None:
    feeds = FeedsApi(orders.conn)
    with pytest.raises(ValueError, match="^feed:"):
        feeds.submit_feed(b"", "_POST_ORDER_ACKNOWLEDGEMENT_DATA_")
    with pytest.raises(ValueError, match="^feed_type:"):
        feeds.submit_feed(b"<x/>", " ")
    with pytest.raises(ValueError, match="^max_count:"):
        feeds.get_feed_submission_list(max_count=500)
    with pytest.raises(ValueError, match="^statuses:"):
        feeds.get_feed_submission_list(statuses=["_DONE"])
    with pytest.raises(ValueError, match="^ids: at most 100"):
        feeds.get_feed_submission_list([str(i) for i in range(101)])
    assert orders.conn.requests_made == 0


def test_unknown_section_and_body_rules(orders: OrdersApi) -> None:
    with pytest.raises(ValueError, match="^section:"):
        orders.conn.call("Reports", "RequestReport", {})
    with pytest.raises(ValueError, match="^body:"):
        orders.conn.call("Orders", "ListOrders", {}, body=b"x")
