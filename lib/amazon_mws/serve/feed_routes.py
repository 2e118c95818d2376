"""POST /order/acknowledgement, /order/fulfillment, /order/adjustment: a form in, a feed submission out.

No second feed implementation: the body is built and validated by `steps.feed_documents.documents_for` (the feed
actions' own path: JSON Schema, the builders' rules, Amazon's XSD), submitted exactly once by
`feeds.intents` (SubmitFeed, no waiting) and, with `?wait=true`, finished by `feeds.job.wait_and_finish`
(checks every RESPONSE_CHECK_DELAY ms up to the usual cap, then the processing report). The answer is the feed
actions' output: `{"feedSubmissionId", "feedType", "status", "processingReport"}`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from amazon_mws.backends import feeds_api
from amazon_mws.feeds import intents, job
from amazon_mws.feeds.errors import FeedInputError
from amazon_mws.serve import idempotency
from amazon_mws.serve.errors import HttpError, bad_request
from amazon_mws.serve.forms import FormError, FormSpec, form_to_body, translate
from amazon_mws.serve.http import Request, Response
from amazon_mws.steps.feed_documents import documents_for


def read_form(request: Request) -> dict[str, list[str]]:
    """Form fields from an urlencoded body (the seed's curl -d), or the same fields as a flat JSON object."""
    content_type = request.header("content-type").split(";")[0].strip().lower()
    if not request.body:
        return {}
    if content_type == "application/x-www-form-urlencoded":
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request(["(body): is not UTF-8"]) from None
        return parse_qs(text, keep_blank_values=True)
    if content_type == "application/json":
        try:
            data = json.loads(request.body)
        except UnicodeDecodeError:
            raise bad_request(["(body): is not UTF-8"]) from None
        except json.JSONDecodeError as exc:
            raise bad_request([f"(body): is not JSON ({exc.msg})"]) from None
        if not isinstance(data, Mapping):
            raise bad_request(["(body): must be a JSON object of form fields"])
        form: dict[str, list[str]] = {}
        problems = []
        for name, value in data.items():
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                problems.append(f"{name}: must be a string or a number")
            else:
                form[name] = [str(value)]
        if problems:
            raise bad_request(problems)
        return form
    raise HttpError(
        415,
        f"Content-Type: {content_type or '(none)'} is not accepted; send application/x-www-form-urlencoded "
        "or application/json",
    )


def wait_flag(query: dict[str, list[str]]) -> bool:
    values = query.get("wait") or ["false"]
    if len(values) > 1 or values[0].lower() not in ("true", "false", "1", "0", ""):
        raise bad_request([f"wait: {values[-1]!r} is not true or false"])
    return values[0].lower() in ("true", "1")


def submit(spec: FormSpec, request: Request, cfg: Mapping[str, Any]) -> Response:
    """The route: a repeat with the same Idempotency-Key gets the first answer (serve/idempotency.py)."""
    key = idempotency.key_of(request)
    if key is None:
        return _submit(spec, request, cfg, str(uuid.uuid4()))
    remembered = idempotency.Remembered(feeds_api(cfg).account, request, key)
    return remembered.replay() or remembered.keep(_submit(spec, request, cfg, remembered.message_id))


def _submit(spec: FormSpec, request: Request, cfg: Mapping[str, Any], message_id: str) -> Response:
    wait = wait_flag(request.query)
    unknown = [name for name in request.query if name != "wait"]
    if unknown:
        raise bad_request([f"{name}: unknown query parameter (form fields go in the body)" for name in unknown])
    form = read_form(request)
    try:
        body, paths = form_to_body(spec, form)
        docs = documents_for(spec.step, body, dict(cfg))
    except FormError as exc:
        raise bad_request(exc.problems) from None
    except FeedInputError as exc:
        raise bad_request(translate(exc.problems, paths, spec)) from None
    api = feeds_api(cfg)
    outputs = []
    for state in intents.submit_all(api, docs, [message_id]):
        if wait:
            outputs.append(job.wait_and_finish(api, state))
        else:
            outputs.append({
                "feedSubmissionId": state["feedSubmissionId"],
                "feedType": state["feedType"],
                "status": state["status"],
                "processingReport": None,
            })
    return Response(200, outputs[0] if len(outputs) == 1 else {"submissions": outputs})
