"""``amazon-mws health worker|beat``: what docker-compose's healthchecks run, against a real worker and beat.

Redis DB 8 (own queue, prefix and redbeat keys).
"""

from __future__ import annotations

import re
import subprocess
import time

import pytest

from testsupport import AMAZON_MWS_BIN

pytestmark = pytest.mark.timeout(120)


def health(workers, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(AMAZON_MWS_BIN), "health", *args], env=workers.env, capture_output=True, text=True,
                          timeout=60)


def test_a_running_worker_answers_and_a_missing_one_is_named(workers_factory):
    workers = workers_factory(8)
    (n,) = workers.start(1)
    node = re.search(r"(\S+@\S+) ready\.", workers.logs[n].read_text()).group(1)
    ok = health(workers, "worker", "--destination", node)
    assert (ok.returncode, ok.stdout.strip()) == (0, f"worker {node}: ok"), ok.stderr
    missing = health(workers, "worker", "--destination", "celery@nobody-here", "--timeout", "1")
    assert missing.returncode == 1
    assert "worker celery@nobody-here: no answer to a ping within 1 s" in missing.stderr
    workers.kill(n)
    gone = health(workers, "worker", "--destination", node, "--timeout", "1")
    assert gone.returncode == 1 and f"worker {node}: no answer" in gone.stderr


def test_beat_is_healthy_while_one_holds_the_schedule_lock(workers_factory, tmp_path):
    workers = workers_factory(8)
    before = health(workers, "beat")
    assert before.returncode == 1 and "no beat holds the schedule lock" in before.stderr
    log = (tmp_path / "beat.log").open("w")
    beat = subprocess.Popen([str(AMAZON_MWS_BIN), "beat", "--max-interval", "0.5"], env=workers.env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 40
        while (done := health(workers, "beat")).returncode != 0:
            assert beat.poll() is None, (tmp_path / "beat.log").read_text()
            assert time.monotonic() < deadline, done.stderr
            time.sleep(0.5)
        assert done.stdout.strip() == "beat: ok (the schedule lock is held)"
    finally:
        beat.terminate()
        beat.wait(timeout=20)


def test_without_redis_the_worker_check_says_so(workers_factory):
    workers = workers_factory(8)
    workers.env.pop("REDIS_URL")
    done = health(workers, "worker")
    assert done.returncode == 1 and "REDIS_URL is not set" in done.stderr
