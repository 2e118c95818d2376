"""runtime.waits: a step's wait is taken by a worker only inside ``collecting()``; pollers resolve by name."""

from __future__ import annotations

import pytest

from amazon_mws.runtime import waits
from amazon_mws.runtime.waits import Wait


def test_outside_a_worker_defer_declines_and_the_step_waits_inline():
    assert waits.defer(Wait(state={"n": 1}, delay=1.0, poller="x.y:z")) is False


def test_inside_collecting_defer_keeps_the_wait_and_the_collection_ends_with_the_block():
    wait = Wait(state={"n": 1}, delay=2.5, poller="x.y:z")
    with waits.collecting() as collected:
        assert waits.defer(wait) is True
    assert collected == [wait]
    assert waits.defer(wait) is False  # the block is over: nothing collects any more


def test_the_feed_poller_resolves_by_its_name_and_old_records_name_it_too():
    from amazon_mws.steps import feed_wait
    from amazon_mws.workers.waits import LEGACY_POLLER

    assert waits.resolve(feed_wait.POLLER) is feed_wait.poll
    assert waits.resolve(LEGACY_POLLER) is feed_wait.poll  # records written before pollers had names


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("amazon_mws.steps.feed_wait.poll", "is not of the form 'package.module:function'"),
        (":poll", "is not of the form"),
        ("amazon_mws.steps.feed_wait:", "is not of the form"),
        ("amazon_mws.steps.no_such_module:poll", "module 'amazon_mws.steps.no_such_module' cannot be imported"),
        ("amazon_mws.steps.feed_wait:no_such_poll", "has no function 'no_such_poll'"),
        ("amazon_mws.steps.feed_wait:POLLER", "has no function 'POLLER'"),  # a name, not a function
    ],
)
def test_a_bad_poller_name_is_an_error_naming_it(name, says):
    with pytest.raises(ValueError) as caught:
        waits.resolve(name)
    assert str(caught.value).startswith(f"poller {name!r}: ") and says in str(caught.value)


def test_one_step_run_waits_on_one_poller():
    from amazon_mws.workers.waits import schedule

    mixed = [Wait(state={}, delay=1.0, poller="a.b:c"), Wait(state={}, delay=1.0, poller="d.e:f")]
    with pytest.raises(ValueError, match=r"updateItem: one step run waits on one poller, not \['a.b:c', 'd.e:f'\]"):
        schedule(None, mixed, "updateItem", continuation={"kind": "result"})
