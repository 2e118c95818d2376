"""`amazon-mws serve --config CFG.json [--host H] [--port P] [--certfile C --keyfile K]`.

Prints one line with the base URL once it listens (tests and scripts read it), then serves until
SIGINT/SIGTERM. Configuration problems exit with status 2 and name the key and the rule.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from amazon_mws.runtime.logs import configure_logging
from amazon_mws.serve.app import Service
from amazon_mws.serve.config import ConfigError, ServerConfig

log = logging.getLogger("amazon_mws.serve")


def main(args: argparse.Namespace) -> int:
    try:
        config = ServerConfig.load(args.config)
    except ConfigError as exc:
        print(f"amazon-mws serve: {exc}", file=sys.stderr)
        return 2
    if args.keyfile and not args.certfile:
        print("amazon-mws serve: --keyfile: needs --certfile", file=sys.stderr)
        return 2
    configure_logging()  # stderr, LOG_LEVEL, secrets masked (the hub's keys arrive in every poll)
    try:
        service = Service(config, args.host, args.port, certfile=args.certfile, keyfile=args.keyfile,
                          max_connections=args.max_connections, request_read_seconds=args.request_read_seconds)
    except (OSError, ValueError) as exc:  # port in use, unreadable certificate or key
        print(f"amazon-mws serve: cannot start: {exc}", file=sys.stderr)
        return 1

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"amazon-mws serve: listening on {service.url}", flush=True)
    if not service.tls and args.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serving plain HTTP on %s: put it behind a TLS proxy or pass --certfile/--keyfile", args.host)
    try:
        service.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
    return 0
