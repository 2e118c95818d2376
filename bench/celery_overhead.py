"""What the Celery path costs per message: a flow's sink step task against a no-op Celery task.

Both kinds run on the same `amazon-mws worker` process (concurrency 1, the component's Celery settings,
the no-op task registered beside the flow tasks), over a redis-server of the bench's own (so INFO's counters
are ours alone), in alternating batches of the same size and the same payload (an order as a message).
The flow is one trigger into a file sink; its messages are sent as the trigger sends them (stage 1, the
sink), so what is measured is one step task: lock, done-marker, flow lookup, delivery, bookkeeping.

Per message, for each kind: wall time (first send to last ack / messages), the worker's CPU (main process
and pool child, from /proc), Redis commands (INFO commandstats, sending included, our INFO and queue polls
excluded) and connections opened (INFO stats total_connections_received). The target: the step task
within 2x of the no-op task's wall time per message.

    python bench/celery_overhead.py [--messages 1000] [--rounds 3] [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import Result, bench_parser, finish, machine
from workers import stop_workers

NOOP_TASK = "bench.noop"
QUEUE_POLL_COMMANDS = ("llen", "hlen")  # what wait_idle sends; not the worker's cost


def noop(self, *args: Any, **kwargs: Any) -> None:
    """The baseline: a task that does nothing with the same arguments a step task gets."""


def serve_worker() -> int:
    """`amazon-mws worker` as the CLI runs it, with the no-op task registered on the same app."""
    from amazon_mws.workers.app import app, worker

    app.task(name=NOOP_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)(noop)
    return worker(argparse.Namespace(loglevel="INFO", concurrency=1, queues=None, hostname=None, log_format=None))


def start_redis(tmp: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            if redis.Redis.from_url(url).ping():
                return proc, url
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, __file__, "--serve-worker"], env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("worker did not start:\n" + log.read_text()[-2000:])
        time.sleep(0.1)
    return proc


def group_cpu(pgid: int) -> float:
    """User + system CPU seconds of every live process in the group (the worker and its pool child)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # after ")": state ppid pgrp ... utime(12) stime(13)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def counters(client) -> tuple[dict[str, int], int]:
    stats = client.info("commandstats")
    calls = {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}
    return calls, int(client.info("stats")["total_connections_received"])


def wait_idle(client, queue: str, timeout: float = 600) -> int:
    """Until the queue is empty and nothing is unacked (twice in a row); returns the polls made."""
    polls, quiet, deadline = 0, 0, time.monotonic() + timeout
    while quiet < 2:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{queue}: tasks still pending after {timeout} s")
        polls += 1
        pending = client.llen(queue) + client.hlen("unacked")
        quiet = quiet + 1 if pending == 0 else 0
        time.sleep(0.01)
    return polls


def batch(kind: str, n: int, app, client, pgid: int, flow, queue: str, sink: Path) -> dict[str, float]:
    """``n`` messages of one kind, sent at once; per-message wall, CPU, commands, connections."""
    from amazon_mws.runtime.message import Message
    from amazon_mws.workers.flow_store import FlowStore
    from amazon_mws.workers.flow_tasks import send_message

    fs = FlowStore.from_env()  # the sending side's own store (its connection counts, once per batch)
    run = uuid.uuid4().hex[:8]
    messages = [Message(id=f"{run}-order-{i}", body={"AmazonOrderId": f"{run}-{i:07d}", "OrderStatus": "Shipped",
                                                     "OrderTotal": {"Amount": "12.34", "CurrencyCode": "EUR"}})
                for i in range(n)]
    lines_before = len(sink.read_text().splitlines()) if sink.exists() else 0
    calls0, conns0 = counters(client)
    cpu0, started = group_cpu(pgid), time.perf_counter()
    for msg in messages:
        if kind == "step":
            send_message(app, fs, flow, len(flow.steps), msg, None)
        else:
            app.send_task(NOOP_TASK, args=[flow.name, len(flow.steps), msg.to_json()], kwargs={"tracker": None},
                          queue=queue)
    polls = wait_idle(client, queue)
    wall, cpu = time.perf_counter() - started, group_cpu(pgid) - cpu0
    calls1, conns1 = counters(client)
    commands = sum(calls1.values()) - sum(calls0.values()) - (calls1["info"] - calls0.get("info", 0))
    commands -= len(QUEUE_POLL_COMMANDS) * polls
    if kind == "step":
        delivered = len(sink.read_text().splitlines()) - lines_before
        if delivered != n:
            raise RuntimeError(f"step batch: {delivered} of {n} messages in the sink")
    return {"wall_ms": 1000 * wall / n, "cpu_ms": 1000 * cpu / n, "commands": commands / n,
            "connections": (conns1 - conns0) / n}


