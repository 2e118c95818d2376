"""Validation of cfg and bodies against the component's draft-03 schemas.

- Schemas are the component convention's draft-03 dialect (``"required": true`` on a property), checked
  with jsonschema's ``Draft3Validator``; every file under ``schemas/`` is loaded into one referencing
  ``Registry`` up front, so ``{"$ref": "definitions/order.json"}`` resolves relative to the referring file
  without touching the disk during validation.
- A validator is compiled once per schema file (or per distinct dynamic schema) and cached, together with
  the schema's compiled check (schema_compiler.py): a valid instance costs that check alone, and only an
  invalid one is walked by jsonschema, for the wording of its errors.
- ``LazyList`` body values count as arrays: ``items`` walks them one element at a time and
  ``minItems``/``maxItems`` use ``len``; nothing is materialised.
- Error lines name the path and the rule: ``body.amazonOrderIds[2]: '12' does not match '^\\d{3}-...$'``,
  ``cfg.orderStatus: is required``.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import threading
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft3Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT3

from amazon_mws.runtime.errors import ValidationError
from amazon_mws.runtime.message import LazyList
from amazon_mws.runtime.schema_compiler import Check, compile_check

MAX_ERRORS = 10
MAX_MESSAGE = 240

_TYPE_CHECKER = Draft3Validator.TYPE_CHECKER.redefine(
    "array", lambda _checker, instance: isinstance(instance, (list, LazyList))
)
StreamingDraft3Validator = jsonschema.validators.extend(Draft3Validator, type_checker=_TYPE_CHECKER)
"""Draft 3 with LazyList accepted as an array (``items`` then iterates it lazily)."""


def draft3_resource(contents: Mapping[str, Any]) -> Resource[Any]:
    """A registry resource for a draft-03 schema. Its ``$schema`` is dropped: jsonschema switches to the
    validator class a ``$schema`` names when it follows a ``$ref``, which would lose the LazyList-aware
    type checker (every schema of the component is draft-03 by convention, so nothing else changes)."""
    return DRAFT3.create_resource({k: v for k, v in contents.items() if k != "$schema"})


def format_path(prefix: str, path: Iterable[Any]) -> str:
    out = prefix
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def describe(error: jsonschema.ValidationError, prefix: str) -> str:
    """One line: where, then which rule was broken (in words close to the schema's)."""
    where = format_path(prefix, error.absolute_path)
    if error.validator == "required":
        rule = "is required"
    elif error.validator == "pattern":
        rule = f"{_shorten(repr(error.instance))} does not match '{error.validator_value}'"
    elif error.validator in ("minItems", "maxItems"):
        bound = "at least" if error.validator == "minItems" else "at most"
        rule = f"has {len(error.instance)} items, expected {bound} {error.validator_value}"
    else:
        rule = _shorten(error.message)
    return f"{where}: {rule}"


def collect_errors(validator: Draft3Validator, instance: Any, prefix: str) -> list[str]:
    """The first ``MAX_ERRORS`` problems (iteration stops there: a bad 50,000-item list is not walked)."""
    errors = list(itertools.islice(validator.iter_errors(instance), MAX_ERRORS + 1))
    lines = [describe(e, prefix) for e in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        lines.append(f"{prefix}: more errors not shown")
    return lines


class SchemaSet:
    """The schemas of one component: a registry over ``schemas/`` and a cache of compiled validators."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.folder = self.root / "schemas"
        self._lock = threading.Lock()
        self._validators: dict[str, tuple[Draft3Validator, Check | None]] = {}
        self._registries: dict[str, Registry] = {}  # the registry each compiled schema was compiled in
        self._items: dict[str, tuple[Mapping[str, Any], Draft3Validator, Check | None] | None] = {}
        self.registry, self.load_errors = self._build_registry()

    def _build_registry(self) -> tuple[Registry, dict[Path, str]]:
        resources = []
        errors: dict[Path, str] = {}
        if self.folder.is_dir():
            for path in sorted(self.folder.rglob("*.json")):
                try:
                    contents = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    errors[path] = f"not valid JSON: {exc}"
                    continue
                resources.append((path.resolve().as_uri(), draft3_resource(contents)))
        return Registry().with_resources(resources), errors

    def resolve(self, relative: str) -> Path:
        """A manifest path (``schemas/x.json`` or ``./schemas/x.json``) as an absolute path."""
        return (self.root / relative).resolve()

    def read(self, relative: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.resolve(relative).read_text(encoding="utf-8"))
        return data

    def validator_for_file(self, relative: str) -> Draft3Validator:
        return self.compiled_file(relative)[0]

    def validator_for_schema(self, schema: Mapping[str, Any]) -> Draft3Validator:
        """For dynamic metadata: compiled once per distinct schema; its refs resolve against schemas/."""
        return self.compiled_schema(schema)[0]

    def compiled_file(self, relative: str) -> tuple[Draft3Validator, Check | None]:
        """The file's jsonschema validator and its compiled check (None when not compiled), made once."""
        path = self.resolve(relative)
        key = str(path)
        with self._lock:
            compiled = self._validators.get(key)
            if compiled is None:
                uri = path.as_uri()
                registry = self.registry
                try:
                    registry[uri]
                except LookupError:  # a schema kept outside schemas/: add it on first use
                    contents = json.loads(path.read_text(encoding="utf-8"))
                    registry = registry.with_resource(uri, draft3_resource(contents))
                self._registries[uri] = registry
                compiled = self._validators[key] = _compile(uri, registry)
        return compiled

    def compiled_schema(self, schema: Mapping[str, Any]) -> tuple[Draft3Validator, Check | None]:
        """The same for a dynamic schema, made once per distinct schema."""
        return self._compiled_dynamic(schema)[1:]

    def _compiled_dynamic(self, schema: Mapping[str, Any]) -> tuple[str, Draft3Validator, Check | None]:
        """A dynamic schema's uri (in the registry made for it), validator and check."""
        digest = hashlib.sha256(json.dumps(schema, sort_keys=True, default=str).encode()).hexdigest()[:16]
        uri = (self.folder / f"dynamic-{digest}.json").resolve().as_uri()
        with self._lock:
            compiled = self._validators.get(digest)
            if compiled is None:
                registry = self._registries[uri] = self.registry.with_resource(uri, draft3_resource(schema))
                compiled = self._validators[digest] = _compile(uri, registry)
        return uri, *compiled

    def check_items(self, schema: str | Mapping[str, Any] | None, field: str, items: list[Any], first: int = 0,
                    prefix: str = "body") -> Mapping[str, Any] | None:
        """Hold ``items`` one by one to the ``items`` schema of the array property ``field`` of ``schema``
        (ValidationError naming ``body.field[first + i]``), and return that item schema: a ``LazyList`` of
        them built with ``checked=`` it is not walked again when a body holding it is validated.

        Why: a trigger stores each page of orders as it gathers it and emits them all at the end; checked
        here, while each order is still a dict, they need not be decoded from the store to be checked at
        emit. None when the schema has no such property (nothing to skip: the emit checks everything).
        """
        if schema is None:
            return None
        compiled = self._items_compiled(schema, field)
        if compiled is None:
            return None
        item_schema, validator, check = compiled
        for index, item in enumerate(items):
            if check is None or not check(item):  # the path is spelled only for an item that needs words
                _hold(validator, check, item, f"{prefix}.{field}[{first + index}]")
        return item_schema

    def _items_compiled(self, schema: str | Mapping[str, Any], field: str
                        ) -> tuple[Mapping[str, Any], Draft3Validator, Check | None] | None:
        """The item schema of the array ``field`` (the object the whole schema's compiled check holds),
        its validator and its check; made once per schema and field."""
        if isinstance(schema, str):
            self.compiled_file(schema)  # its registry is then kept
            uri = self.resolve(schema).as_uri()
        else:
            uri = self._compiled_dynamic(schema)[0]
        pointer = f"{uri}#/properties/{_escaped(field)}/items"
        with self._lock:
            if pointer not in self._items:
                self._items[pointer] = self._compile_items(pointer)
            return self._items[pointer]

    def _compile_items(self, pointer: str) -> tuple[Mapping[str, Any], Draft3Validator, Check | None] | None:
        uri = pointer.partition("#")[0]
        registry = self._registries[uri]
        try:
            contents = registry.resolver().lookup(pointer).contents
        except Exception:  # no such property, or not an array of one item schema: nothing to check early
            return None
        if not isinstance(contents, Mapping):
            return None
        validator, check = _compile(pointer, registry)
        return contents, validator, check

    def validate(self, schema: str | Mapping[str, Any] | None, instance: Any, prefix: str = "body") -> None:
        """Raise ``ValidationError`` naming each problem; ``schema`` None means nothing to check."""
        if schema is None:
            return
        validator, check = self.compiled_file(schema) if isinstance(schema, str) else self.compiled_schema(schema)
        _hold(validator, check, instance, prefix)


def _hold(validator: Draft3Validator, check: Check | None, instance: Any, prefix: str) -> None:
    """The compiled check's yes, else jsonschema's words for every problem (ValidationError)."""
    if check is not None and check(instance):
        return
    lines = collect_errors(validator, instance, prefix)
    if lines:
        raise ValidationError(lines)


def _escaped(name: str) -> str:
    """A property name as one JSON pointer segment (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")


def _compile(uri: str, registry: Registry) -> tuple[Draft3Validator, Check | None]:
    """jsonschema's validator (the reference, and the words of every error) and the fast check."""
    root = {"$ref": uri}
    return StreamingDraft3Validator(root, registry=registry), compile_check(root, registry.resolver())


def check_schema_file(path: Path) -> str | None:
    """Why the file is not a usable draft-03 schema, or None when it is."""
    if not path.is_file():
        return "does not exist"
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"is not valid JSON: {exc}"
    return check_schema(schema)


def check_schema(schema: Any) -> str | None:
    try:
        Draft3Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = format_path("", exc.absolute_path) or "(root)"
        return f"is not a valid draft-03 schema: at {where}: {_shorten(exc.message)}"
    return None


# ---- cfg -------------------------------------------------------------------------------------------

CHECKBOX = "CheckBoxView"
SELECT = "SelectView"
MULTISELECT = "MultiSelectView"
CHECKBOX_WORDS = {"true": True, "on": True, "false": False}
"""What designers send for a checkbox besides JSON booleans: a ticked CheckBoxView arrives as "on" on
elastic.io (an HTML form's value), text-only designers send the word."""


def _missing(value: Any) -> bool:
    return value is None or value == "" or value == []


def validate_cfg(
    fields: Mapping[str, Mapping[str, Any]], cfg: Mapping[str, Any], prefix: str = "cfg"
) -> dict[str, Any]:
    """``cfg`` normalised (``cfg_problems``), or ValidationError listing every problem."""
    out, errors = cfg_problems(fields, cfg, prefix)
    if errors:
        raise ValidationError(errors)
    return out


def cfg_problems(
    fields: Mapping[str, Mapping[str, Any]], cfg: Mapping[str, Any], prefix: str = "cfg"
) -> tuple[dict[str, Any], list[str]]:
    """``cfg`` checked against the manifest's fields: (it normalised, one line per problem).

    Rules, as the component convention has them: required fields are present and not empty; a SelectView
    whose ``model`` is a static dict only takes its keys (a model that is a function name is checked by
    the function's caller, since listing it may need Amazon); MultiSelectView takes a list of such keys
    (one key alone is a list of one); an unticked checkbox sends nothing, so a missing CheckBoxView
    becomes False, and the words "true"/"false" (and "on", a ticked box on elastic.io) count as booleans.
    """
    if not isinstance(cfg, Mapping):
        return {}, [f"{prefix}: must be a JSON object, got {type(cfg).__name__}"]
    out = dict(cfg)
    errors: list[str] = []
    for name, spec in fields.items():
        view = spec.get("viewClass")
        value = out.get(name)
        where = f"{prefix}.{name}"
        if view == CHECKBOX:
            if value is None:
                out[name] = False
            elif isinstance(value, str) and value.strip().lower() in CHECKBOX_WORDS:
                out[name] = CHECKBOX_WORDS[value.strip().lower()]  # elastic.io sends "on"; text designers a word
            elif not isinstance(value, bool):
                errors.append(f"{where}: must be true or false (a checkbox), got {_shorten(repr(value))}")
            continue
        if _missing(value):
            if spec.get("required"):
                errors.append(f"{where}: is required")
            continue
        model = spec.get("model")
        if isinstance(model, Mapping) and view in (SELECT, MULTISELECT):
            allowed = list(model)
            if view == MULTISELECT and isinstance(value, str):
                value = out[name] = [value]  # a single select's one value is a list of one
            if view != MULTISELECT:
                values = [value]
            elif isinstance(value, list):
                values = value
            else:
                errors.append(f"{where}: must be a list of {allowed}, got {_shorten(repr(value))}")
                continue
            for item in values:
                if str(item) not in model:
                    errors.append(f"{where}: {_shorten(repr(item))} is not one of {allowed}")
    return out, errors


def unknown_fields(keys: Iterable[str], known: Collection[str], prefix: str = "cfg") -> list[str]:
    """One line per key that no field declares, with the nearest declared name when one is close.

    Why refuse them: a misspelt field (``maxResultPerPage``) would otherwise be ignored and its default
    used, a run that looks right and is not. The suggestion compares case-blind, so ``MarketplaceId``
    finds ``marketplaceId`` as readily as ``emitBehavior`` finds ``emitBehaviour``.
    """
    by_lower = {name.lower(): name for name in known}
    lines = []
    for key in keys:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key).lower(), list(by_lower), n=1, cutoff=0.75)
        hint = f" (did you mean {by_lower[close[0]]}?)" if close else ""
        lines.append(f"{prefix}.{key}: unknown field{hint}")
    return lines
