"""Celery tasks: thin adapters. Ids in; the service loads the job and reads the upload through
the storage API, so a worker on another host works exactly like the eager path."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from . import services

logger = logging.getLogger(__name__)


@shared_task(
    name="fieldwork.import_job_run",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 3},
    # Nobody waits for a result; without one the upload does not touch the result backend.
    ignore_result=True,
    # The message is acknowledged after the run, and put back if the worker process dies;
    # the job's own lease and the sweep cover a worker whose whole host died.
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.IMPORT_SOFT_TIME_LIMIT,
    time_limit=settings.IMPORT_HARD_TIME_LIMIT,
)
def import_job_run(job_id: int) -> str | None:
    """Import one queued job. A redelivered message finds the job already claimed and does
    nothing (the service claims it with a conditional UPDATE)."""
    job = services.import_job_run(job_id=job_id)
    return job.status if job else None


@shared_task(name="fieldwork.import_job_sweep", ignore_result=True)
def import_job_sweep() -> None:
    """Run by the worker's own beat (`celery -A dwr_project worker -B`, CELERY_BEAT_SCHEDULE):
    takes back jobs whose worker died and sends jobs the broker never got."""
    sweep = services.import_job_sweep()
    if sweep.requeued or sweep.failed or sweep.sent:
        logger.warning(
            "Import sweep: requeued %s, failed %s, sent %s",
            sweep.requeued,
            sweep.failed,
            sweep.sent,
        )