def main() -> int:
    parser = bench_parser(__doc__, "200 messages a batch, 2 rounds")
    parser.add_argument("--messages", type=int, default=1000, help="messages per batch")
    parser.add_argument("--rounds", type=int, default=3, help="batches of each kind, alternating")
    parser.add_argument("--serve-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_worker:
        return serve_worker()
    if args.quick:
        args.messages, args.rounds = min(args.messages, 200), min(args.rounds, 2)
    import redis

    from amazon_mws.flows.spec import parse_flow
    from amazon_mws.workers.app import make_app

    tmp = Path(tempfile.mkdtemp(prefix="bench-celery-overhead-"))
    redis_proc, url = start_redis(tmp)
    run = uuid.uuid4().hex[:8]
    env = {**os.environ, "REDIS_URL": url, "AMAZON_MWS_QUEUE": f"bench-{run}",
           "AMAZON_MWS_STATE_PREFIX": f"bench-{run}:", "LOG_LEVEL": "WARNING"}
    env.pop("AMAZON_MWS_COMPONENT_DIR", None)
    os.environ.update({k: env[k] for k in ("REDIS_URL", "AMAZON_MWS_QUEUE", "AMAZON_MWS_STATE_PREFIX")})
    print(f"[celery-overhead] {args.rounds} rounds x {args.messages} messages of each kind, one worker "
          f"(concurrency 1); {machine()['cpu']}, {machine()['cores']} cores")
    sink = tmp / "sink.jsonl"
    worker = start_worker(env, tmp / "worker.log")
    app = make_app(url)
    client = redis.Redis.from_url(url)
    try:
        from amazon_mws.workers.flow_store import FlowStore

        flow = parse_flow({
            "name": f"bench-{run}",
            "credentials": {"sellerId": "A1BENCHSELLER", "accessKey": "AKIA-BENCH", "secretKey": "bench",
                            "marketplaceId": "A1PA6795UKMFR9", "endpoint": "http://127.0.0.1:9"},
            "steps": [{"id": "orders", "step": "getNewAndUpdatedOrders",
                       "config": {"orderStatus": ["Shipped"], "emitBehaviour": "order",
                                  "startTime": "2026-01-01T00:00:00Z"}}],
            "sink": {"type": "file", "path": str(sink)}})
        FlowStore.from_env().register(flow)
        queue = env["AMAZON_MWS_QUEUE"]
        pgid = worker.pid
        for kind in ("noop", "step"):  # warm-up: imports, first connections
            batch(kind, 20, app, client, pgid, flow, queue, sink)
        rows: dict[str, list[dict[str, float]]] = {"noop": [], "step": []}
        for r in range(args.rounds):
            for kind in ("noop", "step"):
                rows[kind].append(batch(kind, args.messages, app, client, pgid, flow, queue, sink))
                row = rows[kind][-1]
                print(f"  round {r + 1} {kind:>4}: {row['wall_ms']:.2f} ms wall, {row['cpu_ms']:.2f} ms worker CPU, "
                      f"{row['commands']:.1f} Redis commands, {row['connections']:.3f} connections per message")
                sys.stdout.flush()
    finally:
        stop_workers([worker])
        app.close()
        client.close()
        redis_proc.kill()
        redis_proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    def med(kind: str, key: str) -> float:
        return statistics.median(row[key] for row in rows[kind])

    details = {"messages per batch": args.messages, "rounds": args.rounds}
    for key, label in (("cpu_ms", "worker CPU ms"), ("commands", "Redis commands"),
                       ("connections", "connections opened")):
        details[f"{label} per message (no-op / step)"] = f"{med('noop', key):.3f} / {med('step', key):.3f}"
    ratio = med("step", "wall_ms") / med("noop", "wall_ms")
    result = Result(
        bench="celery-overhead", baseline_label="no-op Celery task, ms per message", baseline=med("noop", "wall_ms"),
        figure_label="flow sink step task, ms per message", figure=med("step", "wall_ms"), unit="ms",
        ratio=ratio, target="<= 2x", met=ratio <= 2.0, details=details)
    return finish([result], args.json)


if __name__ == "__main__":
    sys.exit(main())
