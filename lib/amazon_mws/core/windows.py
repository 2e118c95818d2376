"""What a backend tells the order sync about its window's paging, in words both sides know.

Orders v2026-01-01's `paginationToken` expires 24 hours after it was issued. A poll that stopped mid-window
(a killed worker, a long outage) and resumes later than that cannot continue the window from the token; it
restarts the window from its stored lower bound with the same upper bound, so nothing is lost and the
repeats are bounded by that one window (delivery is at least once, as always).
"""

from __future__ import annotations


class PageTokenExpired(Exception):
    """The saved page token is past its lifetime: restart the window from its lower bound."""
