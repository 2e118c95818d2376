"""Screen 4, Flow: a trigger, actions, a sink, saved as a flow file (flows/spec.py); Run once, Schedule.

The form is the whole draft: every change posts it and the server answers the form again, so the map
choices always follow the steps as they stand. An action's ``map`` gives each property of its input
(``metadata.in``) a path into the previous step's output (``metadata.out``), listed from that schema
(``orders[*].AmazonOrderId``); a step's fields are the ones last saved on the Step screen.

Credentials go into the file as ``{"file": WORKDIR/credentials.json}``: the flow file holds no secret and
the worker that runs it reads them where it runs. That file is outside the flow's own folder (flows/), where
a flow may read credentials by default (``flows.spec``), so the console allows its own folder for the flows
it runs and registers. A webhook to loopback or a private network is the designer's explicit choice (a
checkbox: ``sink.allowPrivateNetwork``), as in a flow file. A saved webhook URL is shown masked, like a
secret (its path and query often hold the receiver's token): the form still showing the mask keeps it.
Run once is ``workers.flow_runs.run_once`` (in this process without REDIS_URL, on the workers with it); Schedule
registers the flow for workers and beat (Redis only).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from amazon_mws.console.context import Console, console_of
from amazon_mws.console.forms import error_lines
from amazon_mws.flows.spec import NAME_RE, parse_flow
from amazon_mws.runtime.designer import get_metadata
from amazon_mws.runtime.secrets import MASK, mask_url

MAX_PATH_DEPTH = 5


def schema_paths(schema: Any, prefix: str = "", depth: int = 0) -> list[str]:
    """Every field path of a (resolved) schema, in flow map syntax: ``orders``, ``orders[*].AmazonOrderId``."""
    if not isinstance(schema, dict) or depth > MAX_PATH_DEPTH:
        return []
    out: list[str] = []
    if schema.get("type") == "array" or "items" in schema:
        return schema_paths(schema.get("items"), f"{prefix}[*]", depth + 1)
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        out.append(path)
        if isinstance(sub, dict) and sub.get("type") == "array":
            out.append(f"{path}[*]")
        out.extend(p for p in schema_paths(sub, path, depth + 1) if p != f"{path}[*]")
    return out


def _meta(console: Console, step: str, direction: str) -> Any:
    cfg = {**console.workspace.credentials(), **console.workspace.step_config(step)}
    try:
        return get_metadata(step, cfg, manifest=console.manifest)[direction]
    except Exception:  # dynamic metadata that needs a field not chosen yet: no choices to offer
        return None


def draft_from_form(form: Any) -> dict[str, Any]:
    """The builder's form as a draft: name, trigger, actions [{step, map}], sink, schedule."""
    actions = []
    for i in range(int(form.get("actionCount") or 0)):
        if form.get("remove") == str(i):
            continue
        step = str(form.get(f"action-{i}-step") or "")
        mapping = {key[len(f"action-{i}-map-"):]: str(value) for key, value in form.multi_items()
                   if key.startswith(f"action-{i}-map-") and value}
        actions.append({"step": step, "map": mapping})
    if form.get("add"):
        actions.append({"step": str(form.get("add")), "map": {}})
    return {
        "name": str(form.get("name") or "").strip(),
        "trigger": str(form.get("trigger") or ""),
        "actions": actions,
        "sinkType": str(form.get("sinkType") or "file"),
        "sinkTarget": str(form.get("sinkTarget") or "").strip(),
        "sinkPrivate": form.get("sinkPrivate") == "on",
        "interval": str(form.get("interval") or "").strip(),
    }


def draft_from_file(data: dict[str, Any]) -> dict[str, Any]:
    steps = data.get("steps") or [{}]
    sink = data.get("sink") or {}
    return {
        "name": data.get("name", ""),
        "trigger": steps[0].get("step", ""),
        "actions": [{"step": s.get("step", ""), "map": dict(s.get("map") or {})} for s in steps[1:]],
        "sinkType": sink.get("type", "file"),
        "sinkTarget": mask_url(sink["url"]) if sink.get("url") else sink.get("path") or "",
        "sinkPrivate": bool(sink.get("allowPrivateNetwork")),
        "interval": str((data.get("schedule") or {}).get("interval", "")),
    }


def _saved_url(console: Console, name: str) -> str | None:
    """The webhook URL of the saved flow ``name`` (the page only ever shows it masked)."""
    if not re.fullmatch(NAME_RE, name):
        return None
    try:
        url = (json.loads(console.workspace.flow_path(name).read_text(encoding="utf-8")).get("sink") or {}).get("url")
    except (OSError, ValueError, AttributeError):
        return None
    return url if isinstance(url, str) else None


def _shown(data: dict[str, Any] | None) -> str:
    """The flow file as the page shows it: the sink's URL masked, its header values hidden."""
    if not data:
        return ""
    sink = dict(data.get("sink") or {})
    if isinstance(sink.get("url"), str):
        sink["url"] = mask_url(sink["url"])
    if isinstance(sink.get("headers"), dict):
        sink["headers"] = {name: MASK for name in sink["headers"]}
    return json.dumps({**data, "sink": sink} if sink else data, indent=2)


