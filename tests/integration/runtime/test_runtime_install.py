"""A plain (non-editable) ``pip install .`` carries the component files and the CLI works from them.

The wheel is built from a copy of the checkout's packaging inputs into a fresh virtual environment;
dependencies are not downloaded again: the new environment sees this one's site-packages through a
``.pth`` line (which does not pull in this environment's editable hook), so the test runs offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(180)

REPO = Path(__file__).resolve().parents[3]
PACKAGING_INPUTS = [
    "pyproject.toml",
    "README.md",
    "component.json",
    "verifyCredentials.py",
    "lib",
    "schemas",
    "triggers",
    "actions",
]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("install")
    src = base / "src"
    src.mkdir()
    for name in PACKAGING_INPUTS:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif path.exists():
            shutil.copy2(path, src / name)
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    target_site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (target_site / "deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shutil.rmtree(src)  # nothing may still point at the sources
    return env_dir, target_site


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AMAZON_MWS_COMPONENT_DIR", "REDIS_URL", "PYTHONPATH")}
    env["AMAZON_MWS_STATE_PATH"] = str(tmp_path / "state.sqlite3")
    return env


def test_wheel_carries_the_component_files(installed):
    _, site = installed
    component = site / "amazon_mws" / "_component"
    assert (component / "component.json").is_file()
    manifest = json.loads((component / "component.json").read_text())
    assert manifest == json.loads((REPO / "component.json").read_text())
    assert (component / "verifyCredentials.py").is_file()
    for folder in ("schemas", "triggers", "actions"):
        assert (component / folder).is_dir(), folder
    assert not (site / "amazon_mws" / "__init__.py").is_symlink()
    assert (site / "amazon_mws" / "runtime" / "manifest.py").is_file()  # a real copy, not an editable hook


def test_component_root_is_the_installed_copy(installed, tmp_path):
    env_dir, site = installed
    out = subprocess.run(
        [
            env_dir / "bin" / "python",
            "-c",
            "import amazon_mws, amazon_mws.runtime.paths as p; print(amazon_mws.__file__); print(p.component_root())",
        ],
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    module_file, root = out.stdout.split()
    assert Path(module_file).is_relative_to(site)
    assert Path(root) == site / "amazon_mws" / "_component"


def test_metadata_works_from_the_installed_copy(installed, tmp_path):
    env_dir, site = installed
    manifest = json.loads((site / "amazon_mws" / "_component" / "component.json").read_text())
    steps = [*manifest.get("triggers", {}), *manifest.get("actions", {})]
    cfg = tmp_path / "cfg.json"
    cfg.write_text("{}")
    step = steps[0] if steps else "noSuchStep"
    proc = subprocess.run(
        [env_dir / "bin" / "amazon-mws", "metadata", step, "--config", cfg],
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    if steps:
        assert proc.returncode in (0, 1), proc.stderr  # 1: dynamic metadata that needs real credentials
        assert isinstance(json.loads(proc.stdout), dict)
    else:  # no steps yet: the manifest still loaded from the installed copy
        assert proc.returncode == 2 and "unknown step 'noSuchStep'; the component has: none" in proc.stderr
