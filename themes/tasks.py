"""Celery tasks for documents made by workers: thin adapters over themes/documents.py."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from . import documents

logger = logging.getLogger(__name__)


@shared_task(
    name="themes.document_job_run",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 3},
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.DOCUMENT_SOFT_TIME_LIMIT,
    time_limit=settings.DOCUMENT_HARD_TIME_LIMIT,
)
def document_job_run(job_id: int) -> str | None:
    """Make one queued document; a redelivered message finds it claimed and does nothing."""
    job = documents.document_run(job_id=job_id)
    return job.status if job else None


@shared_task(name="themes.document_job_sweep", ignore_result=True)
def document_job_sweep() -> None:
    """Run by the worker's own beat: documents whose worker died, messages never sent."""
    swept = documents.document_sweep()
    if any(swept.values()):
        logger.warning("Document sweep: %s", swept)
