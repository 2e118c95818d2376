"""``amazon-mws flow retry FLOW`` and ``amazon-mws flow reset FLOW``: an operator's two ways out.

- ``retry`` sends the flow's parked messages (the ones its sink did not take, ``flows.parking``) now, instead
  of at the flow's next run; one that fails again is parked again, with the new error.
- ``reset`` starts the trigger over on purpose after its state was lost (``StateLost``): the run in progress
  and what it gathered are dropped, and the next poll walks from the cursor the state still has (the window
  is walked again: duplicates, no gaps), from ``--from TIME``, or, with no cursor left, from the trigger's
  Start Time. Parked messages are kept. On Redis it also tells the workers that the flow's state is new on
  purpose (``guards.acknowledge_reset``).

FLOW is the flow file; with REDIS_URL set it may also be the name of a registered flow. Exit status: 0 done,
1 messages still parked after a retry, 2 usage (a bad file, an unknown flow, a bad time).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from amazon_mws.runtime.errors import ValidationError
from amazon_mws.runtime.state import StateStoreError

USAGE, FAILED = 2, 1


def _flow(ref: str):
    from amazon_mws.flows.spec import load_flow

    if Path(ref).is_file() or not os.environ.get("REDIS_URL"):
        return load_flow(ref)
    from amazon_mws.workers.flow_store import FlowStore

    try:
        return FlowStore.from_env().flow(ref)
    except LookupError as exc:
        raise ValidationError([f"FLOW: {ref}: no such file, and {exc}"]) from None


def _refused(command: str, exc: ValidationError) -> int:
    for line in exc.errors:
        print(f"amazon-mws flow {command}: {line}", file=sys.stderr)
    return USAGE


def retry(args) -> int:
    """``amazon-mws flow retry FLOW [--timeout S]``."""
    from amazon_mws.flows.runner import retry_here, say_parked
    from amazon_mws.runtime.logs import configure_logging
    from amazon_mws.workers.flow_runs import WORKERS_TIMEOUT, retry_on_workers

    configure_logging()
    try:
        flow = _flow(args.flow_file)
    except ValidationError as exc:
        return _refused("retry", exc)
    try:
        if os.environ.get("REDIS_URL"):
            report = retry_on_workers(flow, timeout=WORKERS_TIMEOUT if args.timeout is None else args.timeout)
        else:
            report = retry_here(flow, timeout=args.timeout)
    except TimeoutError as exc:
        print(f"amazon-mws flow retry: {exc}", file=sys.stderr)
        return FAILED
    except StateStoreError as exc:
        return _refused("retry", ValidationError([str(exc)]))
    print(json.dumps({"event": "flowRetried", **report.to_json()}))
    say_parked(report, args.flow_file)
    return 0 if report.ok else FAILED


def reset(args) -> int:
    """``amazon-mws flow reset FLOW [--from TIME]``."""
    from amazon_mws.core.times import parse_time, to_amazon
    from amazon_mws.flows.guards import acknowledge_reset
    from amazon_mws.runtime.state import state_store_from_env
    from amazon_mws.workers.flow_tasks import namespace_of

    try:
        flow = _flow(args.flow_file)
        start = to_amazon(parse_time(args.start, "--from")) if args.start else None
    except ValidationError as exc:
        return _refused("reset", exc)
    except ValueError as exc:
        return _refused("reset", ValidationError([str(exc)]))
    try:
        store = state_store_from_env()
    except StateStoreError as exc:
        return _refused("reset", ValidationError([str(exc)]))
    try:
        ns = store.namespace(namespace_of(flow, 0))
        cursor = start or ns.load().get("cursor")
        ns.clear()  # the run in progress and every list it gathered
        if cursor:
            ns.replace({"cursor": cursor})
        acknowledge_reset(store, flow.name)
    finally:
        store.close()
    print(json.dumps({"event": "flowReset", "flow": flow.name, "cursor": cursor,
                      "from": "cursor" if cursor else "startTime"}))
    return 0
