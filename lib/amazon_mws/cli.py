"""`amazon-mws`: the command line. Parsing only; each command lives in the module that owns it.

Commands import their module lazily so `amazon-mws run` does not pay for the sandbox or Celery.
Events go to stdout as JSON lines, logs to stderr; usage errors exit with 2 (argparse's rule). Ctrl-C
ends a command with one line on stderr and status 130, stdout at a line boundary (runtime.interrupts).
"""

from __future__ import annotations

import argparse
import importlib
import sys

# command -> "module:function"; each function takes the parsed namespace and returns an exit status.
COMMANDS = {
    "sandbox": "amazon_mws.sandbox.cli:main",
    "run": "amazon_mws.runtime.commands:run",
    "verify": "amazon_mws.runtime.commands:verify",
    "metadata": "amazon_mws.runtime.commands:metadata",
    "select": "amazon_mws.runtime.commands:select",
    "worker": "amazon_mws.workers.app:worker",
    "demo": "amazon_mws.demo:main",
    "serve": "amazon_mws.serve.cli:main",
    "beat": "amazon_mws.workers.scheduler:beat",
    "flow run": "amazon_mws.workers.flow_runs:flow_command",
    "flow retry": "amazon_mws.recovery:retry",
    "flow reset": "amazon_mws.recovery:reset",
    "flow unschedule": "amazon_mws.workers.scheduler:unschedule",
    "status": "amazon_mws.status:main",
    "console": "amazon_mws.console.cli:main",
    "health": "amazon_mws.health:main",
    "secrets new-key": "amazon_mws.runtime.sealing:new_key_command",
}


