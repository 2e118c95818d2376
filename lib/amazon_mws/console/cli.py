"""`amazon-mws console [--host H] [--port P] [--workdir DIR]`: the designer console on loopback.

Prints one line with the address to open, token included (tests and scripts read it), then serves
until SIGINT/SIGTERM. The token is ``AMAZON_MWS_CONSOLE_TOKEN`` when set (at least 16 characters), else a
new random one per start. Anything but loopback is refused unless ``--host`` says so explicitly, and then
a warning says the console is plain HTTP: it holds the seller's credentials.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys

from amazon_mws.runtime.logs import configure_logging

log = logging.getLogger("amazon_mws.console")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def main(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from amazon_mws.console.app import create_app, new_token
    except ImportError as exc:  # the console extra is not installed
        print(f"amazon-mws console: {exc.name} is missing: pip install 'amazon-mws-component[console]'",
              file=sys.stderr)
        return 2
    from amazon_mws.console.workspace import default_workdir

    configure_logging()  # stderr, LOG_LEVEL, secrets masked
    token = os.environ.get("AMAZON_MWS_CONSOLE_TOKEN") or new_token()
    try:
        app = create_app(args.workdir or default_workdir(), token)
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        sock.listen(128)  # before the address is printed: a caller may connect at once (the server accepts later)
    except (OSError, ValueError) as exc:  # port in use, a short token, an unwritable folder
        print(f"amazon-mws console: cannot start: {exc}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    if args.host not in LOOPBACK:
        log.warning("the console serves plain HTTP on %s and holds credentials: keep it on loopback", args.host)
    print(f"amazon-mws console: open http://{host}:{port}/?token={token}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    server.run(sockets=[sock])
    return 0
