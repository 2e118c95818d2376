"""The flow file: what a flow is made of, checked before anything runs.

A flow is JSON (see docs/flows.md for the full format):

    {"name": "orders-to-webhook",
     "credentials": {"file": "seller.json"},
     "schedule": {"interval": 300},
     "steps": [
        {"id": "orders", "step": "getNewAndUpdatedOrders", "config": {"orderStatus": ["Unshipped"],
                                                                       "emitBehaviour": "order"}},
        {"id": "items", "step": "listOrderItems", "map": {"amazonOrderId": "orders[*].AmazonOrderId"}}],
     "sink": {"type": "webhook", "url": "https://example.com/hook", "retries": 5}}

Why the checks live here and not in the runner: a flow is registered once and then run by workers for
months; a typo found by a worker at 3 a.m. is worth less than one refused by ``flow run`` at once, with
the field and the rule named (``flow.steps[1].step: 'listOrderItem' is not a step of the component``,
``flow.steps[0].config.emitBehavior: unknown field (did you mean emitBehaviour?)``): each step's config is
held to that step's rules here (runtime.step_config), as ``amazon-mws run`` holds a config.

Credentials are resolved where the step runs (the worker), not where the flow was registered, so a flow
that names a credentials file or environment variables keeps its secrets out of Redis. What a flow may name
is the operator's choice, not the flow author's (a flow file could otherwise ask a worker for any JSON file
it can read, or for any variable of its environment, the component's own keys included): a credentials file
must lie under ``AMAZON_MWS_CREDENTIALS_DIR`` (default: the flow file's folder), an environment variable must
start with ``AMAZON_MWS_FLOW_ENV_PREFIX`` (default ``AMAZON_MWS_FLOW_``). A flow naming others is refused when
it is parsed, before anything runs, and again where the credentials are read.

The sink's URL and header values often carry a token: parsing a flow registers them with the redactor
(``runtime.secrets``), and errors about them never quote them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from amazon_mws.runtime import jsonfile
from amazon_mws.runtime.errors import ValidationError
from amazon_mws.runtime.secrets import MASK, REDACTOR, mask_url, register_url
from amazon_mws.runtime.step_config import check_step_config
from amazon_mws.runtime.validation import unknown_fields

NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
SINK_TYPES = ("stdout", "file", "webhook")
CREDENTIALS_DIR_VAR = "AMAZON_MWS_CREDENTIALS_DIR"
ENV_PREFIX_VAR = "AMAZON_MWS_FLOW_ENV_PREFIX"
DEFAULT_ENV_PREFIX = "AMAZON_MWS_FLOW_"
PLAIN_HEADERS = frozenset({"content-type", "accept", "accept-language", "content-language", "user-agent"})

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "steps"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": NAME_RE},
        "description": {"type": "string"},
        "credentials": {"type": "object"},
        "schedule": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "interval": {"type": "number", "exclusiveMinimum": 0},
                "cron": {"type": "string", "minLength": 1},
            },
            "minProperties": 1,
            "maxProperties": 1,
        },
        "passthrough": {"type": "boolean"},
        "steps": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["step"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": NAME_RE},
                    "step": {"type": "string", "minLength": 1},
                    "config": {"type": "object"},
                    "credentials": {"type": "object"},
                    "map": {"type": "object", "minProperties": 1},
                    "feedBatchSeconds": {"type": "number", "minimum": 0, "maximum": 3600},
                },
            },
        },
        "sink": {
            "type": "object",
            "required": ["type"],
            "additionalProperties": False,
            "properties": {
                "type": {"enum": list(SINK_TYPES)},
                "path": {"type": "string", "minLength": 1},
                "url": {"type": "string", "pattern": "^https?://"},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                "retries": {"type": "integer", "minimum": 0, "maximum": 100},
                "timeout": {"type": "number", "exclusiveMinimum": 0},
                "envelope": {"type": "boolean"},
                "allowPrivateNetwork": {"type": "boolean"},
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(SCHEMA)


def _where(path: Any) -> str:
    out = "flow"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


@dataclass(frozen=True)
class FlowStep:
    id: str
    step: str
    config: dict[str, Any] = field(default_factory=dict)
    credentials: dict[str, Any] | None = None
    map: dict[str, Any] | None = None
    # on workers, how long this feed action's messages gather into one feed (None: FEED_BATCH_SECONDS)
    feed_batch_seconds: float | None = None


@dataclass(frozen=True)
class Sink:
    type: str = "stdout"
    path: str | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    retries: int = 5
    timeout: float = 10.0
    envelope: bool = False
    allow_private_network: bool = False

    def __repr__(self) -> str:  # the URL and the headers may hold a token
        return f"Sink(type={self.type!r}, url={mask_url(self.url) if self.url else None!r})"


@dataclass(frozen=True)
class Flow:
    """A checked flow. ``base_dir`` is where relative paths (credentials and sink files) start;
    ``credentials_dir`` is the folder its credentials files must lie under."""

    name: str
    steps: tuple[FlowStep, ...]
    sink: Sink
    credentials: dict[str, Any] | None = None
    schedule: dict[str, Any] | None = None
    passthrough: bool = True
    base_dir: str = "."
    credentials_dir: str = "."
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def trigger(self) -> FlowStep:
        return self.steps[0]

    def to_json(self) -> dict[str, Any]:
        """What is stored in Redis for workers: the file as written plus its base and credentials folders
        (a worker's own ``AMAZON_MWS_CREDENTIALS_DIR``, when set, still wins)."""
        return {"spec": self.raw, "baseDir": self.base_dir, "credentialsDir": self.credentials_dir}

    @classmethod
    def from_json(cls, data: dict[str, Any], manifest=None) -> Flow:
        return parse_flow(data["spec"], base_dir=data.get("baseDir") or ".", manifest=manifest,
                          credentials_dir=data.get("credentialsDir"))

    def cfg_for(self, index: int, environ: dict[str, str] | None = None) -> dict[str, Any]:
        """Credentials (flow's, then the step's own) with the step's config on top: one cfg dict."""
        step = self.steps[index]
        cfg: dict[str, Any] = {}
        for where, creds in (("flow.credentials", self.credentials),
                             (f"flow.steps[{index}].credentials", step.credentials)):
            if creds:
                cfg.update(resolve_credentials(creds, where, self.base_dir, environ, self.credentials_dir))
        cfg.update(step.config)
        return cfg

    def __repr__(self) -> str:  # inline credentials may hold secrets
        return f"Flow(name={self.name!r}, steps={[s.step for s in self.steps]}, sink={self.sink.type!r})"


def allowed_credentials_dir(default: str | Path | None, base_dir: str | Path) -> Path:
    """The folder credentials files must lie under: ``AMAZON_MWS_CREDENTIALS_DIR``, else ``default`` (what the
    caller allows, e.g. the console's folder), else the flow file's own folder."""
    chosen = os.environ.get(CREDENTIALS_DIR_VAR) or default or base_dir
    return Path(os.path.expanduser(str(chosen))).resolve()


def env_prefix() -> str:
    """The prefix of the environment variables a flow may read (an empty setting is the default)."""
    return os.environ.get(ENV_PREFIX_VAR) or DEFAULT_ENV_PREFIX


def _file_path(spec: dict[str, Any], base_dir: str | Path) -> Path:
    path = Path(os.path.expanduser(str(spec["file"])))
    return path if path.is_absolute() else Path(base_dir) / path


def credential_problems(spec: dict[str, Any], where: str, base_dir: str | Path, allowed_dir: str | Path) -> list[str]:
    """What a credentials object names that the operator does not allow: a file outside ``allowed_dir``
    (after following symbolic links), an environment variable without the prefix."""
    if set(spec) == {"file"}:
        path = _file_path(spec, base_dir)
        if not path.resolve().is_relative_to(Path(allowed_dir).resolve()):
            return [f"{where}.file: {path} is outside {allowed_dir}: a flow reads credentials files only under "
                    f"{CREDENTIALS_DIR_VAR} (default: the flow file's folder)"]
        return []
    prefix = env_prefix()
    return [f"{where}.{key}.env: {value['env']!r} does not start with {prefix!r}: a flow reads only environment "
            f"variables named with {ENV_PREFIX_VAR} (default {DEFAULT_ENV_PREFIX!r})"
            for key, value in spec.items()
            if isinstance(value, dict) and set(value) == {"env"} and not str(value["env"]).startswith(prefix)]


def resolve_credentials(
    spec: dict[str, Any], where: str, base_dir: str = ".", environ: dict[str, str] | None = None,
    allowed_dir: str | None = None,
) -> dict[str, Any]:
    """``{"file": "creds.json"}`` reads a JSON file; otherwise each value is literal, or ``{"env": "VAR"}``
    for an environment variable. A missing file or variable is an error naming the field (never its value);
    so is one the operator does not allow (``credential_problems``; ``allowed_dir`` defaults to ``base_dir``)."""
    env = os.environ if environ is None else environ
    problems = credential_problems(spec, where, base_dir, allowed_dir or base_dir)
    if problems:
        raise ValidationError(problems)
    if set(spec) == {"file"}:
        path = _file_path(spec, base_dir)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ValidationError([f"{where}.file: cannot read {path}: {exc.strerror or exc}"]) from None
        try:
            data = jsonfile.loads(raw, f"{where}.file: {path}")
        except jsonfile.JsonInputError as exc:
            raise ValidationError([str(exc)]) from None
        if not isinstance(data, dict):
            raise ValidationError([f"{where}.file: {path} must hold a JSON object"])
        return data
    out: dict[str, Any] = {}
    for key, value in spec.items():
        if isinstance(value, dict) and set(value) == {"env"}:
            name = str(value["env"])
            if name not in env or env[name] == "":
                problems.append(f"{where}.{key}: environment variable {name} is not set")
                continue
            out[key] = env[name]
        else:
            out[key] = value
    if problems:
        raise ValidationError(problems)
    return out


# -- mapping ----------------------------------------------------------------------------------------

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\*|\d+)\]")


