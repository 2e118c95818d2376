"""The Order REST API's form fields -> the feed actions' JSON bodies, and their errors back to form names.

The REST API (see docs/serve.md) posts flat form fields; items are numbered with a
suffix (`AmazonOrderItemCode_1`, `Quantity_1`, `AmazonOrderItemCode_2`, ...). The rules, stated once:

- An order field takes no number. An item field `Name_N` belongs to item N (any positive N; items are
  sent in ascending N).
- An item field without a number is a default for every numbered item (`Currency=EUR` once for all)
  or, when there are no numbered items at all, makes the single item (as the seed's curl examples do).
  Item identifiers cannot be defaults: `AmazonOrderItemCode` together with `_N` items is an error.
- Empty values count as absent (a form that sends `MerchantOrderID=` did not give one). A field given
  twice, an unknown field, a non-integer quantity, an unreadable amount: 400, naming the field.
- Amounts (`ItemPriceAdjustments`, `PromotionAdjustments`) are `10.23` (one Principal component) or
  `Principal:10.23,Shipping:2.00` (components by Amazon's type names).

The body is then built, validated (JSON Schema, the builders' rules, Amazon's XSD) by the same code the
feed actions use; its problems name body paths (`messages[0].items[1].quantity`), which `translate` turns
back into the form field the caller sent (`Quantity_2`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

NAME = re.compile(r"^(?P<base>[A-Za-z]+)(?:_(?P<n>[0-9]{1,4}))?$")
COMPONENT = re.compile(r"^\s*(?:(?P<type>[A-Za-z]+)\s*:)?\s*(?P<amount>-?[0-9]+(?:\.[0-9]+)?)\s*$")


class FormError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class FormSpec:
    """One route's fields: form name -> body key, at order and at item level."""

    step: str
    order_fields: dict[str, str]
    item_fields: dict[str, str]
    int_fields: frozenset[str] = frozenset()
    id_fields: frozenset[str] = frozenset()
    amount_fields: frozenset[str] = frozenset()
    one_message_per_item: bool = False  # OrderAcknowledgement: the builder takes one item per message


ACKNOWLEDGEMENT = FormSpec(
    step="updateOrder",
    order_fields={"AmazonOrderID": "amazonOrderID", "MerchantOrderID": "merchantOrderID", "StatusCode": "statusCode"},
    item_fields={
        "AmazonOrderItemCode": "amazonOrderItemCode",
        "MerchantOrderItemID": "merchantOrderItemID",
        "CancelReason": "cancelReason",
    },
    id_fields=frozenset({"AmazonOrderItemCode", "MerchantOrderItemID"}),
    one_message_per_item=True,
)
FULFILLMENT = FormSpec(
    step="shipOrder",
    order_fields={
        "AmazonOrderID": "amazonOrderID",
        "MerchantOrderID": "merchantOrderID",
        "MerchantFulfillmentID": "merchantFulfillmentID",
        "FulfillmentDate": "fulfillmentDate",
        "CarrierCode": "carrierCode",
        "CarrierName": "carrierName",
        "ShippingMethod": "shippingMethod",
        "ShipperTrackingNumber": "shipperTrackingNumber",
    },
    item_fields={
        "AmazonOrderItemCode": "amazonOrderItemCode",
        "MerchantOrderItemID": "merchantOrderItemID",
        "MerchantFulfillmentItemID": "merchantFulfillmentItemID",
        "Quantity": "quantity",
    },
    int_fields=frozenset({"Quantity"}),
    id_fields=frozenset({"AmazonOrderItemCode", "MerchantOrderItemID", "MerchantFulfillmentItemID"}),
)
ADJUSTMENT = FormSpec(
    step="adjustOrder",
    order_fields={"AmazonOrderID": "amazonOrderID", "MerchantOrderID": "merchantOrderID"},
    item_fields={
        "AmazonOrderItemCode": "amazonOrderItemCode",
        "MerchantOrderItemID": "merchantOrderItemID",
        "MerchantAdjustmentItemID": "merchantAdjustmentItemID",
        "AdjustmentReason": "adjustmentReason",
        "ItemPriceAdjustments": "itemPriceAdjustments",
        "PromotionAdjustments": "promotionAdjustments",
        "QuantityCancelled": "quantityCancelled",
        "Currency": "currency",
    },
    int_fields=frozenset({"QuantityCancelled"}),
    id_fields=frozenset({"AmazonOrderItemCode", "MerchantOrderItemID", "MerchantAdjustmentItemID"}),
    amount_fields=frozenset({"ItemPriceAdjustments", "PromotionAdjustments"}),
)
SPECS = {"acknowledgement": ACKNOWLEDGEMENT, "fulfillment": FULFILLMENT, "adjustment": ADJUSTMENT}


