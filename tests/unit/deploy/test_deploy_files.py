"""The Docker files, read as an operator's tools would (no Docker daemon here): every long-running service has
a health check that is a real command of ours, nothing is published beyond this machine, Flower is behind
basic auth, and the image runs as a numeric non-root user with a home it can write."""

from __future__ import annotations

import re

import yaml

from amazon_mws.cli import build_parser
from testsupport import REPO_ROOT

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text()
SERVICES = COMPOSE["services"]


def test_workers_beat_and_serve_check_their_own_health_with_our_command():
    for name in ("worker", "beat", "serve"):
        check = SERVICES[name]["healthcheck"]["test"]
        assert check[:4] == ["CMD", "amazon-mws", "health", name], (name, check)
        args = build_parser().parse_args(check[2:])  # the command and its options exist
        assert args.command == "health" and args.what == name
    serve_args = build_parser().parse_args(SERVICES["serve"]["command"][1:])
    assert serve_args.command == "serve" and str(serve_args.port) in SERVICES["serve"]["healthcheck"]["test"][-1]


def test_nothing_is_published_beyond_this_machine():
    published = [(name, port) for name, service in SERVICES.items() for port in service.get("ports", [])]
    assert published, "the test would check nothing"
    for name, port in published:
        assert str(port).startswith("127.0.0.1:"), (name, port)


def test_flower_is_in_the_image_and_refuses_to_start_without_basic_auth():
    flower = SERVICES["flower"]
    script = flower["command"][-1]
    assert re.search(r'test -n "\$\$FLOWER_BASIC_AUTH" \|\| \{.*exit 2; \}', script)
    assert '--basic-auth="$$FLOWER_BASIC_AUTH"' in script
    assert "pip install '.[flower]'" in DOCKERFILE
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    assert re.search(r'^flower = \[\n  "flower>=2",\n\]$', pyproject, flags=re.M)  # the extra the image installs


def test_every_process_on_redis_gets_the_same_secrets_key():
    shared = COMPOSE["x-env"]
    assert "AMAZON_MWS_SECRETS_KEY" in shared
    for name, service in SERVICES.items():
        if name != "redis":
            assert service["environment"]["AMAZON_MWS_SECRETS_KEY"] == shared["AMAZON_MWS_SECRETS_KEY"], name


def test_the_image_runs_as_a_numeric_user_with_a_writable_home():
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, flags=re.M)
    assert users == ["10001:10001"]
    assert re.search(r"useradd .*--uid 10001 .*--create-home --home-dir /home/app", DOCKERFILE)
    assert re.search(r"^ENV HOME=/home/app$", DOCKERFILE, flags=re.M)
    assert DOCKERFILE.index("USER 10001:10001") > DOCKERFILE.index("pip install")  # installed as root, run as not
