"""Integration: a real Celery worker and the real Redis broker generate returns for several schools.

The Celery app is pointed at Redis (broker and result backend) for this test only, on a queue
of its own so no other worker picks its tasks up, and restored afterwards. Without Redis the
test is skipped locally and fails under CI=true.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult

from config.celery import app
from funding.returns import tasks
from funding.returns.models import MonthlyReturn, ReturnGeneration, ReturnLine
from tests import factories
from tests.funding.returns.conftest import MAY, add_pupil

REDIS_URL = os.environ.get("RETURNS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CONF_KEYS = (
    "broker_url",
    "result_backend",
    "task_always_eager",
    "task_default_queue",
    "result_expires",
    "worker_hijack_root_logger",
)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _reset_connections() -> None:
    """Drop the app's cached broker pools, routing and result backend (they read the conf)."""
    app._pool = None
    app.__dict__.pop("amqp", None)
    app._backend_cache = None
    if hasattr(app._local, "backend"):
        del app._local.backend


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {REDIS_URL}: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return client


@pytest.fixture
def redis_worker():
    client = _redis_or_skip()
    queue = f"returns-test-{uuid.uuid4().hex[:12]}"
    saved = {key: app.conf[key] for key in CONF_KEYS}
    app.conf.update(
        broker_url=REDIS_URL,
        result_backend=REDIS_URL,
        task_always_eager=False,
        task_default_queue=queue,
        result_expires=300,
        worker_hijack_root_logger=False,
    )
    _reset_connections()
    try:
        with start_worker(
            app,
            pool="threads",
            concurrency=3,
            queues=[queue],
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=30,
        ) as worker:
            yield worker
    finally:
        app.conf.update(saved)
        _reset_connections()
        client.delete(queue, f"_kombu.binding.{queue}")


def _wait_for(generation_id: int, timeout: float = 60) -> ReturnGeneration:
    deadline = time.monotonic() + timeout
    generation = ReturnGeneration.objects.get(pk=generation_id)
    while not generation.is_finished and time.monotonic() < deadline:
        time.sleep(0.2)
        generation.refresh_from_db()
    return generation


def test_real_worker_generates_returns_for_several_schools_through_redis(redis_worker, home_la):
    schools = [factories.SchoolFactory(la=home_la, name=f"School {n}") for n in range(5)]
    for n, school in enumerate(schools):
        for p in range(n + 1):
            add_pupil(school, family_name=f"Pupil{n}{p}")

    result = tasks.generate_returns_for_month.delay(MAY.isoformat())
    assert not isinstance(result, EagerResult)  # queued on Redis, run by the worker
    generation = _wait_for(result.get(timeout=30))

    assert generation.is_finished
    assert (generation.schools, generation.created, generation.failed) == (5, 5, 0)
    assert MonthlyReturn.objects.filter(month=MAY).count() == 5
    # 1 + 2 + 3 + 4 + 5 pupils
    assert ReturnLine.objects.count() == 15
    assert set(generation.timings) == {"service", "latency"}

    again = _wait_for(tasks.generate_returns_for_month.delay(MAY.isoformat()).get(timeout=30))

    assert (again.created, again.rebuilt, again.left_alone, again.failed) == (0, 5, 0, 0)
    assert ReturnLine.objects.count() == 15
