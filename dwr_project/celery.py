"""Celery wiring. With no CELERY_BROKER_URL the settings make every task run eagerly
in-process, so the quick start needs no Redis; with one, a worker does the work:
`celery -A dwr_project worker -B`. `-B` runs the beat inside the worker, which sends the
import sweep (CELERY_BEAT_SCHEDULE in settings) every IMPORT_SWEEP_SECONDS, so a small
deployment needs no cron and no separate beat process. Several workers may all run `-B`: the
sweep is idempotent."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dwr_project.settings")

app = Celery("dwr_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="dwr_project.health_ping")
def health_ping(value: int = 1) -> int:
    """Round-trip proof for /healthz and the CI worker test: returns value + 1."""
    return value + 1
