"""Every vector in ../shared/amazon/mws-signing-and-vectors.md against signing.py.

The vectors are transcribed here from the reference file, and one test checks that each expected
value really appears in that file, so a typo in a test cannot make a wrong signer pass.
"""

from __future__ import annotations

import pytest
from mws_unit_data import AMAZON

from amazon_mws.mws import signing
from amazon_mws.mws.connection import MwsConnection
from amazon_mws.mws.credentials import Credentials

DOC = (AMAZON / "mws-signing-and-vectors.md").read_text()

V2_PARAMS = {
    "Action": "DescribeJobFlows",
    "Version": "2009-03-31",
    "AWSAccessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "SignatureVersion": "2",
    "SignatureMethod": "HmacSHA256",
    "Timestamp": "2011-10-03T15:19:30",
}
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
COMMON = {
    "AWSAccessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "SignatureMethod": "HmacSHA256",
    "SignatureVersion": "2",
    "Timestamp": "2024-01-02T03:04:05",
}
AUTH = "amzn.mws.4ea38b7b-f563-7709-4bae-87aeaEXAMPLE"
D1 = {
    **COMMON,
    "Action": "ListOrders",
    "SellerId": "A1EXAMPLESELLER",
    "Version": "2013-09-01",
    "MWSAuthToken": AUTH,
    "LastUpdatedAfter": "2024-01-01T00:00:00Z",
    "MarketplaceId.Id.1": "ATVPDKIKX0DER",
    "MaxResultsPerPage": "100",
    "OrderStatus.Status.1": "Unshipped",
    "OrderStatus.Status.2": "PartiallyShipped",
}
D3 = {
    **COMMON,
    "Action": "SubmitFeed",
    "Merchant": "A1EXAMPLESELLER",
    "Version": "2009-01-01",
    "FeedType": "_POST_ORDER_FULFILLMENT_DATA_",
    "PurgeAndReplace": "false",
    "MarketplaceIdList.Id.1": "A1F83G8C2ARO7P",
}

EXPECTED = [
    "XKab7VXEklL8EYE0HcqRF97fgjqTNsM7NFe/gJ7eWLE=",
    "i91nKc4PWAt0JJIdXwz9HxZCJDdiy6cf/Mj6vPxyYIs=",
    "j7bZM0LXZ9eXeZruTqWm2DIvDYVUU3wxPPpp+iXxzQc=",
    "F8zvW31wDYENPZrwkVYaPOLHh2R+goZncb0SlwTwyes=",
    "gLQEmJZH2ZknK0mUuTPStXfPXf+WFO34wUR2t7PVObc=",
    "9sQAc/irEbbSA8tPQLzDmuNuhvW9ZJXIglXpm24csFA=",
    "GKIPax7MnoRLK1xLvpLdOHXXs0jBmGwYSyzUEb5N1qY=",
    "YhRZdLbVXUjXJweqX77DyjgrrpRxOfHl7nso35X2ud0=",
    "Zj+Bh1BJ8HzBb9ToK28qFQ==",
    "mA5nPbh1CSx9M3dbkr3Cyg==",
]


@pytest.mark.parametrize("value", EXPECTED)
def test_expected_values_are_the_reference_files(value: str) -> None:
    assert value in DOC


def test_v1_shipworks_orders() -> None:
    string = (
        "POST\nmws.amazonservices.com\n/Orders/2011-01-01\n"
        "AWSAccessKeyId=AKIAJU465C2O2U6WNQTA&Action=ListOrderItems&AmazonOrderId=SHIPWORKS_CONNECT_ATTEMPT"
        "&SellerId=A2OIXR4TA6XKOD&SignatureMethod=HmacSHA256&SignatureVersion=2"
        "&Timestamp=2011-08-19T15%3A55%3A39Z&Version=2011-01-01"
    )
    secret = "0+NcTFU11/qooQriFFO7k0JxY64t/P38DIAAAgeW"
    assert signing.hmac_sha256_b64(secret, string) == "XKab7VXEklL8EYE0HcqRF97fgjqTNsM7NFe/gJ7eWLE="
    params = {
        "AWSAccessKeyId": "AKIAJU465C2O2U6WNQTA",
        "Action": "ListOrderItems",
        "AmazonOrderId": "SHIPWORKS_CONNECT_ATTEMPT",
        "SellerId": "A2OIXR4TA6XKOD",
        "SignatureMethod": "HmacSHA256",
        "SignatureVersion": "2",
        "Timestamp": "2011-08-19T15:55:39Z",
        "Version": "2011-01-01",
    }
    assert signing.string_to_sign("POST", "mws.amazonservices.com", "/Orders/2011-01-01", params) == string
    sig = signing.sign("POST", "mws.amazonservices.com", "/Orders/2011-01-01", params, secret)
    assert sig == "XKab7VXEklL8EYE0HcqRF97fgjqTNsM7NFe/gJ7eWLE="