def flat_fields(form: dict[str, list[str]]) -> tuple[dict[str, str], list[str]]:
    """One value per field; empty values dropped; repeated fields are problems."""
    values: dict[str, str] = {}
    problems: list[str] = []
    for name, given in form.items():
        present = [v for v in given if v.strip() != ""]
        if len(present) > 1:
            problems.append(f"{name}: given {len(present)} times, send it once")
        elif present:
            values[name] = present[0].strip()
    return values, problems


def _components(name: str, raw: str, problems: list[str]) -> list[dict[str, str]]:
    out = []
    for part in raw.split(","):
        match = COMPONENT.match(part)
        if not match:
            problems.append(
                f"{name}: {part.strip()!r} is not an amount (10.23) or a typed amount (Principal:10.23)"
            )
            continue
        out.append({"type": match["type"] or "Principal", "amount": match["amount"]})
    return out


def _convert(spec: FormSpec, name: str, base: str, raw: str, problems: list[str]) -> Any:
    if base in spec.int_fields:
        if not re.fullmatch(r"[0-9]{1,9}", raw):
            problems.append(f"{name}: {raw!r} is not a whole number")
            return None
        return int(raw)
    if base == "PromotionAdjustments":
        return [{"components": _components(name, raw, problems)}]
    if base in spec.amount_fields:
        return _components(name, raw, problems)
    return raw


def form_to_body(spec: FormSpec, form: dict[str, list[str]]) -> tuple[dict[str, Any], dict[str, str]]:
    """The feed action's input body for this form, and a map body path -> form field name (for errors).

    Raises FormError with every problem of the form itself (unknown, repeated or unreadable fields)."""
    values, problems = flat_fields(form)
    order: dict[str, Any] = {}
    order_names: dict[str, str] = {}
    defaults: dict[str, tuple[str, Any]] = {}  # body key -> (form name, value)
    numbered: dict[int, dict[str, tuple[str, Any]]] = {}
    for name, raw in values.items():
        match = NAME.match(name)
        base, number = (match["base"], match["n"]) if match else (name, None)
        if base in spec.order_fields and number is None:
            order[spec.order_fields[base]] = raw
            order_names[spec.order_fields[base]] = name
        elif base in spec.order_fields:
            problems.append(f"{name}: {base} is an order field and takes no _N item number")
        elif base in spec.item_fields:
            value = _convert(spec, name, base, raw, problems)
            key = spec.item_fields[base]
            if number is None:
                defaults[key] = (name, value)
            elif int(number) < 1:
                problems.append(f"{name}: item numbers start at 1")
            else:
                numbered.setdefault(int(number), {})[key] = (name, value)
        else:
            known = ", ".join([*spec.order_fields, *(f"{f}[_N]" for f in spec.item_fields)])
            problems.append(f"{name}: unknown field (known: {known})")
    if numbered:
        for name, _ in defaults.values():
            base = NAME.match(name)["base"]  # type: ignore[index]
            if base in spec.id_fields:
                problems.append(f"{name}: identifies one item; with numbered items send {base}_N for each")
    if problems:
        raise FormError(problems)

    items: list[dict[str, tuple[str, Any]]] = []
    if numbered:
        for number in sorted(numbered):
            items.append({**defaults, **numbered[number]})
    elif defaults:
        items.append(defaults)

    paths: dict[str, str] = {}
    if spec.one_message_per_item:
        messages = []
        for index, item in enumerate(items or [{}]):
            message = dict(order)
            for key, form_name in order_names.items():
                paths[f"messages[{index}].{key}"] = form_name
            for key, (form_name, value) in item.items():
                message[key] = value
                paths[f"messages[{index}].{key}"] = form_name
            messages.append(message)
        for index in range(len(messages)):
            paths[f"messages[{index}]"] = "(form)"
        return {"messages": messages}, paths

    message = dict(order)
    for key, form_name in order_names.items():
        paths[f"messages[0].{key}"] = form_name
    if items:
        message["items"] = []
        for index, item in enumerate(items):
            message["items"].append({key: value for key, (_, value) in item.items()})
            paths[f"messages[0].items[{index}]"] = f"item {index + 1}"
            for key, (form_name, _) in item.items():
                paths[f"messages[0].items[{index}].{key}"] = form_name
    paths["messages[0].items"] = "items (the _N fields)"
    paths["messages[0]"] = "(form)"
    return {"messages": [message]}, paths


def translate(problems: list[str], paths: dict[str, str], spec: FormSpec) -> list[str]:
    """Body paths and body key names in problem lines -> the form's field names."""
    by_length = sorted(paths, key=len, reverse=True)
    key_names = {v: k for k, v in {**spec.order_fields, **spec.item_fields}.items()}
    out = []
    for line in problems:
        where, sep, rule = line.partition(": ")
        if sep:
            for path in by_length:
                if where == path or where.startswith(path + ".") or where.startswith(path + "["):
                    where = paths[path] + where[len(path):]
                    break
        if re.fullmatch(r"'[^']+' is a required property", rule):
            rule = "is required"
        text = where + sep + rule
        for key, name in key_names.items():
            text = re.sub(rf"\b{re.escape(key)}\b", name, text)
        out.append(text)
    return out
