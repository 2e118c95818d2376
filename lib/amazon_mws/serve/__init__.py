"""`amazon-mws serve`: the Spree hub endpoint and the Order REST API over HTTP(S), on top of the same steps.

- `config.ServerConfig`: the --config file (auth tokens/keys, Amazon credentials, Spree endpoint override).
- `app.App` / `app.Service`: authentication and routes; the service in a thread or the foreground.
- `spree_poll`, `orders_routes`, `feed_routes` (+ `forms`): one module per group of routes.
- `openapi.json`: the document describing the routes, served at /openapi.json.
"""

from amazon_mws.serve.app import App, Service
from amazon_mws.serve.config import ConfigError, ServerConfig

__all__ = ["App", "ConfigError", "ServerConfig", "Service"]