def test_v2_emr_byte_order_and_encoded_signature() -> None:
    canonical = (
        "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Action=DescribeJobFlows&SignatureMethod=HmacSHA256"
        "&SignatureVersion=2&Timestamp=2011-10-03T15%3A19%3A30&Version=2009-03-31"
    )
    assert signing.canonical_query(V2_PARAMS) == canonical
    host = "elasticmapreduce.amazonaws.com"
    assert signing.sign("GET", host, "/", V2_PARAMS, SECRET) == "i91nKc4PWAt0JJIdXwz9HxZCJDdiy6cf/Mj6vPxyYIs="
    wire = signing.signed_query("GET", host, "/", V2_PARAMS, SECRET)
    assert wire == canonical + "&Signature=i91nKc4PWAt0JJIdXwz9HxZCJDdiy6cf%2FMj6vPxyYIs%3D"
    assert signing.verify(
        "GET", host, "/", {**V2_PARAMS, "Signature": "i91nKc4PWAt0JJIdXwz9HxZCJDdiy6cf/Mj6vPxyYIs="}, SECRET
    )
    assert not signing.verify(
        "POST", host, "/", {**V2_PARAMS, "Signature": "i91nKc4PWAt0JJIdXwz9HxZCJDdiy6cf/Mj6vPxyYIs="}, SECRET
    )


def test_v3_product_advertising_commas_and_plus() -> None:
    params = {
        "Service": "AWSECommerceService",
        "AWSAccessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "AssociateTag": "mytag-20",
        "Operation": "ItemLookup",
        "ItemId": "0679722769",
        "ResponseGroup": "Images,ItemAttributes,Offers,Reviews",
        "Version": "2013-08-01",
        "Timestamp": "2014-08-18T12:00:00Z",
    }
    assert "ResponseGroup=Images%2CItemAttributes%2COffers%2CReviews" in signing.canonical_query(params)
    sig = signing.sign("GET", "webservices.amazon.com", "/onca/xml", params, "1234567890")
    assert sig == "j7bZM0LXZ9eXeZruTqWm2DIvDYVUU3wxPPpp+iXxzQc="
    assert signing.signed_query("GET", "webservices.amazon.com", "/onca/xml", params, "1234567890").endswith(
        "%2BiXxzQc%3D"
    )


def test_v4_raw_hmac() -> None:
    got = signing.hmac_sha256_b64("beelzebub", "GET\nmws.amazonaws.com\n/\ndevil=666")
    assert got == "F8zvW31wDYENPZrwkVYaPOLHh2R+goZncb0SlwTwyes="
    assert signing.sign("GET", "mws.amazonaws.com", "/", {"devil": "666"}, "beelzebub") == got


def test_v5_encoding_utf8_and_space() -> None:
    params = {"Name": "ST", "City": "Los Ángeles", "Timestamp": "2020-01-01T10:30:30"}
    assert (
        signing.canonical_query(params) == "City=Los%20%C3%81ngeles&Name=ST&Timestamp=2020-01-01T10%3A30%3A30"
    )
    assert signing.encode("a b*c~d+e/f=g!h'i(j)") == "a%20b%2Ac~d%2Be%2Ff%3Dg%21h%27i%28j%29"


def test_d1_list_orders_post_and_get_differ() -> None:
    canonical = (
        "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Action=ListOrders&LastUpdatedAfter=2024-01-01T00%3A00%3A00Z"
        "&MWSAuthToken=amzn.mws.4ea38b7b-f563-7709-4bae-87aeaEXAMPLE&MarketplaceId.Id.1=ATVPDKIKX0DER"
        "&MaxResultsPerPage=100&OrderStatus.Status.1=Unshipped&OrderStatus.Status.2=PartiallyShipped"
        "&SellerId=A1EXAMPLESELLER&SignatureMethod=HmacSHA256&SignatureVersion=2"
        "&Timestamp=2024-01-02T03%3A04%3A05&Version=2013-09-01"
    )
    assert signing.canonical_query(D1) == canonical
    host, path = "mws.amazonservices.com", "/Orders/2013-09-01"
    assert signing.sign("POST", host, path, D1, SECRET) == "gLQEmJZH2ZknK0mUuTPStXfPXf+WFO34wUR2t7PVObc="
    assert signing.sign("GET", host, path, D1, SECRET) == "9sQAc/irEbbSA8tPQLzDmuNuhvW9ZJXIglXpm24csFA="


