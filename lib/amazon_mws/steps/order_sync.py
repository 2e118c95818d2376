"""Get New And Updated Orders: one window of Amazon's ListOrders, gathered page by page, then emitted.

Why it is shaped like this:
- The cursor is the `LastUpdatedBefore` Amazon returned for the window, never the clock and never the newest
  `LastUpdateDate`: Amazon does not promise that orders touched near "now" are visible yet, and only the
  returned bound says which part of time the answer covers.
- The cursor moves only after every order of the window has been emitted. Until then the run's progress
  (window, NextToken, pages gathered, pages emitted) is in the snapshot and the orders themselves are in the
  state store, one list per page, so a killed run resumes at the page it stopped at and memory stays flat.
  Delivery is at least once: a run killed while emitting may deliver one page (or the one message) twice.
- Paging always ends (core.paging): a NextToken already followed, or more than AMAZON_MWS_MAX_PAGES pages in
  one run (resumes included), is a PagingLoop error; the run and its gathered pages are dropped and the
  cursor stays, so state stays bounded and the next poll reads the window again.
- A sample run (the designer's "retrieve sample") makes exactly one request and changes no state.

Snapshot format (documented in the README):
    {"cursor": "<LastUpdatedBefore of the last completed window>",
     "run": {"id", "after", "before", "nextToken", "pages", "orders", "emittedPages", "complete"}}
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from amazon_mws.core.backend import OrdersBackend
from amazon_mws.core.config import ConfigProblems
from amazon_mws.core.errors import PagingLoop
from amazon_mws.core.flags import as_bool
from amazon_mws.core.orders import OrdersPage
from amazon_mws.core.paging import NextTokenWalker
from amazon_mws.core.times import EPOCH, parse_time, to_amazon, utcnow
from amazon_mws.core.windows import PageTokenExpired
from amazon_mws.mapping.spree import from_trigger_order
from amazon_mws.runtime.message import LazyList, Message
from amazon_mws.runtime.state.loss import check_gathered
from amazon_mws.steps.fields import as_int, order_statuses, wire_statuses
from amazon_mws.steps.order_filters import fulfillment_channels, marketplace_ids
from amazon_mws.steps.order_lookup import order_items

EMIT_ALL, EMIT_ORDER, EMIT_PAGE = "all", "order", "page"
EMIT_BEHAVIOURS = (EMIT_ALL, EMIT_ORDER, EMIT_PAGE)
OUTPUT_AMAZON, OUTPUT_SPREE, OUTPUT_V2026 = "amazon", "spree", "v2026"
OUTPUT_FORMATS = (OUTPUT_AMAZON, OUTPUT_SPREE, OUTPUT_V2026)
# Amazon refuses a LastUpdatedBefore later than two minutes ago; keep a margin for clock skew.
VISIBILITY_DELAY = timedelta(minutes=2, seconds=30)


@dataclass(frozen=True)
class SyncOptions:
    statuses: list[str]
    max_per_page: int
    start: datetime | None
    end: datetime | None
    emit: str
    include_items: bool
    output: str = OUTPUT_AMAZON
    marketplaces: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    @classmethod
    def from_cfg(cls, cfg: Mapping[str, Any]) -> SyncOptions:
        """The options, or a ConfigProblems naming every bad field (not just the first)."""
        problems: list[str] = []

        def read(parse: Callable[[], Any], default: Any = None) -> Any:
            try:
                return parse()
            except ValueError as exc:
                problems.append(str(exc))
                return default

        emit = str(cfg.get("emitBehaviour") or EMIT_ALL)
        if emit not in EMIT_BEHAVIOURS:
            problems.append(f"cfg.emitBehaviour: {emit!r} is not one of {', '.join(EMIT_BEHAVIOURS)}")
        start = read(lambda: parse_time(cfg["startTime"], "cfg.startTime")) if cfg.get("startTime") else None
        end = read(lambda: parse_time(cfg["endTime"], "cfg.endTime")) if cfg.get("endTime") else None
        if start and end and start >= end:
            problems.append("cfg.endTime: must be after cfg.startTime")
        output = read(lambda: output_format(cfg), OUTPUT_AMAZON)
        options = cls(
            output=output,
            statuses=read(lambda: order_statuses(cfg), []),
            max_per_page=read(lambda: as_int(cfg, "maxResultsPerPage", default=100, low=1, high=100), 100),
            start=start,
            end=end,
            emit=emit,
            # Spree's line items come from the order items: that format always fetches them
            include_items=as_bool(cfg.get("includeOrderItems")) or output == OUTPUT_SPREE,
            marketplaces=tuple(read(lambda: marketplace_ids(cfg), [])),
            channels=tuple(read(lambda: fulfillment_channels(cfg), [])),
        )
        if problems:
            raise ConfigProblems(problems)
        return options


def cfg_problems(cfg: Mapping[str, Any]) -> list[str]:
    """Every problem of the trigger's fields, one line each: what the runtime asks before a run."""
    try:
        SyncOptions.from_cfg(cfg)
    except ConfigProblems as exc:
        return exc.problems
    return []


