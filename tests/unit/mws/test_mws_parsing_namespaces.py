"""The parser's fast paths change nothing: the root's default namespace dropped before parsing, tags
remembered per datatype with their namespace, the DOCTYPE scan started at the first "!"."""

from __future__ import annotations

import pytest
from mws_unit_data import SAMPLES

from amazon_mws.core import model
from amazon_mws.core.model import parse_document
from amazon_mws.core.xml import XmlError, _without_root_namespace, parse_xml

NS = "https://mws.amazonservices.com/Orders/2013-09-01"
ORDER = ("<Order><AmazonOrderId>111-1111111-1111111</AmazonOrderId><NumberOfItemsShipped> 2 </NumberOfItemsShipped>"
         "<IsPrime>true</IsPrime><OrderTotal><Amount>1.50</Amount></OrderTotal><Extra>x</Extra><Extra>y</Extra>"
         "</Order>")
EXPECTED = {"ListOrdersResponse": {"ListOrdersResult": {"Orders": [{
    "AmazonOrderId": "111-1111111-1111111", "NumberOfItemsShipped": 2, "IsPrime": True,
    "OrderTotal": {"Amount": "1.50"}, "Extra": ["x", "y"]}]}}}


def page(root_open: str, order: str = ORDER) -> bytes:
    return (f'<?xml version="1.0"?>\n{root_open}<ListOrdersResult><Orders>{order}</Orders></ListOrdersResult>'
            "</ListOrdersResponse>").encode()


@pytest.mark.parametrize("root_open", [
    f'<ListOrdersResponse xmlns="{NS}">',
    "<ListOrdersResponse>",
    f'<ListOrdersResponse xmlns="{NS}" xmlns:x="urn:x">',
    f'<ListOrdersResponse  xmlns="{NS}" >',
])
def test_the_same_typed_json_with_or_without_namespaces(root_open):
    assert parse_document(page(root_open)) == EXPECTED


def test_a_nested_default_namespace_and_a_prefixed_root_are_still_read_by_local_name():
    nested = ORDER.replace("<Order>", '<Order xmlns="urn:other">')
    assert parse_document(page(f'<ListOrdersResponse xmlns="{NS}">', order=nested)) == EXPECTED
    prefixed = (f'<m:ListOrdersResponse xmlns:m="{NS}"><m:ListOrdersResult><m:Orders><m:Order>'
                "<m:AmazonOrderId>111-1111111-1111111</m:AmazonOrderId><m:NumberOfItemsShipped>2"
                "</m:NumberOfItemsShipped><m:IsPrime>true</m:IsPrime><m:OrderTotal><m:Amount>1.50</m:Amount>"
                "</m:OrderTotal><m:Extra>x</m:Extra><m:Extra>y</m:Extra></m:Order></m:Orders></m:ListOrdersResult>"
                "</m:ListOrdersResponse>")
    assert parse_document(prefixed.encode()) == EXPECTED


def test_only_a_plain_root_with_one_default_namespace_is_rewritten():
    plain = f'<?xml version="1.0"?>\n<R xmlns="{NS}"><a/></R>'.encode()
    assert _without_root_namespace(plain) == b'<?xml version="1.0"?>\n<R><a/></R>'
    for untouched in (
        f'<R xmlns="{NS}" id="1"><a/></R>',  # another attribute
        f'<!-- note --><R xmlns="{NS}"><a/></R>',  # a comment first
        f'<!DOCTYPE R><R xmlns="{NS}"><a/></R>',  # a DOCTYPE first
        f'<R xmlns:p="{NS}"><a/></R>',  # a prefix, not the default namespace
        '<R><a xmlns="urn:x"/></R>',  # a default namespace below the root
    ):
        assert _without_root_namespace(untouched.encode()) == untouched.encode()


def test_every_sample_parses_the_same_with_the_root_namespace_kept(monkeypatch):
    samples = sorted(SAMPLES.glob("*.xml"))
    fast = [parse_document(p.read_bytes()) for p in samples]
    monkeypatch.setattr("amazon_mws.core.xml._without_root_namespace", lambda data: data)
    monkeypatch.setattr(model, "_COMPILED", {})
    model._compile()  # fresh tables: nothing learned on the fast path
    assert [parse_document(p.read_bytes()) for p in samples] == fast


def test_learned_tags_are_capped(monkeypatch):
    monkeypatch.setattr(model, "MAX_LEARNED_TAGS", len(model._COMPILED["Money"]) + 3)
    for i in range(20):
        doc = f'<GetOrderResponse xmlns="urn:n{i}" id="x"><GetOrderResult><Orders><Order>' \
              f'<OrderTotal xmlns="urn:m{i}"><Amount>{i}</Amount></OrderTotal></Order></Orders>' \
              "</GetOrderResult></GetOrderResponse>"
        got = parse_document(doc.encode())
        assert got["GetOrderResponse"]["GetOrderResult"]["Orders"][0]["OrderTotal"] == {"Amount": str(i)}
    assert len(model._COMPILED["Money"]) <= model.MAX_LEARNED_TAGS


@pytest.mark.parametrize("doc", [
    b'<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>',
    b'<?xml version="1.0"?><!-- hello! --><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>',
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
])
def test_entities_are_refused_wherever_the_first_exclamation_mark_is(doc):
    with pytest.raises(XmlError, match="declares entities"):
        parse_xml(doc)


def test_an_exclamation_mark_in_text_is_only_text():
    assert parse_document(page(f'<ListOrdersResponse xmlns="{NS}">', order=ORDER.replace(">x<", ">x!<")))[
        "ListOrdersResponse"]["ListOrdersResult"]["Orders"][0]["Extra"] == ["x!", "y"]
