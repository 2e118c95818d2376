"""Amazon's published MWS request quotas: one table, read by the client's limiter and by the sandbox.

Numbers from Amazon's throttling pages (see ../shared/amazon/mws-errors-throttling-feeds.md §5.1).
Operations that share a bucket (ListOrders and ListOrdersByNextToken, ...) map to one group.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Quota:
    burst: int  # maximum request quota: requests that may be sent back to back
    restore_seconds: float  # one request is restored every this many seconds
    hourly: int | None = None  # hourly quota where Amazon publishes one

    def scaled(self, time_scale: float) -> Quota:
        return Quota(self.burst, self.restore_seconds * time_scale, self.hourly)


QUOTAS: dict[str, Quota] = {
    "ListOrders": Quota(6, 60.0),
    "GetOrder": Quota(6, 60.0),
    "ListOrderItems": Quota(30, 2.0),
    "GetServiceStatus": Quota(2, 300.0),
    "SubmitFeed": Quota(15, 120.0, 30),
    "GetFeedSubmissionList": Quota(10, 45.0, 80),
    "GetFeedSubmissionListByNextToken": Quota(30, 2.0, 1800),
    "GetFeedSubmissionCount": Quota(10, 45.0, 80),
    "CancelFeedSubmissions": Quota(10, 45.0, 80),
    "GetFeedSubmissionResult": Quota(15, 60.0, 60),
}

# operation (the `Action` parameter) -> the bucket it draws from
OPERATION_GROUP: dict[str, str] = {
    "ListOrders": "ListOrders",
    "ListOrdersByNextToken": "ListOrders",
    "GetOrder": "GetOrder",
    "ListOrderItems": "ListOrderItems",
    "ListOrderItemsByNextToken": "ListOrderItems",
    "GetServiceStatus": "GetServiceStatus",
    "SubmitFeed": "SubmitFeed",
    "GetFeedSubmissionList": "GetFeedSubmissionList",
    "GetFeedSubmissionListByNextToken": "GetFeedSubmissionListByNextToken",
    "GetFeedSubmissionCount": "GetFeedSubmissionCount",
    "CancelFeedSubmissions": "CancelFeedSubmissions",
    "GetFeedSubmissionResult": "GetFeedSubmissionResult",
}


def quota_for(operation: str, time_scale: float = 1.0) -> Quota:
    """The (scaled) quota of an operation's bucket; unknown operations are a programming error."""
    return QUOTAS[OPERATION_GROUP[operation]].scaled(time_scale)


def time_scale_from_env() -> float:
    """`AMAZON_MWS_TIME_SCALE` (default 1.0): multiplies restore intervals so a compressed sandbox and
    the client agree. Must be positive."""
    raw = os.environ.get("AMAZON_MWS_TIME_SCALE", "1.0")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"AMAZON_MWS_TIME_SCALE: {raw!r} is not a number") from None
    if value <= 0:
        raise ValueError(f"AMAZON_MWS_TIME_SCALE: {raw!r} must be greater than 0")
    return value
