"""What a flow designer asks of a component: the options of a select field, and a step's metadata.

Both are plain functions named in component.json: a field's ``model`` (a function of cfg returning
``{value: label}``, or a static dict) and, for ``"dynamicMetadata": true``, the step module's
``get_meta_model(cfg)`` returning ``{"in": schema, "out": schema}``.

Metadata goes out with every ``$ref`` resolved (inlined): elastic.io's mapper, like most designers, does
not follow references to other files, so ``{"$ref": "definitions/order.json"}`` would show as an empty
object to map from.
"""

from __future__ import annotations

import copy
from types import ModuleType
from typing import TYPE_CHECKING, Any

from referencing.jsonschema import DRAFT3

from amazon_mws.runtime import secrets
from amazon_mws.runtime.errors import ValidationError
from amazon_mws.runtime.manifest import Manifest, load_manifest

if TYPE_CHECKING:
    from referencing._core import Resolver  # referencing exports the class only from its core module


def select_model(step: str, field: str, cfg: dict[str, Any], *, manifest: Manifest | None = None) -> dict[str, str]:
    """The options of ``field``: a step field (model in the step module) or a credentials field
    (model in the verifier module, e.g. the marketplace select)."""
    manifest = manifest or load_manifest()
    the_step = manifest.step(step)
    secrets.register_cfg(cfg, manifest.fields_for(the_step))
    module: ModuleType | None
    if field in the_step.fields:
        spec, module = the_step.fields[field], the_step.module
    elif field in manifest.credential_fields:
        spec, module = manifest.credential_fields[field], manifest.verifier
    else:
        known = ", ".join(sorted(manifest.fields_for(the_step))) or "none"
        raise ValidationError([f"field: {step} has no field {field!r} (fields: {known})"])
    model = spec.get("model")
    if isinstance(model, dict):
        return dict(model)
    if not isinstance(model, str) or module is None:
        raise ValidationError([f"field: {step}.{field} has no select model"])
    options = getattr(module, model)(cfg)
    return {str(k): str(v) for k, v in dict(options).items()}


def get_metadata(step: str, cfg: dict[str, Any], *, manifest: Manifest | None = None) -> dict[str, Any]:
    """``{"in": schema|None, "out": schema|None}``: the files' contents, or get_meta_model(cfg)."""
    manifest = manifest or load_manifest()
    the_step = manifest.step(step)
    secrets.register_cfg(cfg, manifest.fields_for(the_step))
    schemas = manifest.schemas
    if the_step.dynamic_metadata:
        meta = the_step.module.get_meta_model(cfg) or {}
        base = (schemas.folder / "dynamic.json").resolve().as_uri()  # refs are relative to schemas/

        def whole(schema: Any) -> Any:  # the schema itself at `base`, so "#/definitions/..." finds it
            if not isinstance(schema, dict):
                return schema
            registry = schemas.registry.with_resource(base, DRAFT3.create_resource(schema))
            return inline_refs(schema, registry.resolver(base))

        return {d: whole(meta.get(d)) for d in ("in", "out")}
    return {
        direction: inline_refs(schemas.read(path), schemas.registry.resolver(schemas.resolve(path).as_uri()))
        if path else None
        for direction, path in (("in", the_step.in_schema), ("out", the_step.out_schema))
    }


MAX_REF_DEPTH = 32


def inline_refs(schema: Any, resolver: Resolver, depth: int = 0) -> Any:
    """``schema`` with every ``{"$ref": ...}`` replaced by what it points at (relative refs follow the file
    they were written in). A ref's siblings (``title``, ``required``) stay on top of the target; nested
    ``$schema``/``id`` are dropped, since an inlined part no longer lives at its own address."""
    if depth > MAX_REF_DEPTH:
        raise ValidationError([f"metadata: $ref nesting deeper than {MAX_REF_DEPTH} (a reference cycle?)"])
    if isinstance(schema, list):
        return [inline_refs(item, resolver, depth) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if isinstance(schema.get("$ref"), str):
        resolved = resolver.lookup(schema["$ref"])
        target = inline_refs(copy.deepcopy(resolved.contents), resolved.resolver, depth + 1)
        target = {k: v for k, v in target.items() if k not in ("$schema", "id")}
        return {**target, **{k: inline_refs(v, resolver, depth) for k, v in schema.items() if k != "$ref"}}
    return {k: inline_refs(v, resolver, depth) for k, v in schema.items()}


def verify_credentials(cfg: dict[str, Any], *, manifest: Manifest | None = None) -> None:
    """Check cfg's credentials (every problem at once, before any request), then call the verifier's
    ``verify(cfg)`` (raises when bad)."""
    from amazon_mws.runtime.step_config import check_step_config

    manifest = manifest or load_manifest()
    secrets.register_cfg(cfg, manifest.credential_fields)
    cfg, problems = check_step_config(manifest, None, cfg)
    if problems:
        raise ValidationError(problems)
    if manifest.verifier is None:
        raise ValidationError(["verifier: the component has no verifyCredentials module"])
    manifest.verifier.verify(cfg)
