"""How a message moves between a flow's stages, the same on workers and in one process: the state namespace
of a step, and the messages an emitted one becomes for the next stage (ids, map, passthrough).

Here, in ``flows``, because both the in-process runner (``flows.runner``) and the Celery tasks
(``workers.flow_tasks``) apply it, and flows may not stand on workers.
"""

from __future__ import annotations

from typing import Any

from amazon_mws.flows.spec import Flow, apply_map
from amazon_mws.runtime.message import Message


def namespace_of(flow: Flow, index: int) -> str:
    """The state store namespace of a flow's step: the trigger's cursor lives here."""
    return f"flow:{flow.name}:{flow.steps[index].id}"


def children(flow: Flow, index: int, emitted: Message, incoming: Message | None, n: int) -> list[Message]:
    """The messages for stage ``index + 1`` made from the ``n``-th message step ``index`` emitted.

    ``passthrough`` follows the convention: the incoming message's passthrough plus, under the emitting
    step's id, the emitted message itself (id, body, headers)."""
    step = flow.steps[index]
    data = emitted.to_json(materialize=True)
    base_id = emitted.id if incoming is None else f"{incoming.id}:{step.id}:{n}"
    passthrough: dict[str, Any] = {}
    if flow.passthrough:
        passthrough = dict(incoming.passthrough) if incoming is not None else {}
        passthrough[step.id] = {"id": base_id, "body": data["body"], "headers": data["headers"]}
    mapping = flow.steps[index + 1].map if index + 1 < len(flow.steps) else None
    bodies = apply_map(mapping, data["body"])
    split = mapping is not None and any(isinstance(v, str) and "[*]" in v for v in mapping.values())
    return [
        Message(
            id=f"{base_id}#{k}" if split else base_id,
            body=body,
            headers=dict(data["headers"]),
            passthrough=dict(passthrough),
        )
        for k, body in enumerate(bodies)
    ]