def flow_json(console: Console, draft: dict[str, Any]) -> dict[str, Any]:
    """The flow file for a draft, with the steps' fields as saved on the Step screen."""
    ws = console.workspace
    steps = [{"id": draft["trigger"], "step": draft["trigger"], "config": ws.step_config(draft["trigger"])}]
    seen = {draft["trigger"]}
    for n, action in enumerate(draft["actions"], start=1):
        step_id = action["step"] if action["step"] not in seen else f"{action['step']}-{n}"
        seen.add(step_id)
        entry: dict[str, Any] = {"id": step_id, "step": action["step"], "config": ws.step_config(action["step"])}
        if action["map"]:
            entry["map"] = action["map"]
        steps.append(entry)
    target = draft["sinkTarget"] or str(ws.out_dir / f"{draft['name'] or 'flow'}.jsonl")
    sink: dict[str, Any] = {"type": "file", "path": target}
    if draft["sinkType"] == "webhook":
        saved = _saved_url(console, draft["name"])
        url = saved if saved and target == mask_url(saved) else target  # the mask shown means "unchanged"
        sink = {"type": "webhook", "url": url, **({"allowPrivateNetwork": True} if draft["sinkPrivate"] else {})}
    data: dict[str, Any] = {"name": draft["name"], "credentials": {"file": str(ws.credentials_path)},
                            "steps": steps, "sink": sink}
    if draft["interval"]:
        try:
            data["schedule"] = {"interval": float(draft["interval"])}
        except ValueError:
            data["schedule"] = {"interval": draft["interval"]}  # parse_flow names the field and the rule
    return data


def _render(console: Console, request: Request, draft: dict[str, Any], *, problems: list[str] | None = None,
            notice: str = "", flow: dict[str, Any] | None = None, status: int = 200) -> Response:
    manifest = console.manifest
    triggers = sorted(n for n, s in manifest.steps.items() if s.kind == "trigger")
    actions = sorted(n for n, s in manifest.steps.items() if s.kind == "action")
    draft["trigger"] = draft["trigger"] or triggers[0]
    rows, previous = [], draft["trigger"]
    for action in draft["actions"]:
        in_schema = _meta(console, action["step"], "in") if action["step"] else None
        rows.append({"step": action["step"], "map": action["map"],
                     "inputs": list((in_schema or {}).get("properties") or {}),
                     "paths": schema_paths(_meta(console, previous, "out"))})
        previous = action["step"] or previous
    template = "flow_form.html" if request.headers.get("hx-request") else "flow.html"
    return console.render(request, template, status, draft=draft, rows=rows, triggers=triggers, actions=actions,
                          problems=problems or [], notice=notice, flows=console.workspace.flow_names(),
                          flow_text=_shown(flow), redis=bool(os.environ.get("REDIS_URL")),
                          name_re=NAME_RE)


def show(request: Request) -> Response:
    console = console_of(request)
    name = request.query_params.get("name", "")
    path = console.workspace.flow_path(name) if name else None
    if path is not None and path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        return _render(console, request, draft_from_file(data), flow=data)
    return _render(console, request, draft_from_file({}))


async def edit(request: Request) -> Response:
    """Save (``do=save``), Run once (``do=run``), Schedule (``do=schedule``), or only redraw the form."""
    form = await request.form()
    return await run_in_threadpool(_edit, request, form)


def _edit(request: Request, form: Any) -> Response:
    """Off the event loop: metadata for the map choices, and Run once, take their time."""
    console = console_of(request)
    draft = draft_from_form(form)
    action = str(form.get("do") or "")
    if not action:
        return _render(console, request, draft)
    data = flow_json(console, draft)
    try:
        flow = parse_flow(data, base_dir=console.workspace.flows_dir, manifest=console.manifest,
                          credentials_dir=console.workspace.root)
    except Exception as exc:
        return _render(console, request, draft, problems=error_lines(exc), flow=data)
    console.workspace.save_flow(data)
    if flow.sink.url:
        draft["sinkTarget"] = mask_url(flow.sink.url)
    if action == "run":
        from amazon_mws.console.runs import run_flow

        record = run_flow(console, flow)
        response = Response(status_code=204, headers={"HX-Redirect": f"/runs/{record['id']}"})
        return response
    if action == "schedule":
        if not os.environ.get("REDIS_URL"):
            return _render(console, request, draft, flow=data, problems=[
                "Schedule: needs REDIS_URL (workers and `amazon-mws beat` run scheduled flows); Run once works here"])
        if not flow.schedule:
            return _render(console, request, draft, flow=data, problems=["flow.schedule: give an interval to schedule"])
        from amazon_mws.workers.flow_runs import register

        register(flow)
        return _render(console, request, draft, flow=data, notice=f"Scheduled every {flow.schedule['interval']} s.")
    return _render(console, request, draft, flow=data,
                   notice=f"Saved as {console.workspace.flow_path(flow.name)}.")


ROUTES = [
    Route("/flow", show, methods=["GET"]),
    Route("/flow", edit, methods=["POST"]),
]
