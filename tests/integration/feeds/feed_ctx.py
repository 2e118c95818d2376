"""The step context the feed tests hand to actions, and the time scale they share with the sandbox."""

from __future__ import annotations

import logging

TIME_SCALE = 0.01


class Ctx:
    """The step context as the runtime gives it: emit, logger, sample."""

    def __init__(self, sample: bool = False):
        self.events: list[tuple[str, object]] = []
        self.logger = logging.getLogger("test.feeds")
        self.sample = sample

    def emit(self, kind, payload):
        self.events.append((kind, payload))

    @property
    def data(self):
        return [p for k, p in self.events if k == "data"]
