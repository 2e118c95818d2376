"""``amazon-mws health worker|beat|serve``: the checks an orchestrator runs (docker-compose's healthcheck).

Each asks the thing itself rather than whether a process exists: a worker answers a Celery ping addressed to
it, beat holds the schedule's lock in Redis (celery-redbeat renews it while it beats), serve answers
``GET /healthz``. Exit 0 and one line on stdout when healthy; exit 1 and the reason on stderr when not, so
``docker compose ps`` and the container's log say why.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import urllib.error
import urllib.request


def _fail(reason: str) -> int:
    print(f"amazon-mws health: {reason}", file=sys.stderr)
    return 1


def worker(destination: str | None, timeout: float) -> int:
    """A Celery ping to this host's worker (``celery@<hostname>``, Celery's default node name)."""
    from amazon_mws.workers.app import app

    node = destination or f"celery@{socket.gethostname()}"
    try:
        replies = app.control.ping(destination=[node], timeout=timeout)
    except Exception as exc:  # the broker is down or refuses us: unhealthy, said plainly
        return _fail(f"worker {node}: the broker did not answer ({type(exc).__name__})")
    if not any(node in reply for reply in replies):
        return _fail(f"worker {node}: no answer to a ping within {timeout:g} s")
    print(f"worker {node}: ok")
    return 0


def beat() -> int:
    """Beat is healthy when some beat holds the redbeat lock (a second beat, waiting for it, is healthy too:
    it takes over when the first stops renewing)."""
    import redis

    from amazon_mws.workers.app import app

    conf = app.conf
    lock_key = conf.get("redbeat_lock_key") or f"{conf.get('redbeat_key_prefix', 'redbeat:')}:lock"
    try:
        held = redis.Redis.from_url(conf.get("redbeat_redis_url") or os.environ.get("REDIS_URL", "")).exists(lock_key)
    except (redis.RedisError, ValueError) as exc:
        return _fail(f"beat: Redis did not answer ({type(exc).__name__})")
    if not held:
        return _fail(f"beat: no beat holds the schedule lock ({lock_key}); is `amazon-mws beat` running?")
    print("beat: ok (the schedule lock is held)")
    return 0


def serve(url: str, timeout: float) -> int:
    """``GET {url}/healthz``: 200 when the server takes requests (it needs no token and says nothing else)."""
    target = url.rstrip("/") + "/healthz"
    try:
        with urllib.request.urlopen(target, timeout=timeout) as reply:  # noqa: S310 (an operator's own URL)
            status = reply.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        return _fail(f"serve {url}: no answer ({type(getattr(exc, 'reason', exc)).__name__})")
    if status != 200:
        return _fail(f"serve {url}: /healthz answered {status}")
    print(f"serve {url}: ok")
    return 0


def main(args: argparse.Namespace) -> int:
    if args.what == "serve":
        return serve(args.url, args.timeout)
    if not os.environ.get("REDIS_URL"):
        return _fail(f"{args.what}: REDIS_URL is not set (workers and beat live on Redis)")
    if args.what == "worker":
        return worker(args.destination, args.timeout)
    return beat()
