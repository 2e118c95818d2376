"""The manifest loader: a good component loads; each kind of broken one fails naming file and JSON path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from amazon_mws.runtime.errors import ManifestError, UnknownStepError
from amazon_mws.runtime.manifest import import_file, load_manifest

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "component"


@pytest.fixture
def broken(tmp_path: Path):
    """A copy of the fixture component and a function to edit its component.json."""
    root = tmp_path / "component"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__"))

    def edit(change) -> Path:
        data = json.loads((root / "component.json").read_text())
        change(data)
        (root / "component.json").write_text(json.dumps(data))
        return root

    return root, edit


def faults_of(root: Path) -> str:
    with pytest.raises(ManifestError) as info:
        load_manifest(root, reload=True)
    return str(info.value)


def test_fixture_loads_with_every_step_checked():
    manifest = load_manifest(FIXTURE, reload=True)
    assert sorted(manifest.steps) == ["alwaysRebound", "alwaysReboundTrigger", "badOutput", "dynamic", "echoOrders",
                                     "explode", "flaky", "listThings"]
    assert manifest.step("listThings").kind == "trigger"
    assert manifest.step("echoOrders").kind == "action"
    assert callable(manifest.step("echoOrders").process)
    assert callable(manifest.verifier.verify)
    assert set(manifest.fields_for(manifest.step("listThings"))) >= {
        "sellerId",
        "secretKey",
        "status",
        "lazy",
    }


def test_load_is_cached_and_modules_import_once():
    first = load_manifest(FIXTURE)
    assert load_manifest(FIXTURE) is first
    path = FIXTURE / "actions" / "echoOrders.py"
    assert import_file(path) is first.step("echoOrders").module


def test_unknown_step_lists_the_known_ones():
    with pytest.raises(UnknownStepError, match=r"unknown step 'nope'; the component has: alwaysRebound, alw"):
        load_manifest(FIXTURE).step("nope")


def test_missing_main_file(broken):
    root, edit = broken
    edit(lambda d: d["actions"]["echoOrders"].update(main="./actions/nope.py"))
    assert "component.json: actions.echoOrders.main: ./actions/nope.py does not exist" in faults_of(root)


def test_main_without_process(broken):
    root, edit = broken
    (root / "actions" / "noProcess.py").write_text("def handle(ctx, msg, cfg, snapshot):\n    pass\n")
    edit(lambda d: d["actions"]["echoOrders"].update(main="./actions/noProcess.py"))
    assert "component.json: actions.echoOrders.main: ./actions/noProcess.py has no process() function" in faults_of(
        root
    )


def test_main_that_fails_to_import(broken):
    root, edit = broken
    (root / "actions" / "syntax.py").write_text("def process(:\n")
    edit(lambda d: d["actions"]["echoOrders"].update(main="./actions/syntax.py"))
    assert "actions.echoOrders.main: ./actions/syntax.py failed to import: SyntaxError" in faults_of(root)


def test_missing_schema_file(broken):
    root, edit = broken
    edit(lambda d: d["actions"]["echoOrders"]["metadata"].update({"in": "schemas/nope.json"}))
    assert "component.json: actions.echoOrders.metadata.in: schemas/nope.json does not exist" in faults_of(root)


def test_invalid_schema(broken):
    root, edit = broken
    (root / "schemas" / "bad.json").write_text(json.dumps({"type": "object", "properties": {"a": {"type": 12}}}))
    edit(lambda d: d["actions"]["echoOrders"]["metadata"].update(out="schemas/bad.json"))
    text = faults_of(root)
    assert "component.json: actions.echoOrders.metadata.out: schemas/bad.json is not a valid draft-03 schema" in text
    assert "properties.a.type" in text


def test_schema_that_is_not_json(broken):
    root, edit = broken
    (root / "schemas" / "broken.json").write_text("{nope")
    edit(lambda d: d["actions"]["echoOrders"]["metadata"].update(out="schemas/broken.json"))
    text = faults_of(root)
    assert "actions.echoOrders.metadata.out: schemas/broken.json is not valid JSON" in text
    assert "schemas/broken.json: not valid JSON" in text  # the registry load names the file too


def test_missing_model_function(broken):
    root, edit = broken
    edit(lambda d: d["triggers"]["listThings"]["fields"]["kinds"].update(model="nope"))
    assert (
        "component.json: triggers.listThings.fields.kinds.model: nope() is not defined in ./triggers/listThings.py"
    ) in faults_of(root)


def test_missing_credentials_model_function(broken):
    root, edit = broken
    edit(lambda d: d["credentials"]["fields"]["marketplaceId"].update(model="regions"))
    assert (
        "component.json: credentials.fields.marketplaceId.model: regions() is not defined in the verifier "
        "(./verifyCredentials.py)"
    ) in faults_of(root)


def test_verifier_without_verify(broken):
    root, _ = broken
    (root / "verifyCredentials.py").write_text("def marketplaces(cfg):\n    return {}\n")
    assert "component.json: verifier: ./verifyCredentials.py has no verify() function" in faults_of(root)


def test_dynamic_metadata_needs_get_meta_model(broken):
    root, edit = broken
    edit(lambda d: d["actions"]["echoOrders"].update(dynamicMetadata=True))
    assert "actions.echoOrders.main: ./actions/echoOrders.py has no get_meta_model() function" in faults_of(root)


def test_trigger_must_be_polling(broken):
    root, edit = broken
    edit(lambda d: d["triggers"]["listThings"].update(type="webhook"))
    assert 'component.json: triggers.listThings.type: must be "polling"' in faults_of(root)


def test_every_fault_is_reported_at_once(broken):
    root, edit = broken

    def change(d):
        d["actions"]["echoOrders"].update(main="./actions/nope.py")
        d["actions"]["flaky"]["metadata"].update({"in": "schemas/missing.json"})

    edit(change)
    lines = faults_of(root).splitlines()
    assert len(lines) == 2
    assert all(line.startswith("component.json: ") for line in lines)


def test_component_json_not_json(tmp_path: Path):
    (tmp_path / "component.json").write_text("{")
    with pytest.raises(ManifestError, match=r"component.json: not valid JSON"):
        load_manifest(tmp_path)


def test_one_step_is_loaded_and_checked_alone(broken):
    """What `amazon-mws run STEP` loads: STEP's module and schemas checked, the other steps only as JSON."""
    import sys

    root, edit = broken
    (root / "actions" / "syntax.py").write_text("def process(:\n")
    (root / "triggers" / "counted.py").write_text("import sys\nsys.modules['counted_was_imported'] = sys\n"
                                                  "def process(ctx, msg, cfg, snapshot):\n    pass\n")

    def change(d):
        d["actions"]["flaky"].update(main="./actions/syntax.py")  # broken, but not the step being run
        d["actions"]["flaky"]["metadata"].update({"in": "schemas/missing.json"})
        d["triggers"]["listThings"].update(main="./triggers/counted.py")
        d["actions"]["echoOrders"]["fields"]["apiPassword"] = {"label": "Password", "viewClass": "PasswordFieldView"}

    edit(change)
    sys.modules.pop("counted_was_imported", None)
    manifest = load_manifest(root, reload=True, only="echoOrders")
    assert list(manifest.steps) == ["echoOrders"] and callable(manifest.step("echoOrders").process)
    assert "counted_was_imported" not in sys.modules  # no other step's code was imported
    assert "apiPassword" in manifest.secret_names and "status" in manifest.config_keys  # every step's fields
    with pytest.raises(UnknownStepError, match="step 'listThings' was not loaded"):
        manifest.step("listThings")
    with pytest.raises(UnknownStepError, match="unknown step 'nope'; the component has: alwaysRebound"):
        manifest.step("nope")
    # the step run is checked as deeply as ever, and the whole manifest still refuses the broken step
    with pytest.raises(ManifestError, match=r"actions\.flaky\.main: \./actions/syntax\.py failed to import"):
        load_manifest(root, reload=True, only="flaky")
    assert "actions.flaky.metadata.in: schemas/missing.json does not exist" in faults_of(root)
    edit(lambda d: d["actions"]["echoOrders"]["metadata"].update({"in": "schemas/missing.json"}))
    with pytest.raises(ManifestError, match="actions.echoOrders.metadata.in: schemas/missing.json does not exist"):
        load_manifest(root, reload=True, only="echoOrders")


def test_a_run_loads_only_its_step(broken, monkeypatch):
    from amazon_mws.runtime.commands import UsageError, _load

    root, edit = broken
    edit(lambda d: d["actions"]["flaky"].update(main="./actions/nope.py"))
    monkeypatch.setenv("AMAZON_MWS_COMPONENT_DIR", str(root))
    assert list(_load("run", "echoOrders").steps) == ["echoOrders"]
    with pytest.raises(UsageError, match="actions.flaky.main: ./actions/nope.py does not exist"):
        _load("run", "flaky")
    with pytest.raises(UsageError, match="actions.flaky.main"):
        _load("verify")  # the other commands load it whole


def test_one_step_still_has_the_verifier(broken):
    """The verifier's offline credentials check runs before every step, so a manifest for one step loads
    it and checks the credentials' models as ever."""
    root, edit = broken
    assert callable(load_manifest(root, reload=True, only="echoOrders").verifier.verify)
    edit(lambda d: d["credentials"]["fields"]["marketplaceId"].update(model="regions"))
    with pytest.raises(ManifestError, match=r"credentials\.fields\.marketplaceId\.model: regions\(\) is not defined"):
        load_manifest(root, reload=True, only="echoOrders")
