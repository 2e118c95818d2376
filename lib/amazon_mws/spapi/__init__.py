"""SP-API transport: Login with Amazon tokens, Orders v0, Feeds 2021-06-30, behind core.backend's Protocols.

`amazon_mws.backends` picks this backend when a config says `"backend": "sp-api"`; the step modules and the job
logic (order_sync, order_lookup, feeds.job) do not know which backend they talk to.
"""
