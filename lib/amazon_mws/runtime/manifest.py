"""Loading component.json, and checking everything it points at before anything runs.

At load time every step's ``main`` is imported (by file path, cached) and must have ``process``; every
``model`` function named by a field must exist (step fields in the step module, credentials fields in the
verifier module); every ``metadata.in``/``out`` file must exist and be a valid draft-03 schema;
``dynamicMetadata`` steps must have ``get_meta_model``. A broken manifest fails once, listing each fault
with the file and JSON path: ``component.json: actions.getOrder.metadata.in: schemas/nope.json does not
exist``. A flow designer or operator can fix it from that line alone.

``load_manifest(only=STEP)`` is the same with the deep checks for that one step: every step's entry is
still checked as JSON (so fields and secrets of all steps are known) and the verifier is loaded (its
offline credentials check runs before every step), but of the steps only STEP's module is imported and
only its schemas are checked. What ``amazon-mws run STEP`` uses: one CLI run imports one step's
code, not sixteen (about 0.03 s of CPU at each start, a tenth of a 100-order trigger run), and a fault in
another step does not stop this one. ``amazon-mws check``, workers, the console and the designer load the
whole manifest.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from amazon_mws.runtime.errors import ManifestError, UnknownStepError
from amazon_mws.runtime.paths import MANIFEST, component_root
from amazon_mws.runtime.secrets import secret_field_names
from amazon_mws.runtime.validation import SchemaSet, check_schema_file

DEFAULT_VERIFIER = "./verifyCredentials.py"
KINDS = {"triggers": "trigger", "actions": "action"}

_modules: dict[Path, ModuleType] = {}
_modules_lock = threading.Lock()


def import_file(path: Path) -> ModuleType:
    """Import a Python file by path, once per process (later calls return the same module)."""
    path = path.resolve()
    with _modules_lock:
        module = _modules.get(path)
        if module is not None:
            return module
        digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
        name = f"amazon_mws_component_{path.stem}_{digest}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        _modules[path] = module
        return module


@dataclass(frozen=True)
class Step:
    """One trigger or action, with its module already imported and checked."""

    name: str
    kind: str  # "trigger" | "action"
    spec: dict[str, Any]
    module: ModuleType
    path: Path

    @property
    def fields(self) -> dict[str, dict[str, Any]]:
        return self.spec.get("fields") or {}

    @property
    def dynamic_metadata(self) -> bool:
        return bool(self.spec.get("dynamicMetadata"))

    @property
    def in_schema(self) -> str | None:
        return (self.spec.get("metadata") or {}).get("in")

    @property
    def out_schema(self) -> str | None:
        return (self.spec.get("metadata") or {}).get("out")

    @property
    def process(self) -> Callable[..., None]:
        process: Callable[..., None] = self.module.process
        return process


@dataclass
class Manifest:
    root: Path
    data: dict[str, Any]
    steps: dict[str, Step]
    verifier: ModuleType | None
    schemas: SchemaSet

    @property
    def credential_fields(self) -> dict[str, dict[str, Any]]:
        return (self.data.get("credentials") or {}).get("fields") or {}

    @property
    def step_specs(self) -> dict[str, dict[str, Any]]:
        """Every step's component.json entry by name, loaded or not (``load_manifest(only=...)``)."""
        return {name: spec for section in KINDS for name, spec in (self.data.get(section) or {}).items()}

    def step(self, name: str) -> Step:
        try:
            return self.steps[name]
        except KeyError:
            known = ", ".join(sorted(self.step_specs)) or "none"
            if name in self.step_specs:  # a manifest loaded for another step: a caller's bug, said plainly
                raise UnknownStepError(f"step {name!r} was not loaded (load_manifest(only=...))") from None
            raise UnknownStepError(f"unknown step {name!r}; the component has: {known}") from None

    def fields_for(self, step: Step) -> dict[str, dict[str, Any]]:
        """Credentials and step fields together, as one cfg holds them."""
        return {**self.credential_fields, **step.fields}

    @cached_property
    def secret_names(self) -> frozenset[str]:
        """Every field name whose value is a secret: the well-known ones and each password field of the
        credentials or of any step. What the redactor masks and what is sealed before Redis."""
        names = set(secret_field_names(self.credential_fields))
        for spec in self.step_specs.values():
            names |= secret_field_names(spec.get("fields") or {})
        return frozenset(names)

    @cached_property
    def config_keys(self) -> frozenset[str]:
        """Every key a cfg may hold: the credentials' fields and every step's (one config file serves all
        steps, so a field of another step is not a typo)."""
        keys = set(self.credential_fields)
        for spec in self.step_specs.values():
            keys.update(spec.get("fields") or {})
        return frozenset(keys)