def test_d2_next_token_with_reserved_characters() -> None:
    params = {
        **COMMON,
        "Action": "ListOrdersByNextToken",
        "SellerId": "A1EXAMPLESELLER",
        "Version": "2013-09-01",
        "MWSAuthToken": AUTH,
        "NextToken": "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4+/a==",
    }
    assert "NextToken=2YgYW55IGNhcm5hbCBwbGVhc3VyZS4%2B%2Fa%3D%3D" in signing.canonical_query(params)
    sig = signing.sign("POST", "mws.amazonservices.com", "/Orders/2013-09-01", params, SECRET)
    assert sig == "GKIPax7MnoRLK1xLvpLdOHXXs0jBmGwYSyzUEb5N1qY="


def test_d3_submit_feed_eu() -> None:
    canonical = (
        "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Action=SubmitFeed&FeedType=_POST_ORDER_FULFILLMENT_DATA_"
        "&MarketplaceIdList.Id.1=A1F83G8C2ARO7P&Merchant=A1EXAMPLESELLER&PurgeAndReplace=false"
        "&SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp=2024-01-02T03%3A04%3A05&Version=2009-01-01"
    )
    assert signing.canonical_query(D3) == canonical
    sig = signing.sign("POST", "mws-eu.amazonservices.com", "/Feeds/2009-01-01", D3, SECRET)
    assert sig == "YhRZdLbVXUjXJweqX77DyjgrrpRxOfHl7nso35X2ud0="


def test_md5_vectors() -> None:
    assert signing.content_md5(b"abc\tdef") == "Zj+Bh1BJ8HzBb9ToK28qFQ=="
    assert signing.content_md5(b"mws") == "mA5nPbh1CSx9M3dbkr3Cyg=="


def test_canonical_query_vector() -> None:
    params = {
        "AWSAccessKeyId": "MY_ACCESS_KEY",
        "Markets": "MY_ACCOUNT_ID",
        "SignatureVersion": "2",
        "Timestamp": "2017-08-12T19:40:35Z",
        "Version": "2017-01-01",
        "SignatureMethod": "HmacSHA256",
    }
    assert signing.canonical_query(params) == (
        "AWSAccessKeyId=MY_ACCESS_KEY&Markets=MY_ACCOUNT_ID&SignatureMethod=HmacSHA256&SignatureVersion=2"
        "&Timestamp=2017-08-12T19%3A40%3A35Z&Version=2017-01-01"
    )


def test_host_of_keeps_non_default_port() -> None:
    assert signing.host_of("https://MWS.amazonservices.com") == "mws.amazonservices.com"
    assert signing.host_of("https://mws.amazonservices.com:443") == "mws.amazonservices.com"
    assert signing.host_of("http://127.0.0.1:8765") == "127.0.0.1:8765"


def test_connection_signs_d1_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection's own request building reproduces D1 when the clock is the vector's."""
    from amazon_mws.mws import connection as connection_module

    monkeypatch.setattr(connection_module, "_timestamp", lambda: "2024-01-02T03:04:05")
    creds = Credentials(
        "A1EXAMPLESELLER", "AKIAIOSFODNN7EXAMPLE", SECRET, "ATVPDKIKX0DER", mws_auth_token=AUTH
    )
    conn = MwsConnection(creds, time_scale=1.0)
    from amazon_mws.mws.params import flatten

    wire = flatten(
        {
            "LastUpdatedAfter": "2024-01-01T00:00:00Z",
            "MarketplaceId.Id": ["ATVPDKIKX0DER"],
            "OrderStatus.Status": ["Unshipped", "PartiallyShipped"],
            "MaxResultsPerPage": 100,
        }
    )
    query = conn._signed(connection_module.SECTIONS["Orders"], "ListOrders", wire, None)
    assert query.endswith("&Signature=" + signing.encode("gLQEmJZH2ZknK0mUuTPStXfPXf+WFO34wUR2t7PVObc="))