def build_parser() -> argparse.ArgumentParser:
    from amazon_mws import __version__

    parser = argparse.ArgumentParser(prog="amazon-mws", description="Amazon seller APIs as an integration component.")
    parser.add_argument("--version", action="version", version=f"amazon-mws {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sandbox = sub.add_parser("sandbox", help="serve a local Amazon (MWS) for demos, tests and benchmarks")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=0, help="0 picks a free port")
    sandbox.add_argument("--orders", type=int, default=200, help="seeded orders (default 200)")
    sandbox.add_argument("--seed", type=int, default=1)
    sandbox.add_argument("--time-scale", type=float, default=1.0, help="multiplies quota restore intervals")
    sandbox.add_argument("--no-throttle", action="store_true", help="turn request quotas off")
    sandbox.add_argument("--orders-v0-removed", action="store_true",
                         help="play SP-API after 2027-03-27: Orders v0 getOrders/getOrder/getOrderItems/... refused")

    run = sub.add_parser("run", help="run one step once; one JSON line per event on stdout")
    run.add_argument("step")
    run.add_argument("--config", required=True, metavar="CFG.json")
    run.add_argument("--message", metavar="MSG.json|-", help="the input message body (or a whole message)")
    run.add_argument("--snapshot", metavar="SNAP.json", help="state read before the run and written after")
    run.add_argument("--sample", action="store_true",
                     help="the designer's sample call: one request, no waiting (a feed action sends nothing: "
                          "its feed is built, validated and returned)")

    verify = sub.add_parser("verify", help="check credentials against Amazon")
    verify.add_argument("--config", required=True, metavar="CFG.json")

    metadata = sub.add_parser("metadata", help="a step's in/out metadata (dynamic metadata included)")
    metadata.add_argument("step")
    metadata.add_argument("--config", required=True, metavar="CFG.json")

    select = sub.add_parser("select", help="the options of a select field")
    select.add_argument("step")
    select.add_argument("field")
    select.add_argument("--config", required=True, metavar="CFG.json")

    worker = sub.add_parser("worker", help="a Celery worker (needs REDIS_URL)")
    worker.add_argument("--concurrency", type=int, default=None)
    worker.add_argument("--queues", default=None, help="comma-separated queue names")
    worker.add_argument("--loglevel", default=None)

    demo = sub.add_parser("demo", help="the main job against an embedded sandbox, no credentials needed")
    demo.add_argument("--orders", type=int, default=300, help="orders in the embedded sandbox")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--days", type=int, default=30, help="how far back the trigger looks")
    demo.add_argument("--backend", choices=("mws", "sp-api"), default="mws",
                      help="which API of the embedded sandbox (sp-api: Orders v2026-01-01)")

    serve = sub.add_parser("serve", help="the Spree hub endpoint and the Order REST API over HTTP(S)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    serve.add_argument("--config", required=True, metavar="SERVER.json",
                       help="auth tokens/API keys, Amazon credentials for the REST API, Spree endpoint override")
    serve.add_argument("--certfile", help="PEM certificate (chain): serve HTTPS")
    serve.add_argument("--keyfile", help="PEM private key for --certfile (if not inside it)")
    serve.add_argument("--max-connections", type=int, default=256, metavar="N",
                       help="connections open at once; more are answered 503 (default 256)")
    serve.add_argument("--request-read-seconds", type=float, default=30.0, metavar="S",
                       help="time a client has to send a whole request (default 30)")
    _add_celery_commands(sub)

    console = sub.add_parser("console", help="the designer console: credentials, steps, samples, flows, runs")
    console.add_argument("--host", default="127.0.0.1", help="default loopback: it holds the credentials")
    console.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    console.add_argument("--workdir", default=None, help="credentials, flows, runs (default: the user data dir)")
    return parser


def _add_celery_commands(sub) -> None:
    """`beat`, `flow run`, `status`: the Celery side (docs/flows.md)."""
    beat = sub.add_parser("beat", help="the polling scheduler (celery-redbeat; needs REDIS_URL; run one)")
    beat.add_argument("--loglevel", default=None)
    beat.add_argument("--max-interval", type=float, default=None, help="seconds between schedule checks")

    flow = sub.add_parser("flow", help="run a flow file: trigger -> actions -> sink")
    flow_sub = flow.add_subparsers(dest="flow_command", required=True, metavar="FLOW_COMMAND")
    flow_run = flow_sub.add_parser("run", help="schedule the flow (workers + beat), or run one poll with --once")
    flow_run.add_argument("flow_file", metavar="FLOW.json")
    flow_run.add_argument("--once", action="store_true",
                          help="one poll, wait until the sink got everything (in-process without REDIS_URL)")
    flow_run.add_argument("--timeout", type=float, default=None, metavar="S",
                          help="--once stops at a safe point after S seconds, exit 1 (default: 600 waiting for "
                               "workers; no limit in one process)")
    flow_retry = flow_sub.add_parser("retry", help="send the flow's parked messages (the sink did not take them) now")
    flow_retry.add_argument("flow_file", metavar="FLOW", help="the flow file (or, with REDIS_URL, a registered name)")
    flow_retry.add_argument("--timeout", type=float, default=None,
                            help="stop after S seconds (on workers: default 600; in this process: no limit)")
    flow_reset = flow_sub.add_parser("reset", help="start the trigger over on purpose after its state was lost")
    flow_reset.add_argument("flow_file", metavar="FLOW", help="the flow file (or, with REDIS_URL, a registered name)")
    flow_reset.add_argument("--from", dest="start", metavar="TIME",
                            help="walk from this time (default: the cursor kept, else the trigger's Start Time)")

    flow_unschedule = flow_sub.add_parser("unschedule", help="take a flow off beat's schedule and the registered "
                                          "flows (needs REDIS_URL); its state is kept")
    flow_unschedule.add_argument("flow", metavar="FLOW", help="the flow file, or a registered flow's name")

    health = sub.add_parser("health", help="is this worker / beat / serve healthy? (exit 0 or 1; for healthchecks)")
    health.add_argument("what", choices=["worker", "beat", "serve"])
    health.add_argument("--destination", help="worker: the Celery node to ping (default celery@<this hostname>)")
    health.add_argument("--url", default="http://127.0.0.1:8080", help="serve: its base URL (default %(default)s)")
    health.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for an answer (default 5)")

    secrets = sub.add_parser("secrets", help="the key that seals secrets before they reach Redis")
    secrets_sub = secrets.add_subparsers(dest="secrets_command", required=True, metavar="SECRETS_COMMAND")
    secrets_sub.add_parser("new-key", help="print a fresh AMAZON_MWS_SECRETS_KEY (put it first to rotate)")

    status = sub.add_parser("status", help="flows: cursor, last run, parked messages, pending feed checks or "
                                           "intents, quota levels (without REDIS_URL: the local state file)")
    status.add_argument("--json", action="store_true", help="one JSON document instead of a table")
    status.add_argument("--flow", action="append", default=None, help="only this flow (repeatable)")


# what an interrupted command leaves, for the line it ends with (others: "interrupted")
AFTER_INTERRUPT = {
    "run": "what it did is kept: the same command resumes (a feed action's message needs its \"id\" for that)",
    "demo": "nothing was kept (its sandbox and state were temporary)",
}


def main(argv: list[str] | None = None) -> int:
    from amazon_mws.runtime import interrupts

    args = build_parser().parse_args(argv)
    command = {"flow": f"flow {getattr(args, 'flow_command', '')}",
               "secrets": f"secrets {getattr(args, 'secrets_command', '')}"}.get(args.command, args.command)
    module_name, func_name = COMMANDS[command].split(":")
    interrupts.install()
    try:
        func = getattr(importlib.import_module(module_name), func_name)
        return int(func(args) or 0)
    except KeyboardInterrupt:
        after = AFTER_INTERRUPT.get(command)
        return interrupts.after_interrupt(f"amazon-mws {command}: interrupted" + (f"; {after}" if after else ""))


if __name__ == "__main__":
    sys.exit(main())
