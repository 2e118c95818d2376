"""Screens 2 and 3, Step and Sample: a trigger's or action's fields, its live metadata, and trying it.

- Select lists whose ``model`` is a function are loaded live (``runtime.designer.select_model``) with the
  stored credentials and the fields as they stand; dynamic metadata (``get_metadata``) is fetched again
  whenever a field changes, and the step's fields are saved then, for the Flow screen.
- Retrieve sample on the trigger is ``run_step(..., sample=True)``: one request, a throw-away state.
- An action's input form is json-editor over ``metadata.in``; Run is ``run_step`` for real. Sample on a
  feed action only builds and validates the feed and shows it, and Ship Order through confirmShipment
  shows the calls it would make: nothing is sent (``steps.feed_preview``, which ``amazon-mws run ACTION
  --sample`` shares).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from amazon_mws.console.context import Console, console_of
from amazon_mws.console.forms import error_lines, form_fields, parse_fields, split_errors
from amazon_mws.runtime.designer import get_metadata, select_model
from amazon_mws.runtime.errors import UnknownStepError, ValidationError
from amazon_mws.runtime.executor import run_step
from amazon_mws.runtime.validation import validate_cfg

ORDER_COLUMNS = ("AmazonOrderId", "PurchaseDate", "OrderStatus", "OrderTotal", "NumberOfItemsShipped",
                 "NumberOfItemsUnshipped", "ShipServiceLevel")


def feed_steps() -> set[str]:
    """The actions whose sample builds a feed instead of sending it."""
    from amazon_mws.feeds.kinds import KINDS

    return set(KINDS) | {"submitProduct", "submitProductCategoryFromPayload"}


def _cfg(console: Console, fields: dict[str, Any]) -> dict[str, Any]:
    return {**console.workspace.credentials(), **fields}


def _step_or_404(console: Console, name: str):
    try:
        return console.manifest.step(name)
    except (UnknownStepError, KeyError):
        return None


def show(request: Request) -> Response:
    console = console_of(request)
    names = sorted(console.manifest.steps, key=lambda n: (console.manifest.steps[n].kind != "trigger", n))
    name = request.query_params.get("name") or names[0]
    step = _step_or_404(console, name)
    if step is None:
        return console.render(request, "message.html", 404, title="No such step",
                              message=f"{name!r} is not a step of the component")
    config = console.workspace.step_config(name)
    meta, meta_errors = _metadata(console, name, config)
    return console.render(request, "step.html", steps=names, step=step, fields=form_fields(step.fields, config),
                          meta=meta, meta_errors=meta_errors, feed=name in feed_steps(), errors={})


def _metadata(console: Console, name: str, config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    try:
        return get_metadata(name, _cfg(console, config), manifest=console.manifest), []
    except Exception as exc:  # get_meta_model needs a field not chosen yet, or Amazon refused
        return {"in": None, "out": None}, error_lines(exc)


def options(request: Request) -> Response:
    """The ``<select>`` of a field whose model is a function, its options listed, chosen values selected."""
    console = console_of(request)
    step, field = request.query_params.get("step", ""), request.query_params.get("field", "")
    the_step = _step_or_404(console, step) if step else None
    config = console.workspace.step_config(step) if the_step else {}
    chosen = request.query_params.getlist("value") or config.get(field) or []
    chosen = chosen if isinstance(chosen, list) else [chosen]
    try:
        if the_step is None:  # a credentials field: any step's manifest entry finds it
            step = next(iter(console.manifest.steps))
        found = select_model(step, field, _cfg(console, config), manifest=console.manifest)
        problem = ""
    except Exception as exc:
        found, problem = {}, "; ".join(error_lines(exc))
    spec = (the_step.fields if the_step else console.manifest.credential_fields).get(field) or {}
    return console.render(request, "options.html", options=found, chosen=[str(c) for c in chosen], problem=problem,
                          field=field, multiple=spec.get("viewClass") == "MultiSelectView")


async def _posted(request: Request) -> tuple[Console, Any, Any, dict[str, Any]] | None:
    """The step named in the path, the posted form, and the step's fields from it, saved (for the Flow
    screen); None for a step the component does not have."""
    console = console_of(request)
    step = _step_or_404(console, request.path_params["name"])
    if step is None:
        return None
    form = await request.form()
    config = parse_fields(step.fields, form)
    console.workspace.save_step_config(step.name, config)
    return console, step, form, config


def _on_posted(work: Callable[..., Response]) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that reads the posted step form here, then runs ``work`` off the event loop (it calls
    Amazon, reads XSDs, may wait for a feed's report)."""

    async def endpoint(request: Request) -> Response:
        posted = await _posted(request)
        if posted is None:
            return Response("no such step", 404)
        return await run_in_threadpool(work, request, *posted)

    return endpoint


