"""component.json fields as HTML form fields, and submitted forms back into cfg values.

The form follows the manifest, never a copy of it: each field's label, viewClass (TextFieldView,
PasswordFieldView, SelectView, MultiSelectView, CheckBoxView), note, placeholder and model come from
component.json. A ticked checkbox is posted as ``"on"``, as elastic.io posts it. Error lines from the
runtime (``cfg.maxResultsPerPage: 500 is not between 1 and 100``, ``secretKey: Amazon refused it``) are
split by the field they name, so each shows next to its input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from amazon_mws.runtime.secrets import secret_field_names

# Which credentials each backend reads (mws/credentials.py, spapi/credentials.py); the rest are shared.
MWS_ONLY = frozenset({"mwsAuthToken", "accessKeyId", "secretKey"})
SP_API_ONLY = frozenset({"lwaClientId", "lwaClientSecret", "refreshToken", "lwaTokenUrl", "withoutRestrictedData",
                         "ordersApi"})
SHARED = frozenset({"backend", "sellerId", "marketplaceId", "endpoint"})

_FIELD_AT_START = re.compile(r"^(?:cfg\.)?([A-Za-z][A-Za-z0-9]*)(?:\[\d+\])?\s*:\s*(.*)$", re.S)


@dataclass(frozen=True)
class FormField:
    """One input, ready for the template (``fields.html``)."""

    name: str
    label: str
    view: str
    required: bool
    note: str
    placeholder: str
    options: dict[str, str] | None  # a static model; None with ``model_name`` set: loaded live
    model_name: str | None
    value: Any  # for a secret: True/False (set or not), never the value
    secret: bool
    backend: str | None  # "mws" | "sp-api" for credentials read by one backend only

    @property
    def values(self) -> list[str]:
        """The chosen keys of a select, as strings."""
        if self.value in (None, ""):
            return []
        return [str(v) for v in self.value] if isinstance(self.value, list) else [str(self.value)]


def backend_of_field(name: str) -> str | None:
    if name in MWS_ONLY:
        return "mws"
    if name in SP_API_ONLY:
        return "sp-api"
    return None


def form_fields(specs: Mapping[str, Mapping[str, Any]], values: Mapping[str, Any], *,
                credentials: bool = False) -> list[FormField]:
    secrets = secret_field_names(specs)
    out = []
    for name, spec in specs.items():
        model = spec.get("model")
        out.append(FormField(
            name=name,
            label=str(spec.get("label") or name),
            view=str(spec.get("viewClass") or "TextFieldView"),
            required=bool(spec.get("required")),
            note=str(spec.get("note") or ""),
            placeholder=str(spec.get("placeholder") or ""),
            options={str(k): str(v) for k, v in model.items()} if isinstance(model, Mapping) else None,
            model_name=model if isinstance(model, str) else None,
            value=values.get(name),
            secret=name in secrets,
            backend=backend_of_field(name) if credentials else None,
        ))
    return out


def parse_fields(specs: Mapping[str, Mapping[str, Any]], form: Any) -> dict[str, Any]:
    """A submitted form (Starlette's FormData) as cfg values: multi-selects as lists, a ticked checkbox
    as True (it arrives as "on"), an unticked one as False, text trimmed; empty text is left out."""
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        view = spec.get("viewClass")
        if view == "CheckBoxView":
            out[name] = str(form.get(name, "")).strip().lower() == "on"
        elif view == "MultiSelectView":
            chosen = [str(v) for v in form.getlist(name) if str(v)]
            if chosen:
                out[name] = chosen
        else:
            value = str(form.get(name, "")).strip()
            if value:
                out[name] = value
    return out


def split_errors(lines: Iterable[str], names: Iterable[str]) -> tuple[dict[str, list[str]], list[str]]:
    """``({field: [rule, ...]}, [lines naming no known field])``."""
    known = set(names)
    by_field: dict[str, list[str]] = {}
    rest: list[str] = []
    for line in lines:
        match = _FIELD_AT_START.match(line.strip())
        if match and match.group(1) in known:
            by_field.setdefault(match.group(1), []).append(match.group(2))
        else:
            rest.append(line)
    return by_field, rest


def error_lines(error: Mapping[str, Any] | BaseException) -> list[str]:
    """The lines of an error event (``{"type", "message"}``) or exception; several rules come joined by
    "; " in one ValidationError message."""
    errors = getattr(error, "errors", None) or getattr(error, "problems", None)  # ValidationError, FeedInputError
    if isinstance(errors, list):
        return [str(e) for e in errors]
    message = str(error.get("message", "")) if isinstance(error, Mapping) else str(error)
    return [part for part in message.split("; ") if part] or [message]
