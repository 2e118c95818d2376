"""A local Amazon MWS (Orders 2013-09-01, Feeds 2009-01-01) for the demo, tests and benchmarks.

`Sandbox(...).start()` serves it over real HTTP in a background thread; `amazon-mws sandbox` serves it
from the command line. See `app.Sandbox` for the options and the test hooks.
"""

from amazon_mws.sandbox.app import Sandbox

__all__ = ["Sandbox"]
