"""The sandbox's SP-API: Login with Amazon, Orders v0, Feeds 2021-06-30, Tokens (RDT), Sellers, served by
the same `Sandbox` (same port, same orders, clock, quotas, faults and request log as its MWS side)."""

from amazon_mws.sandbox.spapi.auth import default_sp_credentials
from amazon_mws.sandbox.spapi.router import SpSandbox, handles

__all__ = ["SpSandbox", "default_sp_credentials", "handles"]