def output_format(cfg: Mapping[str, Any]) -> str:
    output = str(cfg.get("outputFormat") or OUTPUT_AMAZON).lower()
    if output not in OUTPUT_FORMATS:
        raise ValueError(f"cfg.outputFormat: {cfg.get('outputFormat')!r} is not one of {', '.join(OUTPUT_FORMATS)}")
    return output


def page_key(run: Mapping[str, Any], page: int) -> str:
    return f"run:{run['id']}:page:{page}"


def order_id(order: Mapping[str, Any]) -> str:
    """The id of an order in either shape (MWS `AmazonOrderId`, Orders v2026-01-01 `orderId`)."""
    return str(order.get("AmazonOrderId") or order["orderId"])


class OrderSync:
    """One poll of the trigger. `api` is an OrdersBackend; `ctx` the step context (emit, state, logger, sample)."""

    def __init__(self, ctx: Any, api: OrdersBackend, options: SyncOptions) -> None:
        self.ctx = ctx
        self.api = api
        self.options = options
        # Pages this process held to the out schema as it gathered them (page -> what LazyList(checked=)
        # takes): emitted from the store, they are written as stored, not decoded and checked again. Pages
        # a killed run gathered before are not in it: they are checked at emit, as the runtime does.
        self._checked: dict[int, object] = {}

    # -- the poll ---------------------------------------------------------------------------------

    def poll(self, snapshot: Mapping[str, Any] | None) -> None:
        state = dict(snapshot or {})
        run = state.get("run")
        if run is None:
            after = parse_time(state["cursor"], "snapshot.cursor") if state.get("cursor") else None
            after = after or self.options.start or EPOCH
            if self.options.end and after >= self.options.end:
                self.ctx.logger.info("cursor %s is at or past End Time: nothing to do", to_amazon(after))
                return
            run = {
                "id": uuid.uuid4().hex,
                "after": to_amazon(after),
                "before": None,
                "nextToken": None,
                "pages": 0,
                "orders": 0,
                "emittedPages": 0,
                "complete": False,
            }
        else:
            self.ctx.logger.info("resuming run %s at page %d", run["id"], run["pages"])
            self._check_gathered(run)
        if self.ctx.sample:
            self._sample(run)
            return
        while not run["complete"]:
            try:
                for page in self._walk(run, prefetch=not self._items_per_order()):
                    run = self._gather_page(run, page)
                    if self.options.emit != EMIT_ALL:
                        run = self._emit_pages(run)
            except PageTokenExpired as expired:
                run = self._restarted(run, expired)
            except PagingLoop:
                self._abandon(state, run)
                raise
        self._check_gathered(run)
        run = self._emit_pages(run) if self.options.emit != EMIT_ALL else self._emit_all(run)
        self._finish(run)

    def _check_gathered(self, run: Mapping[str, Any]) -> None:
        """Stop (StateLost) if the state store lost pages the run gathered, rather than skip them."""
        keys = [page_key(run, page) for page in range(run["pages"])]
        check_gathered(self.ctx.state, keys, run["orders"], f"run {run['id']} of getNewAndUpdatedOrders")

    # -- gathering --------------------------------------------------------------------------------

    def _items_per_order(self) -> bool:
        """Whether gathering a page asks Amazon for each order's items (not in v2026: they come inside)."""
        return self.options.include_items and self.options.output != OUTPUT_V2026

    def _walk(self, run: Mapping[str, Any], *, prefetch: bool = False) -> NextTokenWalker[OrdersPage]:
        """The window's ListOrders pages: from its start, or from a resumed run's saved NextToken. The
        walk refuses a repeated token and, counting the pages read before a resume, stops at the page
        limit, so a NextToken cycle ends with an error instead of a run that never completes.
        `prefetch`: the next page is requested while this one is stored (core.paging), for a poll whose
        gathering does not use the connection itself (no items per order); never for a sample, which
        makes exactly one request."""
        if run["pages"]:
            return NextTokenWalker(self.api.list_orders_by_next_token, start_token=run["nextToken"],
                                   pages_done=run["pages"], what="ListOrders", prefetch=prefetch)
        before = run["before"]  # set when an expired page token restarts the window
        if not before and self.options.end and self.options.end <= utcnow() - VISIBILITY_DELAY:
            before = to_amazon(self.options.end)
        paired = getattr(self.api, "pairs_unshipped_statuses", True)  # MWS's rule; SP-API has none

        def first() -> OrdersPage:
            return self.api.list_orders(
                last_updated_after=run["after"],
                last_updated_before=before,
                statuses=wire_statuses(self.options.statuses) if paired else list(self.options.statuses),
                max_results=self.options.max_per_page,
                marketplace_ids=list(self.options.marketplaces) or None,
                fulfillment_channels=list(self.options.channels) or None,
            )

        return NextTokenWalker(self.api.list_orders_by_next_token, first, what="ListOrders", prefetch=prefetch)

    def _wanted(self, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Only the statuses the user chose (Amazon's pairing rule may have brought others)."""
        chosen = set(self.options.statuses)
        return [o for o in orders if o.get("OrderStatus") in chosen]

    def _taken(self, page: Any) -> list[dict[str, Any]]:
        """The page's orders in the chosen shape: Amazon's v2026 objects (items inside), or the MWS shape."""
        if self.options.output == OUTPUT_V2026:
            native = getattr(page, "v2026_orders", None)
            if native is None:
                raise ValueError("cfg.outputFormat: v2026 needs backend sp-api with ordersApi 2026-01-01")
            return list(native)  # v2026 returns only the statuses asked for
        return self._wanted(page.orders)

    def _restarted(self, run: dict[str, Any], why: PageTokenExpired) -> dict[str, Any]:
        """The window again from its lower bound, to the same upper bound: its pages are dropped and fetched
        anew (pages already emitted are emitted again: at least once, bounded by one window)."""
        self.ctx.logger.warning("%s: restarting the window from %s", why, run["after"])
        self._clear_pages(run)
        run = {**run, "nextToken": None, "pages": 0, "orders": 0, "emittedPages": 0, "complete": False}
        self._checked.clear()
        self.ctx.emit("updateSnapshot", {"run": run})
        return run

    def _gather_page(self, run: dict[str, Any], page: OrdersPage) -> dict[str, Any]:
        orders = self._taken(page)
        if self._items_per_order():
            for order in orders:
                order["orderItems"] = order_items(self.api, order["AmazonOrderId"])
        key = page_key(run, run["pages"])
        checked = self._check(run, orders)
        self.ctx.state.list_clear(key)  # a page re-fetched after a crash replaces its first copy
        if orders:
            self.ctx.state.list_append(key, orders)
        if checked is not None:
            self._checked[run["pages"]] = checked
        run = {
            **run,
            "before": run["before"] or page.last_updated_before,
            "nextToken": page.next_token,
            "pages": run["pages"] + 1,
            "orders": run["orders"] + len(orders),
            "complete": not page.next_token,
        }
        self.ctx.emit("updateSnapshot", {"run": run})
        self.ctx.logger.info("page %d: %d orders (%d so far)", run["pages"], len(orders), run["orders"])
        return run

    def _check(self, run: Mapping[str, Any], orders: list[dict[str, Any]]) -> object | None:
        """Hold a page's orders to the out schema before they are stored, where they are emitted as stored
        in a LazyList (emit all or page; an order emitted alone is a plain list, checked at its emit)."""
        if self.options.emit == EMIT_ORDER or self.options.output == OUTPUT_SPREE:
            return None
        first = run["orders"] if self.options.emit == EMIT_ALL else 0  # the index in the message to come
        return self.ctx.check_out_items("orders", orders, first)

    def _sample(self, run: Mapping[str, Any]) -> None:
        page = next(iter(self._walk(run)))  # exactly one request
        orders = self._taken(page)
        if self.options.output == OUTPUT_SPREE:  # one request, so no items: Spree line items stay empty
            orders = [self._shaped({"orderItems": [], **o}) for o in orders]
        if orders:
            self.ctx.emit("data", Message(body={"orders": orders}))

    # -- emitting ---------------------------------------------------------------------------------

    def _shaped(self, order: dict[str, Any]) -> dict[str, Any]:
        """An order in the chosen output format; Spree's shape is made as the order streams out."""
        return from_trigger_order(order) if self.options.output == OUTPUT_SPREE else order

    def _page_orders(self, run: Mapping[str, Any], page: int) -> Iterator[dict[str, Any]]:
        return map(self._shaped, self.ctx.state.list_iter(page_key(run, page)))

    def _orders(self, run: Mapping[str, Any], pages: range, count: int) -> LazyList:
        """The gathered orders of `pages` as a body value. Unless they become Spree's shape on the way out,
        the writer takes them as the store keeps them (JSON texts), and when this process checked every
        one of those pages as it gathered them, the emit's validation does not read them at all."""

        def orders() -> Iterator[dict[str, Any]]:
            for page in pages:
                yield from self._page_orders(run, page)

        def texts() -> Iterator[str]:
            for page in pages:
                yield from self.ctx.state.list_texts(page_key(run, page))

        if self.options.output == OUTPUT_SPREE:
            return LazyList(orders, count)
        checked = self._checked.get(pages.start)
        if any(self._checked.get(page) is not checked for page in pages):
            checked = None  # a page gathered before a crash, or checked against another schema
        return LazyList(orders, count, texts, checked=checked)

    def _emit_all(self, run: dict[str, Any]) -> dict[str, Any]:
        if run["orders"]:
            body = {"orders": self._orders(run, range(run["pages"]), run["orders"])}
            self.ctx.emit("data", Message(id=f"{run['id']}-all", body=body))
        return run

    def _emit_pages(self, run: dict[str, Any]) -> dict[str, Any]:
        """Emit every gathered page not yet emitted, per page or per order; record progress per page."""
        for page in range(run["emittedPages"], run["pages"]):
            if self.options.emit == EMIT_PAGE:
                key = page_key(run, page)
                count = self.ctx.state.list_len(key)
                if count:
                    body = {"orders": self._orders(run, range(page, page + 1), count)}
                    self.ctx.emit("data", Message(id=f"{run['id']}-page-{page}", body=body))
            else:
                for order in self.ctx.state.list_iter(page_key(run, page)):
                    message_id = f"{run['id']}-order-{order_id(order)}"
                    self.ctx.emit("data", Message(id=message_id, body={"orders": [self._shaped(order)]}))
            run = {**run, "emittedPages": page + 1}
            self.ctx.emit("updateSnapshot", {"run": run})
        return run

    def _abandon(self, state: Mapping[str, Any], run: Mapping[str, Any]) -> None:
        """Amazon's NextTokens went round in a cycle: drop the run and its gathered pages, cursor unmoved,
        so state stays bounded and the next poll walks the window afresh (delivery is at least once)."""
        self._clear_pages(run)
        self.ctx.emit("snapshot", {k: v for k, v in state.items() if k != "run"})
        self.ctx.logger.warning("run %s abandoned after %d pages: NextToken loop", run["id"], run["pages"])

    def _clear_pages(self, run: Mapping[str, Any]) -> None:
        self.ctx.state.lists_clear([page_key(run, page) for page in range(run["pages"])])

    def _finish(self, run: Mapping[str, Any]) -> None:
        """Move the cursor to the window's returned bound, then drop the gathered pages."""
        cursor = run["before"] or run["after"]
        self.ctx.emit("snapshot", {"cursor": cursor})
        self._clear_pages(run)
        self.ctx.logger.info("window done: %d orders in %d pages, cursor now %s", run["orders"], run["pages"], cursor)
