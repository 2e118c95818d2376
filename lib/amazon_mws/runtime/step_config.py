"""Every problem of a step's config, found before the step runs and reported in one answer.

A config is checked in layers, and each layer used to stop the run at its own first failure, so a config
with three mistakes took three runs to fix. Here every layer is asked and their lines are gathered:

1. the manifest's field rules (``validation.cfg_problems``: required, select keys, checkboxes);
2. keys no field declares (``validation.unknown_fields``: a misspelt field, with the nearest name);
3. the credentials, offline: the verifier module's ``check(cfg) -> [lines]`` when it has one (no request);
4. the step's own field rules: the step module's ``check_cfg(cfg) -> [lines]`` when it has one (ranges,
   times, the rules a select cannot say).

The runtime knows no Amazon: layers 3 and 4 are hooks the component's modules offer. When two layers find fault
with the same field, the first one's words stand. A ``partial`` config (a flow's
step config, whose credentials are resolved later, where the step runs) is held to the rules of the keys it
has: nothing is "required" of it and the credentials are not checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from amazon_mws.runtime.manifest import Manifest, Step
from amazon_mws.runtime.validation import cfg_problems, unknown_fields

Hook = Callable[[Mapping[str, Any]], list[str]]


def check_step_config(
    manifest: Manifest, step: Step | None, cfg: Any, *, prefix: str = "cfg", partial: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """(cfg normalised, every problem as ``prefix.field: rule``); an empty list means the step may run.
    ``step`` None: the credentials alone (``amazon-mws verify``), step fields still known, not typos."""
    fields = manifest.fields_for(step) if step is not None else manifest.credential_fields
    out, first = cfg_problems(fields, cfg, prefix)
    if not isinstance(cfg, Mapping):
        return out, first
    layers = [first, unknown_fields(cfg, manifest.config_keys, prefix)]
    hooks: list[Hook | None] = [None if partial else getattr(manifest.verifier, "check", None),
                                getattr(step.module, "check_cfg", None) if step is not None else None]
    layers += [[_prefixed(line, prefix) for line in hook(out)] for hook in hooks if callable(hook)]
    lines: list[str] = []
    for layer in layers:  # a field already at fault keeps the earlier layer's words
        faulted = {_field_of(line, prefix) for line in lines}
        lines += [line for line in layer if _field_of(line, prefix) not in faulted]
    if partial:
        lines = [line for line in lines if _field_of(line, prefix) in cfg]
    return out, lines


def _prefixed(line: str, prefix: str) -> str:
    """A hook's line as the runtime's: ``accessKeyId: is required`` -> ``cfg.accessKeyId: is required``."""
    bare = line[len("cfg."):] if line.startswith("cfg.") else line
    return f"{prefix}.{bare}"


def _field_of(line: str, prefix: str) -> str:
    return line[len(prefix) + 1:].split(":", 1)[0].split(".", 1)[0].split("[", 1)[0]
