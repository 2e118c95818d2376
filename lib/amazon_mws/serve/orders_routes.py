"""GET /order (one ListOrders page, NextToken passed through) and GET /order/item (every item of an order).

/order is raw paging on purpose: the caller holds the NextToken and asks for the next page when it wants
it, so this calls the orders backend directly (the trigger would walk every page). /order/item is exactly the
`listOrderItems` step, run through `run_step`. Both answer in Amazon's own names, wrapped the way the
REST API's seed shows (`ListOrdersResult`, `ListOrderItemsResult`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from amazon_mws.backends import orders_api
from amazon_mws.core.orders import FULFILLMENT_CHANNELS, ORDER_STATUSES
from amazon_mws.core.times import parse_time, to_amazon
from amazon_mws.runtime.executor import run_step
from amazon_mws.serve.errors import bad_request, from_error
from amazon_mws.serve.http import Request, Response

ORDER_ID = re.compile(r"^[0-9]{3}-[0-9]{7}-[0-9]{7}$")
TIME_PARAMS = {
    "CreatedAfter": "created_after",
    "CreatedBefore": "created_before",
    "LastUpdatedAfter": "last_updated_after",
    "LastUpdatedBefore": "last_updated_before",
}
LIST_PARAMS = {
    "OrderStatus": "statuses",
    "FulfillmentChannel": "fulfillment_channels",
    "MarketplaceId": "marketplace_ids",
    "PaymentMethod": "payment_methods",
    "TFMShipmentStatus": "tfm_statuses",
}
LOOKUP_PARAMS = {"BuyerEmail": "buyer_email", "SellerOrderId": "seller_order_id"}
KNOWN = {*TIME_PARAMS, *LIST_PARAMS, *LOOKUP_PARAMS, "MaxResultsPerPage", "NextToken"}
PY_TO_QUERY = {
    v: k for k, v in {**TIME_PARAMS, **LIST_PARAMS, **LOOKUP_PARAMS, "MaxResultsPerPage": "max_results"}.items()
}
_PY_NAME = re.compile(r"\b(" + "|".join(sorted(PY_TO_QUERY, key=len, reverse=True)) + r")\b")


def _single(query: dict[str, list[str]], name: str, problems: list[str]) -> str | None:
    values = [v for v in query.get(name, []) if v.strip()]
    if len(values) > 1:
        problems.append(f"{name}: given {len(values)} times, send it once")
    return values[0].strip() if values else None


def _many(query: dict[str, list[str]], name: str) -> list[str]:
    """Repeated (`OrderStatus=A&OrderStatus=B`) or comma-separated (`OrderStatus=A,B`)."""
    return [part.strip() for value in query.get(name, []) for part in value.split(",") if part.strip()]


def list_orders_args(query: dict[str, list[str]]) -> dict[str, Any]:
    """OrdersBackend.list_orders keyword arguments from the query; every problem at once, by query name."""
    problems = [f"{name}: unknown query parameter" for name in query if name not in KNOWN]
    args: dict[str, Any] = {}
    for name, arg in TIME_PARAMS.items():
        value = _single(query, name, problems)
        if value is not None:
            try:
                args[arg] = to_amazon(parse_time(value, name))
            except ValueError as exc:
                problems.append(str(exc))
    statuses = _many(query, "OrderStatus")
    problems += [f"OrderStatus: {s!r} is not one of {', '.join(ORDER_STATUSES)}"
                 for s in statuses if s not in ORDER_STATUSES]
    channels = _many(query, "FulfillmentChannel")
    problems += [f"FulfillmentChannel: {c!r} is not AFN or MFN" for c in channels if c not in FULFILLMENT_CHANNELS]
    markets = _many(query, "MarketplaceId")
    if statuses:
        args["statuses"] = list(dict.fromkeys(statuses))
    if channels:
        args["fulfillment_channels"] = list(dict.fromkeys(channels))
    if markets:
        args["marketplace_ids"] = list(dict.fromkeys(markets))
    for name in ("PaymentMethod", "TFMShipmentStatus"):  # their values are checked by the backend
        values = _many(query, name)
        if values:
            args[LIST_PARAMS[name]] = list(dict.fromkeys(values))
    for name, arg in LOOKUP_PARAMS.items():
        value = _single(query, name, problems)
        if value is not None:
            args[arg] = value
    per_page = _single(query, "MaxResultsPerPage", problems)
    if per_page is not None:
        if not re.fullmatch(r"[0-9]{1,3}", per_page) or not 1 <= int(per_page) <= 100:
            problems.append(f"MaxResultsPerPage: {per_page!r} is not a whole number from 1 to 100")
        else:
            args["max_results"] = int(per_page)
    if ("created_after" in args) == ("last_updated_after" in args) and not problems:
        problems.append("CreatedAfter: give exactly one of CreatedAfter and LastUpdatedAfter")
    if "created_before" in args and "created_after" not in args:
        problems.append("CreatedBefore: only allowed with CreatedAfter")
    if "last_updated_before" in args and "last_updated_after" not in args:
        problems.append("LastUpdatedBefore: only allowed with LastUpdatedAfter")
    if problems:
        raise bad_request(problems)
    return args


def _page_body(page: Any) -> dict[str, Any]:
    return {
        "ListOrdersResult": {
            "Orders": page.orders,
            "NextToken": page.next_token,
            "LastUpdatedBefore": page.last_updated_before,
            "CreatedBefore": page.created_before,
        },
        "ResponseMetadata": {"RequestId": page.request_id},
    }


def _query_name(message: str) -> str:
    """The backend's ValueErrors name Python arguments; the caller sent query names."""
    return _PY_NAME.sub(lambda match: PY_TO_QUERY[match.group(0)], message)


def list_orders(request: Request, cfg: Mapping[str, Any]) -> Response:
    query = request.query
    problems: list[str] = []
    token = _single(query, "NextToken", problems)
    if problems:
        raise bad_request(problems)
    if token is not None:
        others = [name for name in query if name != "NextToken"]
        if others:
            raise bad_request([f"{name}: cannot be combined with NextToken (the token carries the filters)"
                               for name in others])
        return Response(200, _page_body(orders_api(cfg).list_orders_by_next_token(token)))
    args = list_orders_args(query)
    api = orders_api(cfg)
    try:
        page = api.list_orders(**args)
    except ValueError as exc:  # Amazon's request rules, checked before sending
        raise bad_request([_query_name(str(exc))]) from None
    return Response(200, _page_body(page))


def list_order_items(request: Request, cfg: Mapping[str, Any]) -> Response:
    problems = [f"{name}: unknown query parameter" for name in request.query if name != "AmazonOrderId"]
    order_id = _single(request.query, "AmazonOrderId", problems)
    if order_id is None:
        problems.append("AmazonOrderId: is required")
    elif not ORDER_ID.match(order_id):
        problems.append(f"AmazonOrderId: {order_id!r} is not an Amazon order id (3-7-7 digits, 123-1234567-1234567)")
    if problems:
        raise bad_request(problems)
    result = run_step("listOrderItems", dict(cfg), {"amazonOrderId": order_id})
    if result.errors:
        error = result.errors[0]
        raise from_error(error["type"], error["message"])
    body = result.data[0].body
    return Response(200, {"ListOrderItemsResult": {"AmazonOrderId": body["amazonOrderId"],
                                                   "OrderItems": list(body["orderItems"])}})