def _metadata_panel(request: Request, console: Console, step, form, config: dict[str, Any]) -> Response:
    """A field changed (the fields are saved): the metadata, since dynamic metadata follows the fields."""
    meta, meta_errors = _metadata(console, step.name, config)
    return console.render(request, "metadata.html", step=step, meta=meta, meta_errors=meta_errors)


def _try(request: Request, console: Console, step, form, config: dict[str, Any]) -> Response:
    """Sample (``mode=sample``) or Run (``mode=run``); the result panel, errors by field out of band."""
    name = step.name
    cfg = _cfg(console, config)
    sample = form.get("mode") != "run"
    try:
        body = json.loads(str(form.get("body") or "{}")) if step.kind == "action" else {}
    except ValueError as exc:
        return _result(console, request, step, errors=[f"body: not valid JSON ({exc})"])
    if sample and name in feed_steps():
        return _feed_preview(console, request, step, cfg, body)
    result = run_step(name, cfg, body, sample=sample, manifest=console.manifest)
    lines = [line for error in result.errors for line in error_lines(error)]
    bodies = [m.body for m in result.data]
    return _result(console, request, step, errors=lines, bodies=bodies, sample=sample)


def _feed_preview(console: Console, request: Request, step, cfg: dict[str, Any], body: Any) -> Response:
    """Build and validate the feed as Run would, and show it; nothing reaches Amazon (``steps.feed_preview``)."""
    from amazon_mws.feeds.errors import FeedInputError
    from amazon_mws.steps.feed_preview import previews

    try:
        cfg = validate_cfg(console.manifest.fields_for(step), cfg)
        console.manifest.schemas.validate(get_metadata(step.name, cfg, manifest=console.manifest)["in"], body)
        feeds = previews(step.name, body, cfg)
    except (ValidationError, FeedInputError, ValueError) as exc:
        return _result(console, request, step, errors=error_lines(exc), sample=True)
    return _result(console, request, step, feeds=feeds, sample=True)


def _result(console: Console, request: Request, step, *, errors: list[str] | None = None,
            bodies: list[Any] | None = None, feeds: list[dict[str, Any]] | None = None,
            sample: bool = True) -> Response:
    by_field, rest = split_errors(errors or [], step.fields)
    cred_errors, rest = split_errors(rest, console.manifest.credential_fields)
    orders = [o for b in bodies or [] if isinstance(b, dict) for o in (b.get("orders") or [])
              if isinstance(o, dict)]
    return console.render(request, "result.html", step=step, errors=by_field, problems=rest,
                          credential_errors=cred_errors, bodies=bodies or [], orders=orders,
                          columns=ORDER_COLUMNS, feeds=feeds or [], sample=sample,
                          bodies_json=json.dumps(bodies or [], indent=2, default=str))


ROUTES = [
    Route("/step", show, methods=["GET"]),
    Route("/select", options, methods=["GET"]),
    Route("/step/{name}/metadata", _on_posted(_metadata_panel), methods=["POST"]),
    Route("/step/{name}/try", _on_posted(_try), methods=["POST"]),
]