def parse_path(expr: str, where: str) -> list[str | int]:
    """``orders[*].AmazonOrderId`` -> ["orders", "*", "AmazonOrderId"]; ``$`` is the whole body."""
    if expr == "$":
        return []
    parts: list[str | int] = []
    pos = 0
    text = expr.strip()
    while pos < len(text):
        if text[pos] == "." and parts:
            pos += 1
        match = _TOKEN.match(text, pos)
        if not match:
            raise ValidationError([f"{where}: {expr!r} is not a field path (like orders[*].AmazonOrderId)"])
        if match.group(1) is not None:
            parts.append(match.group(1))
        else:
            parts.append("*" if match.group(2) == "*" else int(match.group(2)))
        pos = match.end()
    if not parts:
        raise ValidationError([f"{where}: {expr!r} is not a field path (like orders[*].AmazonOrderId)"])
    return parts


def _values(body: Any, parts: list[str | int], expr: str) -> tuple[list[Any], bool]:
    """All values at the path, and whether the path fans out (has [*])."""
    current = [body]
    fans = False
    for part in parts:
        nxt = []
        for value in current:
            if part == "*":
                fans = True
                if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
                    raise ValueError(f"map: {expr!r}: not a list where [*] is used")
                nxt.extend(list(value))
            elif isinstance(part, int):
                if not isinstance(value, list) or part >= len(value):
                    raise ValueError(f"map: {expr!r}: no item [{part}]")
                nxt.append(value[part])
            else:
                if not isinstance(value, dict) or part not in value:
                    raise ValueError(f"map: {expr!r}: no field {part!r} in the message body")
                nxt.append(value[part])
        current = nxt
    return current, fans


