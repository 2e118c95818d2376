"""Draft-03 schemas compiled once into plain Python checks: the fast "is it valid?" of every emitted body.

Why not jsonschema alone: its validator re-walks the schema for every instance (a `descend` and an
`evolve` per keyword), about 200 us for one order; a trigger emitting 20,000 orders spent most of its CPU
there. Why not a compiled library (fastjsonschema, jsonschema-rs): they speak draft-04 and later, and
neither accepts a `LazyList` as an array, so the component's draft-03 files and its streamed bodies would
need converting on every side. This compiles the keywords the component's schemas use straight into
closures, once per schema; `check(instance)` answers only yes or no.

The answer is exactly jsonschema's `Draft3Validator` (with `LazyList` as an array, and formats not
checked, as `SchemaSet` runs it): property tests in tests/hardening/test_schema_compiler.py hold the two
to the same verdict on the project's schemas. A schema using a keyword not compiled here (`extends`,
`disallow`, `divisibleBy`, `uniqueItems`, tuple `items`, schema-valued `dependencies`, a non-string
`enum`, an `id`) compiles to None and is checked by jsonschema alone. When the check says no,
`SchemaSet` asks jsonschema for the errors, so the messages (field path and rule) stay the same.
One answer is taken on trust: a `LazyList` whose `checked` is the array's own `items` schema (its items
were held to it one by one before they were stored, `SchemaSet.check_items`) is not walked again.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from amazon_mws.runtime.message import LazyList

if TYPE_CHECKING:
    from referencing._core import Resolver  # what Registry.resolver() returns

Check = Callable[[Any], bool]

# Draft 3's validating keywords (jsonschema.Draft3Validator.VALIDATORS) left to jsonschema. The others are
# compiled (`format` is not checked, as SchemaSet runs jsonschema without a format checker, and
# `additionalItems` only matters beside tuple items); the remaining words (title, description, default,
# $schema, required inside properties, definitions, unknown ones) are annotations, as for jsonschema.
NOT_COMPILED = frozenset({"extends", "disallow", "divisibleBy", "uniqueItems", "id"})


class NotCompiled(Exception):
    """The schema uses something this compiler leaves to jsonschema."""


# `v.__class__ is T` first: an attribute read, where isinstance is a call; the answers of the exact types
# JSON decodes to come from it, and anything else (a subclass) still goes through isinstance.


def _is_integer(v: Any) -> bool:
    return v.__class__ is int or (isinstance(v, int) and not isinstance(v, bool))


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Number) and not isinstance(v, bool)


TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, (list, LazyList)),
    "boolean": lambda v: isinstance(v, bool),
    "integer": _is_integer,
    "number": _is_number,
    "null": lambda v: v is None,
    "any": lambda v: True,
}
# a property whose whole schema is one of these types is checked inline, without a call
_INLINE = {"string": str, "object": dict, "boolean": bool}
_ANNOTATIONS = frozenset({"title", "description", "default", "$schema", "required", "format"})


def _all(checks: list[Check]) -> Check:
    if not checks:
        return TYPES["any"]
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(c(v) for c in checks)


class Compiler:
    """Compiles one schema graph; `$ref` targets are compiled once each (cycles through a late-bound cell)."""

    def __init__(self) -> None:
        self._refs: dict[int, list[Check]] = {}

    def compile(self, schema: Any, resolver: Resolver) -> Check:
        if not isinstance(schema, Mapping):
            raise NotCompiled(f"schema is {type(schema).__name__}")
        if "$ref" in schema:  # draft 3: a $ref's siblings are ignored
            return self._ref(schema["$ref"], resolver)
        unknown = NOT_COMPILED.intersection(schema)
        if unknown:
            raise NotCompiled(", ".join(sorted(unknown)))
        # A single type folds into that type's keyword check (one call instead of two): `strict` makes the
        # check refuse other types instead of passing them.
        single = schema.get("type") if isinstance(schema.get("type"), str) else None
        checks: list[Check] = []
        string = self._string(schema, strict=single == "string")
        number = self._number(schema, strict=single in ("number", "integer"), integer=single == "integer")
        array = self._array(schema, resolver, strict=single == "array")
        obj = self._object(schema, resolver, strict=single == "object")
        folded = {"string": string, "number": number, "integer": number, "array": array, "object": obj}
        if "type" in schema and (single is None or folded.get(single) is None):
            checks.append(self._type(schema["type"], resolver))
        if "enum" in schema and not (single == "string" and string is not None):
            checks.append(self._enum(schema["enum"]))
        checks.extend(c for c in (string, number, array, obj) if c is not None)
        return _all(checks)

    # -- keywords ---------------------------------------------------------------------------------

    def _ref(self, ref: str, resolver: Resolver) -> Check:
        try:
            resolved = resolver.lookup(ref)
        except Exception as exc:  # unresolvable: jsonschema says so, in its words, when it validates
            raise NotCompiled(f"$ref {ref!r}: {exc}") from None
        key = id(resolved.contents)
        cell = self._refs.get(key)
        if cell is None:
            cell = self._refs[key] = []
            cell.append(self.compile(resolved.contents, resolved.resolver))
            return cell[0]
        if cell:
            return cell[0]
        return lambda v: cell[0](v)  # a reference back to a schema still being compiled

    def _type(self, types: Any, resolver: Resolver) -> Check:
        """Draft 3's `type`: a name, or a union of names and schemas (valid when one of them holds)."""
        checks = []
        for t in types if isinstance(types, list) else [types]:
            if isinstance(t, Mapping):
                checks.append(self.compile(t, resolver))
            elif isinstance(t, str) and t in TYPES:
                checks.append(TYPES[t])
            else:
                raise NotCompiled(f"unknown type {t!r}")
        if len(checks) == 1:
            return checks[0]
        return lambda v: any(c(v) for c in checks)

    @staticmethod
    def _enum(values: Any) -> Check:
        if not isinstance(values, list) or not all(isinstance(e, str) for e in values):
            raise NotCompiled("non-string enum")
        allowed = frozenset(values)
        return lambda v: isinstance(v, str) and v in allowed

    def _string(self, schema: Mapping[str, Any], *, strict: bool) -> Check | None:
        pattern = schema.get("pattern")
        search = re.compile(pattern).search if pattern is not None else None
        low, high = schema.get("minLength"), schema.get("maxLength")
        allowed = None
        if strict and "enum" in schema:
            self._enum(schema["enum"])  # refuses what is not compiled
            allowed = frozenset(schema["enum"])
        if search is None and low is None and high is None and allowed is None:
            return None

        def check(v: Any) -> bool:
            if v.__class__ is not str and not isinstance(v, str):
                return not strict
            if allowed is not None and v not in allowed:
                return False
            if search is not None and search(v) is None:
                return False
            if low is not None and len(v) < low:
                return False
            return high is None or len(v) <= high

        return check

    @staticmethod
    def _number(schema: Mapping[str, Any], *, strict: bool, integer: bool) -> Check | None:
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is None and high is None:
            return None
        low_open, high_open = bool(schema.get("exclusiveMinimum")), bool(schema.get("exclusiveMaximum"))
        is_type = _is_integer if integer else _is_number

        def check(v: Any) -> bool:
            if not is_type(v):
                return not strict
            if low is not None and (v <= low if low_open else v < low):
                return False
            return high is None or not (v >= high if high_open else v > high)

        return check

    def _array(self, schema: Mapping[str, Any], resolver: Resolver, *, strict: bool) -> Check | None:
        items = schema.get("items")
        if items is not None and not isinstance(items, Mapping):
            raise NotCompiled("tuple items")
        item = self.compile(items, resolver) if items is not None else None
        low, high = schema.get("minItems"), schema.get("maxItems")
        if item is None and low is None and high is None:
            return None

        def check(v: Any) -> bool:
            if not isinstance(v, (list, LazyList)):
                return not strict
            if low is not None or high is not None:
                n = len(v)
                if (low is not None and n < low) or (high is not None and n > high):
                    return False
            if item is not None and not (isinstance(v, LazyList) and v.checked is items):
                for x in v:  # a LazyList whose items were held to this very schema when stored is not walked
                    if not item(x):
                        return False
            return True

        return check

    def _property(self, schema: Any, resolver: Resolver) -> Check | type:
        """A property's check; a bare `{"type": "string"}` (plus annotations) is the type itself, inlined."""
        if isinstance(schema, Mapping) and set(schema) - _ANNOTATIONS == {"type"}:
            inline = _INLINE.get(schema["type"]) if isinstance(schema["type"], str) else None
            if inline is not None:
                return inline
        return self.compile(schema, resolver)

    def _object(self, schema: Mapping[str, Any], resolver: Resolver, *, strict: bool) -> Check | None:
        properties = schema.get("properties") or {}
        patterns = schema.get("patternProperties") or {}
        additional = schema.get("additionalProperties", True)
        dependencies = schema.get("dependencies") or {}
        if not (properties or patterns or additional is not True or dependencies):
            return None
        checks = {name: self._property(sub, resolver) for name, sub in properties.items()}
        required = tuple(name for name, sub in properties.items() if isinstance(sub, Mapping) and sub.get("required"))
        by_pattern = [(re.compile(p).search, self.compile(sub, resolver)) for p, sub in patterns.items()]
        any_pattern = re.compile("|".join(patterns)).search if patterns else None
        extra: Check | bool = bool(additional)
        if isinstance(additional, Mapping):
            extra = self.compile(additional, resolver)
        needs = self._dependencies(dependencies)
        if extra is True and not patterns:
            return _straight_object(checks, required, needs, strict=strict)

        def check(v: Any) -> bool:
            if v.__class__ is not dict and not isinstance(v, dict):
                return not strict
            for name in required:
                if name not in v:
                    return False
            for name, value in v.items():
                c = checks.get(name)
                if c is None:
                    if extra is True or (any_pattern is not None and any_pattern(name)):
                        continue
                    if extra is False or not extra(value):
                        return False
                elif c is str or c is dict or c is bool:
                    if value.__class__ is not c and not isinstance(value, c):
                        return False
                elif not c(value):
                    return False
            for search, sub in by_pattern:
                for name, value in v.items():
                    if search(name) and not sub(value):
                        return False
            return all(name not in v or all(w in v for w in wanted) for name, wanted in needs)

        return check

    @staticmethod
    def _dependencies(dependencies: Mapping[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
        out: list[tuple[str, tuple[str, ...]]] = []
        for name, dep in dependencies.items():
            if isinstance(dep, str):
                out.append((name, (dep,)))
            elif isinstance(dep, list) and all(isinstance(d, str) for d in dep):
                out.append((name, tuple(dep)))
            else:
                raise NotCompiled("schema-valued dependencies")
        return out


_MISSING = object()
_INLINE_TYPES = frozenset(_INLINE.values())


def _straight_object(checks: Mapping[str, Check | type], required: tuple[str, ...],
                     needs: list[tuple[str, tuple[str, ...]]], *, strict: bool) -> Check:
    """An object check whose every other property is allowed, as one function of straight-line code: a
    look-up and a test per declared property, the required names and the dependencies spelled out.

    Why code and not a loop over the instance's items: an order has some thirty properties, and a loop
    paid a dictionary look-up and three branches for each before its own test; this is about half the
    time of the orders trigger's out-schema check. The verdict is the loop's: a property absent from the
    instance is not tested, one the schema does not declare is allowed, the first failing test says no.
    Property names enter the source as ``repr`` literals; every check is bound by name, never by text."""
    scope: dict[str, Any] = {"M": _MISSING, "isinstance": isinstance}
    lines = ["def check(v):",
             f"    if v.__class__ is not dict and not isinstance(v, dict): return {not strict}"]
    if required:
        lines.append("    if " + " or ".join(f"{name!r} not in v" for name in required) + ": return False")
    lines.append("    get = v.get")
    for index, (name, test) in enumerate(checks.items()):
        lines.append(f"    x = get({name!r}, M)")
        if test in _INLINE_TYPES:
            scope[f"t{index}"] = test
            lines.append(f"    if x is not M and x.__class__ is not t{index} and not isinstance(x, t{index}): "
                         "return False")
        else:
            scope[f"c{index}"] = test
            lines.append(f"    if x is not M and not c{index}(x): return False")
    for name, wanted in needs:
        if not wanted:  # a dependency on nothing always holds
            continue
        present = " and ".join(f"{w!r} in v" for w in wanted)
        lines.append(f"    if {name!r} in v and not ({present}): return False")
    lines.append("    return True")
    exec(compile("\n".join(lines), "<schema object check>", "exec"), scope)  # noqa: S102 - our own source
    check: Check = scope["check"]
    return check


def compile_check(schema: Mapping[str, Any], resolver: Resolver) -> Check | None:
    """The compiled yes/no check of `schema` (refs resolved through `resolver`), or None when the schema
    uses a keyword left to jsonschema."""
    try:
        return Compiler().compile(schema, resolver)
    except NotCompiled:
        return None
