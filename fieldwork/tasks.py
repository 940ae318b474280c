"""Celery tasks: thin adapters. Ids in; the service loads the job and reads the upload through
the storage API, so a worker on another host works exactly like the eager path."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    name="fieldwork.import_job_run",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 3},
)
def import_job_run(job_id: int) -> str | None:
    """Import one queued job. A redelivered message finds the job already claimed and does
    nothing (the service claims it with a conditional UPDATE)."""
    job = services.import_job_run(job_id=job_id)
    return job.status if job else None
