"""Amazon order + items -> the Spree hub's `order:import` order, as a pure function.

The shape is the one the Spree Amazon endpoint documented (see docs/serve.md). What this mapping
does differently from that endpoint, on purpose:

- The totals add up. Amazon's `OrderTotal` is the sum over items of ItemPrice + ShippingPrice + ItemTax +
  ShippingTax + GiftWrapPrice + GiftWrapTax - ShippingDiscount - PromotionDiscount, and Spree's order total
  is item + shipping + tax + adjustment. So: `item` = Σ ItemPrice, `shipping` = Σ ShippingPrice, `tax` =
  Σ (ItemTax + ShippingTax + GiftWrapTax), `adjustment` = Σ (GiftWrapPrice - PromotionDiscount -
  ShippingDiscount), and `order` = `payment` = Amazon's OrderTotal. (The original also counted the taxes
  into `adjustment`, so Spree saw them twice.)
- A mismatch between Amazon's OrderTotal and the sum of its parts is reported in `warnings`, never hidden
  or "fixed": the order total is what the buyer paid, the parts say why, and a person should look when the
  two disagree (a COD fee, a price Amazon changed, a currency mix).
- The five named adjustments carry Spree's sign: discounts are negative, charges positive.
- No rewrites for particular sellers, no geocoding: a US state code becomes its name from a fixed table,
  everything else passes through as Amazon sent it.

Money is computed in Decimal (Amazon sends decimal strings) and only turned into floats at the end, since
Spree's hub JSON carries numbers; each value is rounded to the currency's minor unit first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from amazon_mws.mapping.us_states import us_state_name

ZERO = Decimal(0)
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "CLP", "VND"})
ADJUSTMENT_NAMES = ("Shipping Discount", "Promotion Discount", "Amazon Tax", "Gift Wrap Price", "Gift Wrap Tax")
MONEY_KEYS = (
    "ItemPrice",
    "ShippingPrice",
    "ItemTax",
    "ShippingTax",
    "GiftWrapPrice",
    "GiftWrapTax",
    "ShippingDiscount",
    "PromotionDiscount",
)
PAYMENT_METHOD = "Amazon"


def _quantum(currency: str) -> Decimal:
    return Decimal(1) if currency in ZERO_DECIMAL_CURRENCIES else Decimal("0.01")


def _amount(money: Any, where: str) -> tuple[Decimal, str | None]:
    """(amount, currency) of an Amazon Money object; absent means zero. Bad data is a ValueError."""
    if money is None:
        return ZERO, None
    if not isinstance(money, Mapping):
        raise ValueError(f"{where}: expected a Money object with Amount, got {type(money).__name__}")
    raw = money.get("Amount")
    if raw is None or raw == "":
        return ZERO, money.get("CurrencyCode")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(f"{where}.Amount: {raw!r} is not a decimal amount") from None
    if not value.is_finite():
        raise ValueError(f"{where}.Amount: {raw!r} is not a finite amount")
    return value, money.get("CurrencyCode")


def _currency(order: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> str:
    total = order.get("OrderTotal")
    if isinstance(total, Mapping) and total.get("CurrencyCode"):
        return str(total["CurrencyCode"])
    for item in items:
        for key in MONEY_KEYS:
            money = item.get(key)
            if isinstance(money, Mapping) and money.get("CurrencyCode"):
                return str(money["CurrencyCode"])
    return ""


def split_name(name: str | None) -> tuple[str, str]:
    """"Patrick Cook" -> ("Patrick", "Cook"); "Anna Maria Rossi" -> ("Anna", "Maria Rossi");
    one word (common for CJK names) -> (word, "")."""
    parts = (name or "").split()
    if not parts:
        return "", ""
    return parts[0], " ".join(parts[1:])


def to_spree_address(address: Mapping[str, Any]) -> dict[str, Any]:
    """An Amazon ShippingAddress as a Spree address. Empty address lines are skipped, so a missing
    AddressLine1 promotes line 2 (Amazon does send that); lines 2 and 3 share `address2`."""
    firstname, lastname = split_name(address.get("Name"))
    lines = [str(line).strip() for line in (address.get(f"AddressLine{i}") for i in (1, 2, 3)) if line]
    lines = [line for line in lines if line]
    country = str(address.get("CountryCode") or "")
    return {
        "firstname": firstname,
        "lastname": lastname,
        "address1": lines[0] if lines else "",
        "address2": ", ".join(lines[1:]),
        "city": str(address.get("City") or ""),
        "zipcode": str(address.get("PostalCode") or ""),
        "phone": str(address.get("Phone") or "").strip(),
        "country": country,
        "state": us_state_name(address.get("StateOrRegion"), country),
    }


class _Money:
    """Rounds to the currency's minor unit and turns Decimal into the float Spree's JSON carries."""

    def __init__(self, currency: str) -> None:
        self.quantum = _quantum(currency)

    def round(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, rounding=ROUND_HALF_UP)

    def out(self, value: Decimal) -> float:
        return float(self.round(value))


def _line_item(item: Mapping[str, Any], index: int, money: _Money) -> dict[str, Any]:
    where = f"items[{index}]"
    quantity = item.get("QuantityOrdered", 0)
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        try:
            quantity = int(str(quantity).strip())
        except ValueError:
            raise ValueError(f"{where}.QuantityOrdered: {quantity!r} is not a whole number") from None
    total, _ = _amount(item.get("ItemPrice"), f"{where}.ItemPrice")
    unit = total / quantity if quantity > 0 else total
    return {
        "name": str(item.get("Title") or ""),
        "price": money.out(unit),
        "sku": str(item.get("SellerSKU") or ""),
        "quantity": quantity,
        "variant_id": None,
        "external_ref": None,
        "options": {},
    }


def to_spree_order(order: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """The Spree hub order for one Amazon order and its items (see the module docstring for the rules).

    `order` is the order as the Orders API returns it (typed JSON, Amazon's names), `items` its
    ListOrderItems items. Neither is modified. Raises ValueError naming the field when an amount or a
    quantity is not a number.
    """
    if not isinstance(order, Mapping):
        raise ValueError(f"order: expected an object, got {type(order).__name__}")
    items = list(items or [])
    currency = _currency(order, items)
    money = _Money(currency)
    warnings: list[str] = []
    sums = dict.fromkeys(MONEY_KEYS, ZERO)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ValueError(f"items[{index}]: expected an object, got {type(item).__name__}")
        for key in MONEY_KEYS:
            value, item_currency = _amount(item.get(key), f"items[{index}].{key}")
            if item_currency and currency and item_currency != currency and value:
                warnings.append(
                    f"items[{index}].{key}: currency {item_currency} differs from the order's {currency}"
                )
            sums[key] += value

    item_total = sums["ItemPrice"]
    shipping = sums["ShippingPrice"]
    tax = sums["ItemTax"] + sums["ShippingTax"] + sums["GiftWrapTax"]
    adjustment = sums["GiftWrapPrice"] - sums["PromotionDiscount"] - sums["ShippingDiscount"]
    parts = money.round(item_total + shipping + tax + adjustment)
    amazon_total, _ = _amount(order.get("OrderTotal"), "order.OrderTotal")
    if order.get("OrderTotal") is None:
        total = parts
        if items:
            warnings.append("order.OrderTotal: Amazon sent no order total; the sum of the items is used")
    else:
        total = money.round(amazon_total)
        if total != parts:
            warnings.append(
                f"totals: Amazon's order total {total} {currency} differs from the sum of its parts {parts} "
                f"(item {money.round(item_total)} + shipping {money.round(shipping)} + tax {money.round(tax)} "
                f"+ adjustment {money.round(adjustment)}) by {total - parts}"
            )

    line_items = [_line_item(item, i, money) for i, item in enumerate(items)]
    address = order.get("ShippingAddress")
    if isinstance(address, Mapping):
        shipping_address: dict[str, Any] | None = to_spree_address(address)
    else:
        shipping_address = None
        warnings.append(
            "order.ShippingAddress: Amazon sent no address (it withholds it while an order is Pending "
            "or after it is Canceled)"
        )
    status = str(order.get("OrderStatus") or "")
    adjustments = dict(
        zip(
            ADJUSTMENT_NAMES,
            (
                -sums["ShippingDiscount"],
                -sums["PromotionDiscount"],
                sums["ItemTax"] + sums["ShippingTax"],
                sums["GiftWrapPrice"],
                sums["GiftWrapTax"],
            ),
            strict=True,
        )
    )
    return {
        "number": str(order.get("AmazonOrderId") or ""),
        "channel": str(order.get("SalesChannel") or ""),
        "currency": currency,
        "status": status,
        "placed_on": order.get("PurchaseDate"),
        "updated_at": order.get("LastUpdateDate"),
        "email": str(order.get("BuyerEmail") or ""),
        "totals": {
            "item": money.out(item_total),
            "adjustment": money.out(adjustment),
            "tax": money.out(tax),
            "shipping": money.out(shipping),
            "order": money.out(total),
            "payment": money.out(total),
        },
        "adjustments": [{"name": name, "value": money.out(value)} for name, value in adjustments.items()],
        "line_items": line_items,
        "payments": [{"amount": money.out(total), "payment_method": PAYMENT_METHOD, "status": "complete"}],
        "shipments": [
            {
                "cost": money.out(shipping),
                "status": status,
                "shipping_method": str(
                    order.get("ShipmentServiceLevelCategory") or order.get("ShipServiceLevel") or ""
                ),
                "items": [dict(line, options={}) for line in line_items],
                "stock_location": "",
                "tracking": "",
                "number": "",
            }
        ],
        "shipping_address": shipping_address,
        "billing_address": dict(shipping_address) if shipping_address is not None else None,
        "warnings": warnings,
    }


def from_trigger_order(order: dict[str, Any]) -> dict[str, Any]:
    """For the trigger's `Spree` output format: an order emitted with `includeOrderItems` carries its
    items as `orderItems`."""
    return to_spree_order(order, order.get("orderItems") or [])
