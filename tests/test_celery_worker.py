"""A task sent through a real broker to a real Celery worker (CI: Redis + this worker).

Runs when CELERY_BROKER_URL is set; with CELERY_WORKER_REQUIRED=1 (CI) a missing broker is a
failure, not a skip. The worker runs in a thread of this process (celery's own testing
worker), consuming from the real Redis broker, so it shares the test database settings.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from dwr_project.celery import app, health_ping

needs_broker = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL and not os.environ.get("CELERY_WORKER_REQUIRED"),
    reason="No CELERY_BROKER_URL: tasks run eagerly; the real-worker test runs in CI.",
)


@pytest.fixture(scope="session")
def celery_worker_thread():
    from celery.contrib.testing.worker import start_worker

    assert settings.CELERY_BROKER_URL, "CELERY_WORKER_REQUIRED is set but no broker is configured"
    assert not app.conf.task_always_eager
    with start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=20, loglevel="WARNING"
    ) as worker:
        yield worker


@needs_broker
@pytest.mark.celery_worker
def test_health_task_round_trips_through_a_real_worker(celery_worker_thread):
    result = health_ping.delay(41)
    assert result.get(timeout=30) == 42
