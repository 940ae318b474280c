"""Tasks sent through a real broker to a real Celery worker (CI: Redis + this worker).

Runs when CELERY_BROKER_URL is set; with CELERY_WORKER_REQUIRED=1 (CI) a missing broker is a
failure, not a skip. The worker runs in a thread of this process (Celery's own testing
worker) and consumes from the real Redis broker, so it shares the test database settings;
tests that touch the database are transactional so the worker's connection sees their rows.
"""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings

from dwr_project.celery import app, health_ping

needs_broker = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL and not os.environ.get("CELERY_WORKER_REQUIRED"),
    reason="No CELERY_BROKER_URL: tasks run eagerly; the real-worker tests run in CI.",
)
pytestmark = [needs_broker, pytest.mark.celery_worker]


@pytest.fixture(scope="module")
def celery_worker_thread():
    from celery.contrib.testing.worker import start_worker

    assert settings.CELERY_BROKER_URL, "CELERY_WORKER_REQUIRED is set but no broker is configured"
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=20, loglevel="WARNING"
    ) as worker:
        yield worker
    app.conf.task_always_eager = previous


def test_health_task_round_trips_through_a_real_worker(celery_worker_thread):
    result = health_ping.delay(41)
    assert result.get(timeout=30) == 42


@pytest.mark.django_db(transaction=True)
def test_a_transcript_import_is_done_by_the_real_worker(
    celery_worker_thread, site_a, researcher, tmp_path, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fieldwork import services
    from fieldwork.models import ImportStatus

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    text = (
        "Interviewer: Who do you ring when a case is stuck?\n\n"
        "Helen: The family support worker, she knows everyone at the school.\n\n"
        "Interviewer: And the referral form?\n\n"
        "Helen: Strictly we shouldn't, but we ring first and fill it in after.\n"
    )
    job = services.import_job_create(
        site=site_a,
        actor=researcher,
        file=SimpleUploadedFile("helen.txt", text.encode("utf-8"), "text/plain"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
            break
        time.sleep(0.2)
    assert job.status == ImportStatus.SUCCEEDED, job.error
    assert job.source.segments.count() == 4
    assert set(job.source.segments.values_list("speaker", flat=True)) == {"Interviewer", "Helen"}


@pytest.mark.django_db(transaction=True)
def test_a_workshop_pack_is_made_by_the_real_worker(
    celery_worker_thread, site_a, facilitator, tmp_path, settings
):
    """The document job machinery end to end: asked for in a transaction, sent after it
    commits, claimed and built by the worker, the PDF written to private storage."""
    from django.db import transaction

    from tests.factories import WorkshopFactory, WorkshopSeriesFactory
    from themes import documents
    from themes.models import DocumentJob, DocumentStatus

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    workshop = WorkshopFactory(series=WorkshopSeriesFactory(site=site_a))
    with transaction.atomic():
        job = documents.document_request(
            user=facilitator,
            kind="workshop_pack",
            params={"workshop": workshop.pk, "fmt": "pdf"},
            title="Pack",
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = DocumentJob.objects.get(pk=job.pk)
        if job.status in (DocumentStatus.SUCCEEDED, DocumentStatus.FAILED):
            break
        time.sleep(0.2)
    assert job.status == DocumentStatus.SUCCEEDED, job.error
    assert job.enqueued_at is not None and job.attempts == 1 and job.page_count
    with job.open_file() as handle:
        assert handle.read(4) == b"%PDF"
