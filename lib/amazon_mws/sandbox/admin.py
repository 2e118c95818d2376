"""Admin routes under `/_sandbox/`: the test hooks over HTTP (unsigned, JSON), for tests and tools
that run the sandbox in another process (`amazon-mws sandbox`).

  GET  /_sandbox/state                 now, endpoint, counts, pending faults
  GET  /_sandbox/clock                 {"now"}          POST /_sandbox/clock {"advance": seconds}
  GET  /_sandbox/orders                ids              POST /_sandbox/orders {fields} -> the new order
  GET  /_sandbox/orders/ID             the order        POST|PATCH /_sandbox/orders/ID {changes}
  POST /_sandbox/faults {"kind", "count", "operation", "delay"}     DELETE /_sandbox/faults
  GET  /_sandbox/requests              the request log  DELETE /_sandbox/requests
  GET  /_sandbox/feeds                 submitted feeds (body as text)
"""

from __future__ import annotations

import json
from typing import Any

from amazon_mws.sandbox.clock import iso_ms
from amazon_mws.sandbox.wire import Reply, Request


def _json(status: int, payload: Any) -> Reply:
    return Reply(
        status,
        json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8"),
        content_type="application/json; charset=utf-8",
    )


def handle(sb: Any, req: Request) -> Reply:
    parts = [p for p in req.path.split("/") if p][1:]  # drop "_sandbox"
    method = req.method
    try:
        body = json.loads(req.body.decode("utf-8")) if req.body.strip() else {}
        if not isinstance(body, dict):
            raise ValueError("the request body must be a JSON object")
        return _route(sb, method, parts, body)
    except KeyError as e:
        return _json(404, {"error": str(e.args[0]) if e.args else "not found"})
    except (ValueError, TypeError) as e:
        return _json(400, {"error": str(e)})


def _route(sb: Any, method: str, parts: list[str], body: dict[str, Any]) -> Reply:
    head = parts[0] if parts else "state"
    rest = parts[1:]
    if head == "state" and method == "GET":
        return _json(
            200,
            {
                "now": iso_ms(sb.now()),
                "endpoint": sb.endpoint,
                "orders": len(sb.store.orders),
                "feeds": len(sb.feeds_api.feeds),
                "faults": sb.faults.pending(),
                "marketplaceId": sb.marketplace_id,
            },
        )
    if head == "clock":
        if method == "POST":
            sb.advance_clock(float(body.get("advance", 0)))
        return _json(200, {"now": iso_ms(sb.now())})
    if head == "orders":
        if not rest and method == "GET":
            return _json(200, {"orders": list(sb.orders)})
        if not rest and method == "POST":
            return _json(201, sb.add_order(**body))
        if len(rest) == 1 and method == "GET":
            order = sb.store.get(rest[0])
            if order is None:
                raise KeyError(f"AmazonOrderId: {rest[0]} is not in the sandbox")
            return _json(200, order)
        if len(rest) == 1 and method in ("POST", "PATCH", "PUT"):
            return _json(200, sb.update_order(rest[0], **body))
    if head == "faults":
        if method == "POST":
            sb.inject_fault(
                body.get("kind", ""),
                int(body.get("count", 1)),
                body.get("operation"),
                float(body.get("delay", 1.0)),
            )
            return _json(200, {"faults": sb.faults.pending()})
        if method == "DELETE":
            sb.faults.clear()
            return _json(200, {"faults": []})
        return _json(200, {"faults": sb.faults.pending()})
    if head == "requests":
        if method == "DELETE":
            sb.reset_log()
            return _json(200, {"requests": []})
        return _json(200, {"requests": sb.requests})
    if head == "sp" and rest == ["expire-tokens"] and method == "POST":
        sb.sp.auth.expire_all()  # every LWA and restricted-data token issued so far is now stale
        return _json(200, {"expired": True})
    if head == "feeds" and method == "GET":
        feeds = [
            {
                **{k: v for k, v in f.items() if k not in ("body", "report")},
                "body": f["body"].decode("utf-8", errors="replace"),
                "report": f["report"].decode("utf-8") if f["report"] else None,
            }
            for f in sb.feeds.values()
        ]
        return _json(200, {"feeds": feeds})
    raise KeyError(f"no admin route {method} /_sandbox/{'/'.join(parts)}")