def check_map(mapping: dict[str, Any], where: str) -> None:
    for key, expr in mapping.items():
        if isinstance(expr, str):
            parse_path(expr, f"{where}.{key}")


def apply_map(mapping: dict[str, Any] | None, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The bodies the next step receives: the body unchanged without a map; else one body per value of
    the ``[*]`` paths (zipped, equal lengths), the other entries the same in each. A non-string value is a
    literal (``{"value": x}`` for a literal string)."""
    if not mapping:
        return [body]
    fixed: dict[str, Any] = {}
    fanned: dict[str, list[Any]] = {}
    for key, expr in mapping.items():
        if isinstance(expr, dict) and set(expr) == {"value"}:
            fixed[key] = expr["value"]
        elif isinstance(expr, str):
            values, fans = _values(body, parse_path(expr, f"map.{key}"), expr)
            if fans:
                fanned[key] = values
            else:
                fixed[key] = values[0]
        else:
            fixed[key] = expr
    if not fanned:
        return [fixed]
    lengths = {len(v) for v in fanned.values()}
    if len(lengths) != 1:
        raise ValueError(f"map: the [*] paths give lists of different lengths: {sorted(lengths)}")
    count = lengths.pop()
    return [{**fixed, **{k: v[i] for k, v in fanned.items()}} for i in range(count)]


# -- loading ----------------------------------------------------------------------------------------


def _check_schedule(schedule: dict[str, Any]) -> None:
    if "cron" in schedule:
        fields = str(schedule["cron"]).split()
        if len(fields) != 5:
            raise ValidationError(
                [f"flow.schedule.cron: {schedule['cron']!r} must have 5 fields (minute hour day month weekday)"]
            )
        from celery.schedules import crontab

        try:
            crontab(*fields)
        except Exception as exc:  # celery's parser says which field is wrong
            raise ValidationError([f"flow.schedule.cron: {schedule['cron']!r}: {exc}"]) from None


def _config_problems(manifest: Any, step: Any, raw: dict[str, Any], where: str) -> list[str]:
    """The step's config held to the step's rules now, at registration, not by a worker mid-run: unknown
    keys (with the nearest field), bad values of the keys it has. Its credentials (a file, environment
    variables) are resolved where the step runs, so nothing is required of it here."""
    problems = check_step_config(manifest, step, raw.get("config") or {}, prefix=f"{where}.config", partial=True)[1]
    creds = raw.get("credentials")
    if creds and set(creds) != {"file"}:
        problems += unknown_fields(creds, manifest.config_keys, f"{where}.credentials")
    return problems


def _schema_problem(error: Any) -> str:
    """A schema error, naming the field; one about the sink's URL or headers does not quote their value."""
    where, message = _where(error.absolute_path), error.message
    if list(error.absolute_path)[:2] in (["sink", "url"], ["sink", "headers"]):
        shown = mask_url(error.instance) if isinstance(error.instance, str) and "url" in where else MASK
        message = message.replace(repr(error.instance), repr(shown))
    return f"{where}: {message}"


def _url_problems(url: str) -> list[str]:
    """A webhook URL the sink could not post to, found now rather than at each delivery (never quoted)."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # ValueError for a port that is not a number in 0-65535
    except ValueError:
        return [f"flow.sink.url: {mask_url(url)} has a port that is not a number from 0 to 65535"]
    if not parts.hostname:
        return [f"flow.sink.url: {mask_url(url)} names no host"]
    if any(c.isspace() or ord(c) < 32 for c in url):
        return [f"flow.sink.url: {mask_url(url)} contains spaces or control characters (percent-encode them)"]
    return []


def register_sink_secrets(sink: dict[str, Any]) -> None:
    """From now on, mask the sink's URL tokens and header values wherever this process prints them (but for
    headers that describe the body: masking every "application/json" in the logs protects nothing)."""
    if isinstance(sink.get("url"), str):
        register_url(sink["url"])
    values = [v for k, v in (sink.get("headers") or {}).items()
              if isinstance(v, str) and str(k).lower() not in PLAIN_HEADERS]
    REDACTOR.add(values + [v.split(None, 1)[1] for v in values if len(v.split(None, 1)) == 2])  # "Bearer X"


def parse_flow(data: Any, *, base_dir: str | Path = ".", manifest=None,
               credentials_dir: str | Path | None = None) -> Flow:
    """A checked Flow from its JSON; ValidationError lists every problem, each naming its field.
    ``credentials_dir``: where credentials files may lie when ``AMAZON_MWS_CREDENTIALS_DIR`` is not set
    (default: ``base_dir``)."""
    if not isinstance(data, dict):
        raise ValidationError([f"flow: must be a JSON object, got {type(data).__name__}"])
    if isinstance(data.get("sink"), dict):
        register_sink_secrets(data["sink"])
    problems = [
        _schema_problem(e)
        for e in sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if problems:
        raise ValidationError(problems)
    if manifest is None:
        from amazon_mws.runtime.manifest import load_manifest

        manifest = load_manifest()
    steps = []
    seen: set[str] = set()
    for i, raw in enumerate(data["steps"]):
        name = raw["step"]
        try:
            step = manifest.step(name)
        except Exception:
            problems.append(f"flow.steps[{i}].step: {name!r} is not a step of the component")
            continue
        problems += _config_problems(manifest, step, raw, f"flow.steps[{i}]")
        if i == 0 and step.kind != "trigger":
            problems.append(f"flow.steps[0].step: {name!r} is an action; a flow starts with a trigger")
        if i > 0 and step.kind == "trigger":
            problems.append(f"flow.steps[{i}].step: {name!r} is a trigger; only the first step may be one")
        step_id = raw.get("id") or name
        if step_id in seen:
            problems.append(f"flow.steps[{i}].id: {step_id!r} is used twice; give each step its own id")
        seen.add(step_id)
        if raw.get("map"):
            if i == 0:
                problems.append("flow.steps[0].map: the trigger has no incoming message to map")
            try:
                check_map(raw["map"], f"flow.steps[{i}].map")
            except ValidationError as exc:
                problems.extend(exc.errors)
        if i == 0 and "feedBatchSeconds" in raw:
            problems.append("flow.steps[0].feedBatchSeconds: the trigger submits no feed; set it on a feed action")
        batch = raw.get("feedBatchSeconds")
        steps.append(FlowStep(step_id, name, dict(raw.get("config") or {}), raw.get("credentials"), raw.get("map"),
                              None if batch is None else float(batch)))
    allowed = allowed_credentials_dir(credentials_dir, base_dir)
    for where, creds in [("flow.credentials", data.get("credentials")),
                         *((f"flow.steps[{i}].credentials", raw.get("credentials"))
                           for i, raw in enumerate(data["steps"]))]:
        if creds:
            problems.extend(credential_problems(creds, where, base_dir, allowed))
    if data.get("credentials") and set(data["credentials"]) != {"file"}:
        problems += unknown_fields(data["credentials"], manifest.config_keys, "flow.credentials")
    sink_raw = data.get("sink") or {"type": "stdout"}
    if sink_raw["type"] == "file" and not sink_raw.get("path"):
        problems.append("flow.sink.path: is required for a file sink")
    if sink_raw["type"] == "webhook" and not sink_raw.get("url"):
        problems.append("flow.sink.url: is required for a webhook sink")
    elif sink_raw.get("url"):
        problems.extend(_url_problems(sink_raw["url"]))
    if data.get("schedule"):
        try:
            _check_schedule(data["schedule"])
        except ValidationError as exc:
            problems.extend(exc.errors)
    if problems:
        raise ValidationError(problems)
    path = sink_raw.get("path")
    if path and not Path(os.path.expanduser(path)).is_absolute():
        path = str(Path(base_dir) / path)
    sink = Sink(
        type=sink_raw["type"],
        path=path,
        url=sink_raw.get("url"),
        headers=dict(sink_raw.get("headers") or {}),
        retries=int(sink_raw.get("retries", 5)),
        timeout=float(sink_raw.get("timeout", 10.0)),
        envelope=bool(sink_raw.get("envelope", False)),
        allow_private_network=bool(sink_raw.get("allowPrivateNetwork", False)),
    )
    return Flow(
        name=data["name"],
        steps=tuple(steps),
        sink=sink,
        credentials=data.get("credentials"),
        schedule=data.get("schedule"),
        passthrough=data.get("passthrough", True),
        base_dir=str(Path(base_dir).resolve()),
        credentials_dir=str(allowed),
        raw=data,
    )


def load_flow(path: str | Path, manifest=None) -> Flow:
    """Read and check a flow file; errors name the file."""
    path = Path(path)
    try:
        data = jsonfile.read(path, str(path))
    except jsonfile.JsonInputError as exc:
        raise ValidationError([str(exc)]) from None
    return parse_flow(data, base_dir=path.resolve().parent, manifest=manifest)
