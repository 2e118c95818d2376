"""A step's config, checked whole before the step runs: unknown keys with a did-you-mean, every layer's
problems in one answer, each field named once; SP-API keys without `backend` told to set it."""

from __future__ import annotations

from pathlib import Path

import pytest

from amazon_mws.backends import credential_problems
from amazon_mws.core.config import ConfigProblems, config_strings
from amazon_mws.runtime.executor import run_step
from amazon_mws.runtime.manifest import load_manifest
from amazon_mws.runtime.step_config import check_step_config
from amazon_mws.runtime.validation import unknown_fields

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "component"
MWS = {"sellerId": "A1SELLER", "accessKeyId": "AKIAEXAMPLE", "secretKey": "s3cr3t-key-for-tests",
       "marketplaceId": "ATVPDKIKX0DER"}
SP = {"lwaClientId": "amzn1.application-oa2-client.x", "lwaClientSecret": "lwa-secret-for-tests",
      "refreshToken": "Atzr|refresh-for-tests", "marketplaceId": "ATVPDKIKX0DER", "sellerId": "A1SELLER"}


@pytest.fixture(scope="module")
def component():
    return load_manifest()


def problems(manifest, step, cfg, **kwargs) -> list[str]:
    return check_step_config(manifest, manifest.step(step), cfg, **kwargs)[1]


def test_an_unknown_key_names_the_nearest_field_case_blind():
    known = {"maxResultsPerPage", "emitBehaviour", "marketplaceId", "sellerId"}
    keys = ["maxResultPerPage", "emitBehavior", "MarketplaceID", "sellerId", "colour"]
    assert unknown_fields(keys, known) == [
        "cfg.maxResultPerPage: unknown field (did you mean maxResultsPerPage?)",
        "cfg.emitBehavior: unknown field (did you mean emitBehaviour?)",
        "cfg.MarketplaceID: unknown field (did you mean marketplaceId?)",
        "cfg.colour: unknown field",  # nothing close: no guess
    ]


def test_a_field_of_another_step_is_no_typo(component):
    cfg = {**MWS, "orderStatus": ["Shipped"], "operation": "Update", "shipVia": "feed"}
    assert problems(component, "getNewAndUpdatedOrders", cfg) == []


def test_every_layer_answers_at_once_each_field_named_once(component):
    cfg = {"sellerId": "A1", "accessKeyId": "AKIA", "orderStatus": ["Shipped"], "emitBehavior": "page",
           "maxResultsPerPage": "0", "startTime": "2026-02-01T00:00:00Z", "endTime": "2026-01-01T00:00:00Z"}
    assert problems(component, "getNewAndUpdatedOrders", cfg) == [
        "cfg.marketplaceId: is required",  # the manifest's rule; the credentials' same complaint is not repeated
        "cfg.emitBehavior: unknown field (did you mean emitBehaviour?)",
        "cfg.secretKey: is required",  # the credentials, offline
        "cfg.endTime: must be after cfg.startTime",  # the trigger's own rules
        "cfg.maxResultsPerPage: 0 is not between 1 and 100",
    ]


def test_sp_api_keys_without_backend_are_told_to_set_it_not_that_mws_keys_are_missing(component):
    assert credential_problems(SP) == [
        'backend: these look like SP-API credentials (lwaClientId, lwaClientSecret, refreshToken): '
        'set "backend": "sp-api"'
    ]
    assert credential_problems({**SP, "backend": "sp-api"}) == []
    mws_on_sp = {**MWS, "backend": "sp-api"}
    assert credential_problems(mws_on_sp) == [
        'backend: these look like MWS credentials (accessKeyId, secretKey): set "backend": "mws" (or leave it out)'
    ]
    both = {**SP, "accessKeyId": "AKIA"}  # some of each: the missing ones are named as ever
    assert credential_problems(both) == ["secretKey: is required"]
    assert problems(component, "getOrder", SP) == [
        'cfg.backend: these look like SP-API credentials (lwaClientId, lwaClientSecret, refreshToken): '
        'set "backend": "sp-api"'
    ]


def test_config_strings_names_every_bad_key():
    with pytest.raises(ConfigProblems) as caught:
        config_strings({"a": " ", "c": 7}, required=[("a", "a"), ("b", "b")], optional=[("c", "c")])
    assert caught.value.problems == ["a: is required", "b: is required", "c: must be a string"]
    assert str(caught.value) == "a: is required; b: is required; c: must be a string"


def test_a_partial_config_is_held_to_the_keys_it_has(component):
    cfg = {"emitBehaviour": "sometimes", "maxResultPerPage": 5}
    assert problems(component, "getNewAndUpdatedOrders", cfg, prefix="flow.steps[0].config", partial=True) == [
        "flow.steps[0].config.emitBehaviour: 'sometimes' is not one of ['all', 'page', 'order']",
        "flow.steps[0].config.maxResultPerPage: unknown field (did you mean maxResultsPerPage?)",
    ]  # orderStatus and the credentials may come from the flow's credentials file: not required here


def test_run_step_reports_config_and_body_problems_together_and_never_runs_the_step():
    manifest = load_manifest(FIXTURE)
    cfg = {"sellerId": "A1", "marketplaceId": "ATVPDKIKX0DER", "chanel": "AFN"}
    result = run_step("echoOrders", cfg, {"amazonOrderIds": ["12"]}, manifest=manifest)
    assert result.config_refused and not result.data
    assert result.errors == [{"type": "ValidationError", "message": (
        "cfg.secretKey: is required; cfg.chanel: unknown field (did you mean channel?); "
        r"body.amazonOrderIds[0]: '12' does not match '^\d{3}-\d{7}-\d{7}$'")}]
    good = {"sellerId": "A1", "marketplaceId": "ATVPDKIKX0DER", "secretKey": "k", "channel": "AFN"}
    body_only = run_step("echoOrders", good, {"amazonOrderIds": ["12"]}, manifest=manifest)
    assert body_only.errors and not body_only.config_refused  # a bad message is not a bad config