class _Checker:
    """Collects every fault of a manifest, each as 'component.json: json.path: problem'."""

    def __init__(self, root: Path):
        self.root = root
        self.faults: list[str] = []

    def fault(self, where: str, problem: str) -> None:
        self.faults.append(f"{MANIFEST}: {where}: {problem}")

    def module(self, where: str, main: Any, required: tuple[str, ...]) -> ModuleType | None:
        if not isinstance(main, str) or not main:
            self.fault(where, "must be a path like ./actions/name.py")
            return None
        path = (self.root / main).resolve()
        if not path.is_file():
            self.fault(where, f"{main} does not exist")
            return None
        try:
            module = import_file(path)
        except Exception as exc:  # any import failure is a manifest fault, reported with its cause
            self.fault(where, f"{main} failed to import: {type(exc).__name__}: {exc}")
            return None
        for name in required:
            if not callable(getattr(module, name, None)):
                self.fault(where, f"{main} has no {name}() function")
        return module

    def models(self, where: str, fields: Any, module: ModuleType | None, module_label: str) -> None:
        if not isinstance(fields, dict):
            self.fault(where, "must be an object of fields")
            return
        for fname, spec in fields.items():
            if not isinstance(spec, dict):
                self.fault(f"{where}.{fname}", "must be an object")
                continue
            model = spec.get("model")
            if model is None or isinstance(model, dict):
                continue
            if not isinstance(model, str):
                self.fault(f"{where}.{fname}.model", "must be a function name or an object of options")
            elif module is None:
                self.fault(f"{where}.{fname}.model", f"{model}() needs {module_label}, which did not load")
            elif not callable(getattr(module, model, None)):
                self.fault(f"{where}.{fname}.model", f"{model}() is not defined in {module_label}")

    def schema(self, where: str, relative: Any) -> None:
        if not isinstance(relative, str) or not relative:
            self.fault(where, "must be a path like schemas/name.json")
            return
        problem = check_schema_file((self.root / relative).resolve())
        if problem:
            self.fault(where, f"{relative} {problem}")


def _read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: does not exist") from None
    except ValueError as exc:
        raise ManifestError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: must hold a JSON object")
    return data


def _check(root: Path, data: dict[str, Any], only: str | None = None) -> Manifest:
    checker = _Checker(root)
    schemas = SchemaSet(root)
    for path, problem in schemas.load_errors.items():
        checker.faults.append(f"{path.relative_to(root)}: {problem}")

    credential_fields = (data.get("credentials") or {}).get("fields") or {}
    verifier_main = data.get("verifier")
    verifier = None
    needs_verifier = verifier_main is not None or (root / DEFAULT_VERIFIER).is_file()
    if needs_verifier:  # loaded for one step too: its offline credentials check runs before every step
        verifier = checker.module("verifier", verifier_main or DEFAULT_VERIFIER, ("verify",))
    checker.models(
        "credentials.fields",
        credential_fields,
        verifier,
        f"the verifier ({verifier_main or DEFAULT_VERIFIER})",
    )

    steps: dict[str, Step] = {}
    for section, kind in KINDS.items():
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            checker.fault(section, "must be an object of steps")
            continue
        for name, spec in entries.items():
            where = f"{section}.{name}"
            if not isinstance(spec, dict):
                checker.fault(where, "must be an object")
                continue
            if name in steps:
                checker.fault(where, "a trigger and an action share this name")
            if kind == "trigger" and spec.get("type") != "polling":
                checker.fault(f"{where}.type", 'must be "polling"')
            if only is not None and name != only:
                continue
            required = ("process", "get_meta_model") if spec.get("dynamicMetadata") else ("process",)
            module = checker.module(f"{where}.main", spec.get("main"), required)
            checker.models(f"{where}.fields", spec.get("fields") or {}, module, spec.get("main") or name)
            metadata = spec.get("metadata") or {}
            if not isinstance(metadata, dict):
                checker.fault(f"{where}.metadata", "must be an object with in/out schema paths")
                metadata = {}
            for direction in ("in", "out"):
                if metadata.get(direction) is not None:
                    checker.schema(f"{where}.metadata.{direction}", metadata[direction])
            if module is not None:
                steps[name] = Step(name, kind, spec, module, (root / spec["main"]).resolve())
    if checker.faults:
        raise ManifestError("\n".join(checker.faults))
    return Manifest(root=root, data=data, steps=steps, verifier=verifier, schemas=schemas)


_cache: dict[tuple[Path, str | None], tuple[float, Manifest]] = {}
_cache_lock = threading.Lock()


def load_manifest(root: Path | str | None = None, *, reload: bool = False, only: str | None = None) -> Manifest:
    """The checked manifest of the component at ``root`` (default: ``component_root()``); ``only``: with
    the deep checks (module, models, schemas) for that step alone (see the module's docstring).

    Cached per root and component.json mtime, so workers pay for the checks once.
    """
    root = Path(root).resolve() if root is not None else component_root()
    mtime = (root / MANIFEST).stat().st_mtime if (root / MANIFEST).exists() else 0.0
    with _cache_lock:
        for key in ((root, None), (root, only)):  # the whole manifest serves one step too
            cached = _cache.get(key)
            if cached and cached[0] == mtime and not reload:
                return cached[1]
    manifest = _check(root, _read_manifest(root), only)
    with _cache_lock:
        _cache[(root, only)] = (mtime, manifest)
    return manifest
