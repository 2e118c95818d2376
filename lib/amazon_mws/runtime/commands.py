"""``amazon-mws run | verify | metadata | select``: the runtime's command-line face (see DESIGN.md).

stdout carries JSON only (one line per event for ``run``; one document for the others); logs and usage
errors go to stderr. Exit status: 0 fine, 1 an error event (or failed verification), 2 usage errors
(unreadable or non-JSON files, unknown step, broken component, a config ``run`` refuses: its error event
still goes to stdout, every problem in it, and the same lines to stderr).

A step that rebounds is run again here, as ``runtime.rebound`` decides: the events of every try are
printed, one ``end`` closes the whole run, and a step still rebounding after ``REBOUND_MAX_RETRIES`` tries
ends with a ``ReboundLimitError`` error event (exit status 1), never silently.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from amazon_mws.runtime import jsonfile
from amazon_mws.runtime.emitter import Event, error_info
from amazon_mws.runtime.errors import ManifestError, UnknownStepError, ValidationError
from amazon_mws.runtime.interrupts import shielded
from amazon_mws.runtime.jsonlines import write_line
from amazon_mws.runtime.logs import configure_logging
from amazon_mws.runtime.secrets import RedactingStream

if TYPE_CHECKING:
    from amazon_mws.runtime.executor import RunResult
    from amazon_mws.runtime.manifest import Manifest
    from amazon_mws.runtime.rebound import ReboundPolicy

if TYPE_CHECKING:
    from amazon_mws.runtime.manifest import Manifest

USAGE = 2
FAILED = 1


class UsageError(Exception):
    """Something the user typed or pointed at is unusable; reported on stderr with exit status 2."""


def read_json_file(path: str, option: str) -> Any:
    """JSON from ``path`` (``-`` is stdin); errors name the option and the file."""
    try:
        if path == "-":
            return jsonfile.loads(sys.stdin.buffer.read(), f"{option} - (stdin)")
        return jsonfile.read(path, f"{option} {path}")
    except jsonfile.JsonInputError as exc:
        raise UsageError(str(exc)) from None


def _loads(text: str | bytes, label: str) -> Any:
    """One JSON text (a message line, what stdin held); a usage error naming `label` when it is not."""
    try:
        return jsonfile.loads(text, label)
    except jsonfile.JsonInputError as exc:
        raise UsageError(str(exc)) from None


def write_json_atomic(path: Path, value: Any) -> None:
    """Write, flush and rename: a reader (or a crash) sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(value, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _step_stdout() -> contextlib.redirect_stdout[RedactingStream]:
    """A step that print()s must not corrupt the JSON on stdout: its output goes to stderr, masked."""
    return contextlib.redirect_stdout(RedactingStream(sys.stderr))


def _usage(command: str, problem: object) -> int:
    print(f"amazon-mws {command}: {problem}", file=sys.stderr)
    return USAGE


def _load(command: str, step: str | None = None) -> Manifest:
    """The manifest (and the step), or a usage error."""
    from amazon_mws.runtime.manifest import load_manifest

    try:
        manifest = load_manifest(only=step)
        if step is not None:
            manifest.step(step)
    except (ManifestError, UnknownStepError, FileNotFoundError) as exc:
        raise UsageError(str(exc)) from None
    return manifest


def _config(args: argparse.Namespace) -> Any:
    return read_json_file(args.config, "--config")


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _message_input(path: str | None) -> tuple[Iterator[bytes] | None, Any]:
    """(lines, None) for a JSON-lines input (a ``.jsonl`` file, or stdin whose first line is a whole JSON
    object followed by more lines), else (None, the one JSON message), read as ever. Lines stay bytes:
    each is decoded and parsed on its own, so a bad one is that line's error (runtime.jsonfile)."""
    if not path:
        return None, {}
    if path != "-":
        if not path.endswith(".jsonl"):
            return None, read_json_file(path, "--message")
        try:
            handle = open(path, "rb")  # noqa: SIM115 - read lazily by the runner, closed at EOF
        except OSError as exc:
            raise UsageError(f"--message {path}: cannot read: {exc.strerror or exc}") from None
        return _lines(handle), None
    stdin = sys.stdin.buffer
    first = stdin.readline()
    try:
        whole_line = isinstance(jsonfile.loads(first, "stdin"), dict)
    except jsonfile.JsonInputError:
        whole_line = False
    second = stdin.readline() if whole_line else b""
    if whole_line and second.strip():
        return _lines(itertools.chain([first, second], stdin)), None
    return None, _loads(first + second + stdin.read(), "--message - (stdin)")


def _lines(source: Iterable[bytes]) -> Iterator[bytes]:
    try:
        yield from (line for line in source if line.strip())
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def _run_lines(args: Any, cfg: Any, manifest: Manifest, lines: Iterator[bytes], policy: ReboundPolicy) -> int:
    """One message per line, run side by side so feed actions gather them into few feeds
    (runtime.batching); one output line per input line, in input order: its data event, or its error."""
    from amazon_mws.runtime import secrets
    from amazon_mws.runtime.batching import run_gathered
    from amazon_mws.runtime.executor import default_namespace, run_step
    from amazon_mws.runtime.message import Message
    from amazon_mws.runtime.rebound import run_rebounding
    from amazon_mws.runtime.state import state_store_from_env
    from amazon_mws.runtime.step_config import check_step_config

    step = manifest.step(args.step)
    if isinstance(cfg, dict):
        secrets.register_cfg(cfg, manifest.fields_for(step))
    problems = check_step_config(manifest, step, cfg)[1]
    if problems:  # the one config of every line: refused once, not once per line
        error = error_info(ValidationError(problems))
        write_line(sys.stdout, {"event": "error", "error": error})
        return _usage("run", f"--config refused: {error['message']}")
    store = state_store_from_env()
    ns = store.namespace("cli:" + default_namespace(args.step, cfg if isinstance(cfg, dict) else {"cfg": cfg}))

    def one(numbered: tuple[int, bytes]) -> dict[str, Any]:
        number, line = numbered
        where: dict[str, Any] = {"line": number}
        try:
            message = Message.from_json(_loads(line, f"--message line {number}"))
        except (UsageError, TypeError) as exc:
            return {"event": "error", **where, "error": {"type": "ValidationError", "message": str(exc)}}
        where["inputId"] = message.id
        result = run_rebounding(lambda rebounds: run_step(args.step, cfg, message, sample=args.sample,
                                                          state_namespace=ns, manifest=manifest, attempt=rebounds),
                                policy)
        answer = next((e for e in result.events if e.kind in ("data", "error")), None)
        if answer is None:
            return {"event": "end", **where}
        return {**answer.to_json(materialize=True), **where}

    failed = False
    stdout = sys.stdout  # steps' own print()s go to stderr (_step_stdout), the answers here
    try:
        with _step_stdout():
            for out in run_gathered(enumerate(lines, start=1), one):
                failed |= out["event"] == "error"
                write_line(stdout, out)
    finally:
        store.close()
    return FAILED if failed else 0


def run(args: argparse.Namespace) -> int:
    """``amazon-mws run STEP --config CFG.json [--message MSG.json|MSGS.jsonl|-] [--snapshot SNAP.json]
    [--sample]``."""
    from amazon_mws.runtime.executor import default_namespace, run_step
    from amazon_mws.runtime.rebound import ReboundPolicy, run_rebounding
    from amazon_mws.runtime.state import StateStoreError, state_store_from_env

    configure_logging()
    try:
        try:
            policy = ReboundPolicy.from_env()
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        cfg = _config(args)
        lines, message = _message_input(args.message)
        if lines is not None:
            if args.snapshot:
                raise UsageError("--snapshot: one message at a time (not with a JSON-lines --message)")
            return _run_lines(args, cfg, _load("run", args.step), lines, policy)
        snapshot_path = Path(args.snapshot).resolve() if args.snapshot else None
        snapshot = None
        if snapshot_path is not None and snapshot_path.exists():
            snapshot = read_json_file(str(snapshot_path), "--snapshot")
            if not isinstance(snapshot, dict):
                raise UsageError(f"--snapshot {args.snapshot}: must hold a JSON object")
        manifest = _load("run", args.step)
    except UsageError as exc:
        return _usage("run", exc)

    try:
        store = state_store_from_env()
    except StateStoreError as exc:
        return _usage("run", exc)
    if snapshot_path is not None:
        ns_name = "cli:snapshot:" + hashlib.sha256(str(snapshot_path).encode()).hexdigest()[:24]
    else:
        ns_name = "cli:" + default_namespace(args.step, cfg if isinstance(cfg, dict) else {"cfg": cfg})
    ns = store.namespace(ns_name)
    if snapshot_path is not None and snapshot is None:
        ns.clear()  # no snapshot file: a fresh start, lists included
        snapshot = {}

    out = sys.stdout

    def on_event(event: Event) -> None:
        if event.kind == "end":  # one end for the whole run, after its last try (a rebound runs it again)
            return
        with shielded():  # Ctrl-C waits until the event's line and the snapshot file agree
            write_line(out, event.to_json())
            if snapshot_path is not None and event.kind in ("snapshot", "updateSnapshot"):
                write_json_atomic(snapshot_path, event.state)

    def attempt(rebounds: int) -> RunResult:
        return run_step(
            args.step,
            cfg,
            message,
            snapshot=snapshot if rebounds == 0 else None,  # a rebound goes on from the state the try left
            sample=args.sample,
            on_event=on_event,
            state_namespace=ns,
            manifest=manifest,
            attempt=rebounds,
            keep_data=False,  # each data event is written as it comes
        )

    try:
        with _step_stdout():
            result = run_rebounding(attempt, policy, on_give_up=on_event)
    finally:
        store.close()
    write_line(out, Event("end").to_json())
    if snapshot_path is not None:
        write_json_atomic(snapshot_path, result.state)
    if result.config_refused:
        return _usage("run", f"--config refused: {result.errors[0]['message']}")
    return FAILED if result.errors else 0


def verify(args: argparse.Namespace) -> int:
    """``amazon-mws verify --config CFG.json``: prints ``{"verified": true}`` or the reason it is not."""
    from amazon_mws.runtime.designer import verify_credentials

    configure_logging()
    try:
        cfg = _config(args)
        manifest = _load("verify")
    except UsageError as exc:
        return _usage("verify", exc)
    try:
        with _step_stdout():
            verify_credentials(cfg if isinstance(cfg, dict) else {}, manifest=manifest)
    except Exception as exc:
        _print_json({"verified": False, "error": error_info(exc)})
        return FAILED
    _print_json({"verified": True})
    return 0


def _designer_call(command: str, args: argparse.Namespace, call: Callable[..., Any]) -> int:
    configure_logging()
    try:
        cfg = _config(args)
        manifest = _load(command, args.step)
    except UsageError as exc:
        return _usage(command, exc)
    try:
        with _step_stdout():
            value = call(cfg if isinstance(cfg, dict) else {}, manifest)
    except Exception as exc:
        _print_json({"error": error_info(exc)})
        return FAILED
    _print_json(value)
    return 0


def metadata(args: argparse.Namespace) -> int:
    """``amazon-mws metadata STEP --config CFG.json``: ``{"in": schema, "out": schema}``."""
    from amazon_mws.runtime.designer import get_metadata

    return _designer_call("metadata", args, lambda cfg, m: get_metadata(args.step, cfg, manifest=m))


def select(args: argparse.Namespace) -> int:
    """``amazon-mws select STEP FIELD --config CFG.json``: ``{value: label}``."""
    from amazon_mws.runtime.designer import select_model

    return _designer_call("select", args, lambda cfg, m: select_model(args.step, args.field, cfg, manifest=m))
