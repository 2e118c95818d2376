"""Amazon's XSD element declarations turned into draft-03 JSON Schema, and JSON written back as XML in
the order the XSD wants. Used by Submit Product, whose input depends on the chosen category: the
category XSDs have hundreds of elements and change per release, so the schema is derived, not written.

Mapping (JSON keeps Amazon's element names):
- an element with a simple type -> string / integer / boolean, with enum, length, range and pattern;
- a repeating element (maxOccurs > 1) -> an array with minItems / maxItems;
- simple content with attributes (`<Weight unitOfMeasure="KG">2</Weight>`) ->
  `{"value": ..., "unitOfMeasure": ...}`;
- element content -> an object; choice members are optional (the XSD check reports a missing choice).
xmlschema (a maintained library) reads the XSDs; compiling the Product set takes seconds, so it is cached.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from amazon_mws.feeds.envelope import Fields, text_of

if TYPE_CHECKING:  # imported where a schema is compiled: ~0.1 s of CPU that every CLI start paid otherwise
    import xmlschema

_lock = threading.Lock()
_INTEGER = {
    "integer",
    "positiveInteger",
    "nonNegativeInteger",
    "negativeInteger",
    "nonPositiveInteger",
    "int",
    "long",
    "short",
    "byte",
    "unsignedInt",
    "unsignedLong",
    "unsignedShort",
    "unsignedByte",
}
_DECIMAL = {"decimal", "float", "double"}
_ZONE = r"(Z|[+-][0-9]{2}:[0-9]{2})?$"
_PATTERNS = {
    "dateTime": r"^-?[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?" + _ZONE,
    "date": r"^-?[0-9]{4}-[0-9]{2}-[0-9]{2}" + _ZONE,
}
MAX_DEPTH = 12


@lru_cache(maxsize=4)
def product_schema(folder: str) -> xmlschema.XMLSchema10:
    """Product.xsd of `folder` (it includes amzn-base and every category), compiled once per process."""
    import xmlschema

    with _lock:
        return xmlschema.XMLSchema10(str(Path(folder) / "Product.xsd"))


def _builtin_name(simple) -> str:
    prim = getattr(simple, "primitive_type", None)
    # walk restrictions up to the first builtin (positiveInteger is a restriction of decimal: keep it)
    t = simple
    while t is not None:
        name = getattr(t, "local_name", None) or ""
        if getattr(t, "is_builtin", lambda: False)() or (t.name or "").startswith(
            "{http://www.w3.org/2001/XMLSchema}"
        ):
            return name
        t = getattr(t, "base_type", None)
    return getattr(prim, "local_name", "string") or "string"


def _usable_pattern(xsd_pattern: str) -> str | None:
    """An XSD pattern as an anchored Python regex, or None when Python's re cannot read it (XSD-only
    escapes such as \\p{IsBasicLatin}); the XSD check still applies the original."""
    candidate = f"^(?:{xsd_pattern})$"
    if "\\p{Is" in xsd_pattern or "\\i" in xsd_pattern or "\\c" in xsd_pattern:
        return None
    try:
        re.compile(candidate)
    except re.error:
        return None
    return candidate


def simple_schema(simple, title: str) -> dict[str, Any]:
    """Draft-03 schema of an XSD simple type (facets collected along the restriction chain)."""
    out: dict[str, Any] = {"title": title}
    if getattr(simple, "is_union", lambda: False)() or getattr(simple, "is_list", lambda: False)():
        out["type"] = "string"
        return out
    base = _builtin_name(simple)
    if base == "boolean":
        out["type"] = "boolean"
        return out
    if base in _INTEGER:
        out["type"] = "integer"
    elif base in _DECIMAL:
        out["type"] = ["number", "string"]
    else:
        out["type"] = "string"
        if base in _PATTERNS:
            out["pattern"] = _PATTERNS[base]
    enum = getattr(simple, "enumeration", None)
    if enum:
        values = list(dict.fromkeys(str(v) for v in enum))  # Amazon's lists repeat some values
        out["enum"] = [int(v) for v in values] if out["type"] == "integer" else values
    for attr, key, numeric in (
        ("min_length", "minLength", False),
        ("max_length", "maxLength", False),
        ("min_value", "minimum", True),
        ("max_value", "maximum", True),
    ):
        value = getattr(simple, attr, None)
        if value is not None and (not numeric or out["type"] == "integer"):
            out[key] = int(value)
    if base in ("positiveInteger",) and "minimum" not in out:
        out["minimum"] = 1
    if base in ("nonNegativeInteger",) and "minimum" not in out:
        out["minimum"] = 0
    if out["type"] == "string" and "pattern" not in out and "enum" not in out:
        for pattern in getattr(simple, "patterns", None) or []:
            usable = (
                _usable_pattern(getattr(pattern, "regexps", [None])[0] or "")
                if hasattr(pattern, "regexps")
                else None
            )
            if usable:
                out["pattern"] = usable
                break
    return out


def _attribute_props(ctype) -> tuple[dict[str, Any], list[str]]:
    props: dict[str, Any] = {}
    for name, attr in getattr(ctype, "attributes", {}).items():
        if not name or attr.type is None:
            continue
        local = attr.local_name
        schema = simple_schema(attr.type, local)
        if attr.use == "required":
            schema["required"] = True
        props[local] = schema
    return props, list(props)


def _group_members(group, optional: bool):
    """(element, optional?) for each element of a content model, in document order."""
    for member in group:
        if hasattr(member, "model"):
            inner_optional = optional or member.model == "choice" or member.min_occurs == 0
            yield from _group_members(member, inner_optional)
        elif hasattr(member, "type") and getattr(member, "local_name", None):
            yield member, optional or member.min_occurs == 0 or group.model == "choice"


def child_elements(elem: Any, optional: bool):
    """The element children of a complex element, each with whether it may be left out: what the
    category screens walk (Product's SKU, ProductData's categories)."""
    return _group_members(elem.type.content, optional)


def element_schema(elem, depth: int = 0, *, optional: bool | None = None) -> dict[str, Any]:
    """Draft-03 schema for an XSD element (repetition included)."""
    single = _single_schema(elem, depth)
    max_occurs = elem.max_occurs
    if max_occurs is None or max_occurs > 1:
        out = {"type": "array", "title": single.get("title", elem.local_name), "items": single}
        if elem.min_occurs:
            out["minItems"] = elem.min_occurs
        if max_occurs is not None:
            out["maxItems"] = max_occurs
        single = out
    if optional is False:
        single["required"] = True
    return single


def _single_schema(elem, depth: int) -> dict[str, Any]:
    name = elem.local_name
    xtype = elem.type
    if xtype.is_simple():
        return simple_schema(xtype, name)
    attrs, _ = _attribute_props(xtype)
    if xtype.has_simple_content():
        value: dict[str, Any] = (
            simple_schema(xtype.content, "value")
            if getattr(xtype, "content", None) is not None
            else {"type": "string"}
        )
        if not attrs:
            value["title"] = name
            return value
        value["required"] = True
        props = {"value": value, **attrs}
        return {"type": "object", "title": name, "properties": props, "additionalProperties": False}
    if depth >= MAX_DEPTH:
        return {"type": "object", "title": name}
    props = dict(attrs)
    content = xtype.content
    if content is not None and hasattr(content, "model"):
        for child, child_optional in _group_members(content, content.model == "choice"):
            props[child.local_name] = element_schema(child, depth + 1, optional=child_optional)
    return {"type": "object", "title": name, "properties": props, "additionalProperties": False}


# -- writing JSON as XML in the XSD's order -------------------------------------------------------


def write_element(parent: etree._Element, elem, value: Any, f: Fields, where: tuple) -> None:
    """Append `value` (JSON, Amazon names) under `parent` as element declaration `elem`."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            _write_one(parent, elem, item, f, (*where, i))
    elif value is not None:
        _write_one(parent, elem, value, f, where)


