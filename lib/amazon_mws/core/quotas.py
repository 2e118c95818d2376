"""Amazon's published MWS request quotas: one table, read by the client's limiter and by the sandbox.

Numbers from Amazon's throttling pages (see ../shared/amazon/mws-errors-throttling-feeds.md §5.1).
Operations that share a bucket (ListOrders and ListOrdersByNextToken, ...) map to one group.
"""

from __future__ import annotations

from dataclasses import dataclass

from amazon_mws.runtime.settings import env_number


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
    "ListMarketplaceParticipations": Quota(15, 60.0),  # Sellers 2011-07-01, shared with ...ByNextToken
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
    "ListMarketplaceParticipations": "ListMarketplaceParticipations",
    "ListMarketplaceParticipationsByNextToken": "ListMarketplaceParticipations",
}


# SP-API default usage plans (rate in requests per second, burst), from the operation descriptions in
# Amazon's models (../shared/amazon/mws-errors-throttling-feeds.md §5.2). Keys are the models'
# operationIds, camelCase, so they never collide with MWS Actions (PascalCase). Each has its own bucket.
SP_API_RATES: dict[str, tuple[float, int]] = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "getOrderAddress": (0.5, 30),
    "getOrderBuyerInfo": (0.5, 30),
    "getOrderItemsBuyerInfo": (0.5, 30),
    "confirmShipment": (2.0, 10),
    # Orders v2026-01-01 (orders_2026-01-01.json); its getOrder is a resource of its own, hence the suffix
    "searchOrders": (0.0056, 20),
    "getOrder@2026-01-01": (0.5, 30),
    "createRestrictedDataToken": (1.0, 10),
    "getMarketplaceParticipations": (0.016, 15),
    "createFeed": (0.0083, 15),
    "getFeeds": (0.0222, 10),
    "getFeed": (2.0, 15),
    "cancelFeed": (2.0, 15),
    "createFeedDocument": (0.5, 15),
    "getFeedDocument": (0.0222, 10),
}
for _operation, (_rate, _burst) in SP_API_RATES.items():
    QUOTAS[_operation] = Quota(_burst, 1.0 / _rate)
    OPERATION_GROUP[_operation] = _operation


def quota_for(operation: str, time_scale: float = 1.0) -> Quota:
    """The (scaled) quota of an operation's bucket; unknown operations are a programming error."""
    return QUOTAS[OPERATION_GROUP[operation]].scaled(time_scale)


def time_scale_from_env() -> float:
    """`AMAZON_MWS_TIME_SCALE` (default 1.0): multiplies restore intervals so a compressed sandbox and
    the client agree. Must be positive."""
    return env_number("AMAZON_MWS_TIME_SCALE", 1.0, minimum=0, inclusive=False)
