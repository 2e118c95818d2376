"""What a flow designer asks of a component: the options of a select field, and a step's metadata.

Both are plain functions named in component.json: a field's ``model`` (a function of cfg returning
``{value: label}``, or a static dict) and, for ``"dynamicMetadata": true``, the step module's
``get_meta_model(cfg)`` returning ``{"in": schema, "out": schema}``.
"""

from __future__ import annotations

from typing import Any

from amazon_mws.runtime import secrets
from amazon_mws.runtime.errors import ValidationError
from amazon_mws.runtime.manifest import Manifest, load_manifest


def select_model(step: str, field: str, cfg: dict[str, Any], *, manifest: Manifest | None = None) -> dict:
    """The options of ``field``: a step field (model in the step module) or a credentials field
    (model in the verifier module, e.g. the marketplace select)."""
    manifest = manifest or load_manifest()
    the_step = manifest.step(step)
    secrets.register_cfg(cfg, manifest.fields_for(the_step))
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
    if the_step.dynamic_metadata:
        meta = the_step.module.get_meta_model(cfg) or {}
        return {"in": meta.get("in"), "out": meta.get("out")}
    return {
        direction: manifest.schemas.read(path) if path else None
        for direction, path in (("in", the_step.in_schema), ("out", the_step.out_schema))
    }


def verify_credentials(cfg: dict[str, Any], *, manifest: Manifest | None = None) -> None:
    """Check cfg's credentials fields, then call the verifier's ``verify(cfg)`` (raises when bad)."""
    from amazon_mws.runtime.validation import validate_cfg

    manifest = manifest or load_manifest()
    secrets.register_cfg(cfg, manifest.credential_fields)
    cfg = validate_cfg(manifest.credential_fields, cfg)
    if manifest.verifier is None:
        raise ValidationError(["verifier: the component has no verifyCredentials module"])
    manifest.verifier.verify(cfg)
