"""`amazon-mws --version`: the installed package's version, for a bug report."""

from __future__ import annotations

from importlib.metadata import version


def test_version_prints_the_installed_version(cli) -> None:
    done = cli("--version", timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"amazon-mws {version('amazon-mws-component')}"