def _write_one(parent: etree._Element, elem, value: Any, f: Fields, where: tuple) -> None:
    name = elem.local_name
    xtype = elem.type
    if xtype.is_simple() or xtype.has_simple_content():
        if isinstance(value, dict):
            attrs = {k: v for k, v in value.items() if k != "value"}
            f.leaf(parent, name, value.get("value"), *where, attrs=attrs)
        else:
            f.leaf(parent, name, value, *where)
        return
    node = f.node(parent, name, *where)
    if not isinstance(value, dict):
        return  # the JSON Schema already refused it; nothing sensible to write
    for attr_name in getattr(xtype, "attributes", {}):
        local = attr_name.rsplit("}", 1)[-1] if attr_name else None
        if local and value.get(local) is not None:
            try:
                node.set(local, text_of(value[local]))
            except ValueError:
                f.problems.append(f"{f.path(*where, local)}: contains characters that XML cannot carry")
    content = xtype.content
    if content is None or not hasattr(content, "model"):
        return
    for child, _optional in _group_members(content, False):
        if child.local_name in value:
            write_element(node, child, value[child.local_name], f, (*where, child.local_name))


def write_generic(parent: etree._Element, name: str, value: Any, f: Fields, where: tuple) -> None:
    """Without the XSDs: write JSON as XML in the input's own key order (the caller's responsibility)."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            write_generic(parent, name, item, f, (*where, i))
        return
    if isinstance(value, dict):
        if "value" in value and all(not isinstance(v, (dict, list)) for v in value.values()):
            f.leaf(
                parent, name, value["value"], *where, attrs={k: v for k, v in value.items() if k != "value"}
            )
            return
        node = f.node(parent, name, *where)
        for key, child in value.items():
            write_generic(node, key, child, f, (*where, key))
        return
    if value is not None:
        f.leaf(parent, name, value, *where)
