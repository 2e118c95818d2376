"""Where the component's files (component.json, schemas/, triggers/, actions/) live.

Three places, in order: ``AMAZON_MWS_COMPONENT_DIR`` (tests and custom deployments point it anywhere),
the checkout this package sits in (``lib/amazon_mws/../../component.json``, an editable install), and the
copy the wheel carries as ``amazon_mws/_component/`` (a plain ``pip install .``).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "AMAZON_MWS_COMPONENT_DIR"
MANIFEST = "component.json"

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # .../amazon_mws


def candidate_roots() -> list[Path]:
    """The places looked at, in order (for error messages and tests)."""
    roots = []
    env = os.environ.get(ENV_VAR)
    if env:
        roots.append(Path(env).expanduser().resolve())
    roots.append(_PACKAGE_DIR.parents[1])  # checkout: lib/amazon_mws -> repo root
    roots.append(_PACKAGE_DIR / "_component")
    return roots


def component_root() -> Path:
    """The folder holding component.json.

    An explicit ``AMAZON_MWS_COMPONENT_DIR`` that lacks component.json is an error rather than a silent
    fall-back: running against the wrong component would be worse than stopping.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        root = Path(env).expanduser().resolve()
        if not (root / MANIFEST).is_file():
            raise FileNotFoundError(f"{ENV_VAR}={env}: no {MANIFEST} there")
        return root
    for root in candidate_roots():
        if (root / MANIFEST).is_file():
            return root
    looked = ", ".join(str(r) for r in candidate_roots())
    raise FileNotFoundError(f"{MANIFEST} not found (looked in: {looked}); set {ENV_VAR}")
