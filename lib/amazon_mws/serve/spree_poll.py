"""POST /amazon/order/poll: the Spree hub's `amazon:order:poll` message in, `order:import` messages out.

It is the `getNewAndUpdatedOrders` trigger, run once through `run_step` with the hub's keys, items
included, and a throw-away snapshot whose cursor is the hub's `amazon.last_updated_after`. What differs
from the original Spree endpoint, on purpose:

- Every page is read (the trigger follows NextToken); there is no 30-order cap.
- The next `amazon.last_updated_after` is the `LastUpdatedBefore` Amazon returned for the window (the
  trigger's new cursor), not the newest order's date: the original never moved when every order of a
  window was filtered out, and skipped orders that Amazon had not made visible yet.
- A hub that sends SP-API keys (`amazon.lwa_client_id`, `amazon.lwa_client_secret`, `amazon.refresh_token`,
  optionally `amazon.lwa_token_url`) instead of the MWS ones is polled on SP-API's Orders v2026-01-01.
- Orders are mapped by the pure `to_spree_order`; a total that does not match its parts is reported
  (the order's `warnings` and the answer's `summary`), not hidden.

Orders are mapped while the trigger emits them (the `on_event` hook): the trigger drops its gathered
pages once the window is done, so the lazy order list is only readable during the run. Delivery is at
least once, like the trigger's: if the hub loses this answer it polls the same window again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from amazon_mws.core.times import parse_time, to_amazon
from amazon_mws.mapping.spree import to_spree_order
from amazon_mws.runtime.emitter import Event
from amazon_mws.runtime.executor import run_step
from amazon_mws.serve.config import ServerConfig
from amazon_mws.serve.errors import HttpError, bad_request, from_error
from amazon_mws.serve.http import Request, Response

POLL_MESSAGE = "amazon:order:poll"
IMPORT_MESSAGE = "order:import"
CURSOR_PARAM = "amazon.last_updated_after"
REQUIRED_PARAMS = {
    "amazon.aws_access_key": "accessKeyId",
    "amazon.secret_key": "secretKey",
    "amazon.marketplace_id": "marketplaceId",
    "amazon.seller_id": "sellerId",
}
OPTIONAL_PARAMS = {"amazon.mws_auth_token": "mwsAuthToken"}
# a hub that sends SP-API keys instead polls SP-API (Orders v2026-01-01): no MWS key is needed then
SP_REQUIRED_PARAMS = {
    "amazon.lwa_client_id": "lwaClientId",
    "amazon.lwa_client_secret": "lwaClientSecret",
    "amazon.refresh_token": "refreshToken",
    "amazon.marketplace_id": "marketplaceId",
    "amazon.seller_id": "sellerId",
}
SP_OPTIONAL_PARAMS = {"amazon.lwa_token_url": "lwaTokenUrl"}


def _parameters(raw: Any, problems: list[str]) -> dict[str, Any]:
    """The hub sends parameters as an object, or (older hubs) as a list of {name, value}."""
    if raw is None:
        problems.append("parameters: is required (the amazon.* keys)")
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, list):
        out = {}
        for i, entry in enumerate(raw):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
                problems.append(f"parameters[{i}]: must be an object with name and value")
            else:
                out[entry["name"]] = entry.get("value")
        return out
    problems.append("parameters: must be an object or a list of {name, value}")
    return {}


def parse_poll(body: bytes) -> tuple[str, dict[str, Any], str]:
    """(message_id, step cfg without endpoint and fields, cursor); 400 naming every problem."""
    try:
        message = json.loads(body or b"null")
    except ValueError as exc:
        raise bad_request([f"(body): is not JSON ({exc})"]) from None
    if not isinstance(message, Mapping):
        raise bad_request(["(body): must be a JSON object (a hub message)"])
    problems: list[str] = []
    if message.get("message") != POLL_MESSAGE:
        problems.append(f"message: must be {POLL_MESSAGE!r}, got {message.get('message')!r}")
    message_id = message.get("message_id")
    if isinstance(message_id, bool) or not isinstance(message_id, (str, int)) or str(message_id).strip() == "":
        problems.append("message_id: is required (a string)")
        message_id = ""
    params = _parameters(message.get("parameters"), problems)
    sp_api = params.get("amazon.refresh_token") is not None
    required, optional = (SP_REQUIRED_PARAMS, SP_OPTIONAL_PARAMS) if sp_api else (REQUIRED_PARAMS, OPTIONAL_PARAMS)
    cfg: dict[str, Any] = {"backend": "sp-api"} if sp_api else {}
    for name, key in {**required, **optional}.items():
        value = params.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if name in required:
                problems.append(f"parameters.{name}: is required")
        elif not isinstance(value, str):
            problems.append(f"parameters.{name}: must be a string")
        else:
            cfg[key] = value.strip()
    cursor: Any = params.get(CURSOR_PARAM)
    if not isinstance(cursor, str) or not cursor.strip():
        problems.append(f"parameters.{CURSOR_PARAM}: is required (ISO 8601, e.g. 2012-08-16T01:00:00Z)")
    else:
        try:
            cursor = to_amazon(parse_time(cursor, f"parameters.{CURSOR_PARAM}"))
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise bad_request(problems)
    return str(message_id), cfg, cursor


def poll(request: Request, config: ServerConfig) -> Response:
    message_id, cfg, cursor = parse_poll(request.body)
    if config.spree_endpoint:
        cfg["endpoint"] = config.spree_endpoint
    cfg.update({"orderStatus": list(config.spree_statuses), "includeOrderItems": True, "emitBehaviour": "all"})

    imports: list[dict[str, Any]] = []
    mapping_errors: list[str] = []

    def on_event(event: Event) -> None:
        if event.kind != "data" or event.message is None:
            return
        for order in event.message.body.get("orders") or []:
            try:
                spree = to_spree_order(order, order.get("orderItems") or [])
            except ValueError as exc:
                mapping_errors.append(f"order {order.get('AmazonOrderId')}: {exc}")
                continue
            imports.append({"message": IMPORT_MESSAGE, "payload": {"order": spree}})

    result = run_step("getNewAndUpdatedOrders", cfg, {}, snapshot={"cursor": cursor}, on_event=on_event)
    if result.errors:
        error = from_error(result.errors[0]["type"], result.errors[0]["message"])
        error.extra["message_id"] = message_id
        error.extra["summary"] = error.message
        raise error
    if mapping_errors:  # the window is not acknowledged: the hub polls it again after the data is looked at
        raise HttpError(502, "Amazon sent order data that cannot be mapped: " + "; ".join(mapping_errors),
                        extra={"message_id": message_id, "summary": "; ".join(mapping_errors)})
    next_cursor = result.state.get("cursor") or cursor
    warnings = [f"{m['payload']['order']['number']}: {w}" for m in imports for w in m["payload"]["order"]["warnings"]]
    summary = f"{len(imports)} orders from Amazon"
    if warnings:
        summary += f"; {len(warnings)} warnings: " + "; ".join(warnings[:10])
    return Response(200, {
        "message_id": message_id,
        "summary": summary,
        "parameters": [{"name": CURSOR_PARAM, "value": next_cursor}],
        "messages": imports,
    })
