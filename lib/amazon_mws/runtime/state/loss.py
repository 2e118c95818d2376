"""Telling a lost state from an empty one.

A state store can lose what a step left in it while the step's pointer to it survives: a snapshot file
kept when the SQLite state file went (a new container), or Redis restarted empty under running workers.
Carrying on then skips what was lost (the pages gathered before) or walks again from the start under new
message ids, and nothing says so. These checks stop the step with ``StateLost`` instead, naming how to
start over on purpose.
"""

from __future__ import annotations

from amazon_mws.runtime.state.base import StateNamespace

START_OVER = ("to start over on purpose: for a flow, `amazon-mws flow reset FLOW` (the window is walked again "
              "from the last cursor, or from --from TIME); for `amazon-mws run --snapshot SNAP.json`, remove "
              "the snapshot's \"run\" (or the file)")


class StateLost(RuntimeError):
    """What the state points at is not in the state store any more."""


def check_gathered(ns: StateNamespace, keys: list[str], expected: int, what: str) -> None:
    """The lists ``keys`` together hold at least ``expected`` items, as the state says they do."""
    found = ns.lists_len(keys)
    if found < expected:
        raise StateLost(f"{what}: the state says {expected} items were gathered, the state store holds "
                        f"{found} (it was emptied or replaced); nothing was emitted from them and the cursor "
                        f"did not move; {START_OVER}")
