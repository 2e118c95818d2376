"""A long ``flow run --once`` in one process, told on stderr with its per-step counts as it goes:

    flow orders: getNewAndUpdatedOrders: 120 orders; listOrderItems: 80/120; sink: 80 delivered

The trigger counts what it emitted (orders when its messages carry ``orders``, else messages); each action
counts messages done out of those that reached it; the sink counts delivered (and parked) messages. The
line comes only once the run has taken a few seconds, then every few seconds (``runtime.progress.Ticker``).
"""

from __future__ import annotations

from typing import Any

from amazon_mws.runtime.message import Message
from amazon_mws.runtime.progress import Ticker


class FlowProgress:
    def __init__(self, flow: Any, report: Any) -> None:
        self.flow = flow
        self.report = report  # the run's FlowReport: delivered and parked
        self.trigger_count = 0
        self.emitted_orders = True  # until a message without an ``orders`` list comes
        self.reached = [0] * len(flow.steps)
        self.done = [0] * len(flow.steps)
        self.ticker = Ticker(self.line)

    def emitted(self, message: Message) -> None:
        """The trigger emitted ``message``: its orders (or itself) are counted."""
        orders = message.body.get("orders") if isinstance(message.body, dict) else None
        self.emitted_orders = self.emitted_orders and orders is not None
        self.trigger_count += len(orders) if orders is not None else 1

    def queued(self, stage: int) -> None:
        """A message is on its way to ``stage`` (the sink is ``len(steps)``)."""
        if stage < len(self.reached):
            self.reached[stage] += 1
        self.ticker.tick()

    def step_done(self, stage: int) -> None:
        if stage < len(self.done):
            self.done[stage] += 1
        self.ticker.tick()

    def line(self) -> str:
        steps = self.flow.steps
        parts = [f"{steps[0].id}: {self.trigger_count} {'orders' if self.emitted_orders else 'messages'}"]
        parts += [f"{steps[i].id}: {self.done[i]}/{self.reached[i]}" for i in range(1, len(steps))]
        sink = f"sink: {self.report.delivered} delivered"
        parts.append(sink + (f", {self.report.parked} parked" if self.report.parked else ""))
        return f"flow {self.flow.name}: " + "; ".join(parts)
