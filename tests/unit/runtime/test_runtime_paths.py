"""Finding the component, and the real component's own credentials module."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from amazon_mws.runtime.paths import ENV_VAR, component_root

REPO = Path(__file__).resolve().parents[3]
FIXTURE = REPO / "tests" / "fixtures" / "component"


def test_env_var_wins(monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(FIXTURE))
    assert component_root() == FIXTURE.resolve()


def test_env_var_without_component_json_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=f"{ENV_VAR}=.*: no component.json there"):
        component_root()


def test_checkout_is_found_without_env(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert component_root() == REPO


def _real_verifier():
    spec = importlib.util.spec_from_file_location("real_verify_credentials", REPO / "verifyCredentials.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_real_marketplaces_come_from_the_endpoints_table():
    from amazon_mws.core.marketplaces import MARKETPLACES

    options = _real_verifier().marketplaces({})
    assert set(options) == set(MARKETPLACES)
    assert options["ATVPDKIKX0DER"] == "United States (amazon.com)"
    assert options["A1PA6795UKMFR9"] == "Germany (amazon.de)"


def test_the_marketplace_select_carries_its_values_inline():
    """elastic.io's credential screen calls no select model: the values are in component.json, and they
    are the endpoints table's (the verifier's model stays for designers that call it)."""
    manifest = json.loads((REPO / "component.json").read_text(encoding="utf-8"))
    model = manifest["credentials"]["fields"]["marketplaceId"]["model"]
    assert model == _real_verifier().marketplaces({})


def test_the_real_component_loads(monkeypatch):
    from amazon_mws.runtime.manifest import load_manifest

    monkeypatch.delenv(ENV_VAR, raising=False)
    manifest = load_manifest(reload=True)
    assert manifest.root == REPO
    assert callable(manifest.verifier.verify) and callable(manifest.verifier.marketplaces)
    for step in manifest.steps.values():
        assert callable(step.process), step.name
