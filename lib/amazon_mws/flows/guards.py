"""What a flow checks before its trigger runs: that its state is its own, and that it is still there.

**One account per flow name.** A flow's state is keyed by its name (``flow:<name>:<step id>``): its trigger's
cursor, its parked messages. Two flows of one name for two sellers would share that cursor, and the second
seller's orders before it would never be fetched. So the first run of a name records its seller and
marketplace (``flow:<name>:#owner``), and a flow of that name for another account is refused, at
registration and at each poll, with the field named. The keys stay as they were, so existing state needs
no migration: a flow that ran before this check adopts its account at its next poll.

**A store emptied under running workers.** An empty trigger state looks like a first run, so a Redis
restarted empty would make the next poll walk again from Start Time under new message ids, and nothing
would say the cursor was lost. The Redis store carries an epoch (a random id written once into an empty
store); each worker process remembers the first it saw, and a poll that finds another one stops with
``StateLost`` until ``amazon-mws flow reset FLOW`` acknowledges the new epoch for that flow (on purpose).
A worker started after the loss has nothing to compare with: it cannot tell, and walks from Start Time
(duplicates, never gaps).
"""

from __future__ import annotations

from typing import Any

from amazon_mws.runtime.errors import ValidationError
from amazon_mws.runtime.state import StateStore
from amazon_mws.runtime.state.loss import START_OVER, StateLost

ACCOUNT_FIELDS = ("sellerId", "marketplaceId")
_SEEN_EPOCHS: dict[str, str] = {}  # store -> the epoch this process saw first


def owner_namespace(flow_name: str) -> str:
    return f"flow:{flow_name}:#owner"


def reset_namespace(flow_name: str) -> str:
    return f"flow:{flow_name}:#reset"


def guard(store: StateStore, flow: Any) -> None:
    """Both checks, before a flow's trigger runs: ValidationError (another account) or StateLost."""
    claim(store, flow.name, flow.cfg_for(0))
    check_epoch(store, flow.name)


def claim(store: StateStore, flow_name: str, trigger_cfg: dict[str, Any]) -> None:
    """Record the account behind ``flow_name`` on its first run; refuse another account later."""
    account = {key: trigger_cfg.get(key) for key in ACCOUNT_FIELDS}
    ns = store.namespace(owner_namespace(flow_name))
    owner = ns.load()
    if not owner:
        ns.replace(account)
        return
    if owner != account:
        raise ValidationError([
            f"flow.name: {flow_name!r} already walks the orders of seller {owner.get('sellerId')} in marketplace "
            f"{owner.get('marketplaceId')} (its cursor and parked messages); this flow is for seller "
            f"{account['sellerId']} in marketplace {account['marketplaceId']}: give it its own name"
        ])


def check_epoch(store: StateStore, flow_name: str) -> None:
    """StateLost if the store was emptied (a new epoch) since this process first looked, unless the flow
    was reset since."""
    current = store.epoch()
    if current is None:
        return
    seen = _SEEN_EPOCHS.setdefault(f"{getattr(store, 'url', '')} {store!r}", current)
    if seen == current or store.namespace(reset_namespace(flow_name)).load().get("epoch") == current:
        return
    raise StateLost(f"flow {flow_name}: the state store was emptied or replaced while this worker ran (epoch "
                    f"{seen} is now {current}): the trigger's cursor and any run in progress are gone, and a poll "
                    f"now would walk again from Start Time; {START_OVER}")


def acknowledge_reset(store: StateStore, flow_name: str) -> None:
    """``flow reset``: the flow's state is new on purpose, whatever epoch a worker remembers."""
    current = store.epoch()
    if current is not None:
        store.namespace(reset_namespace(flow_name)).replace({"epoch": current})
    store.namespace(owner_namespace(flow_name)).clear()
