"""What every background job row shares: the lease a worker holds it by, the heartbeat that
renews it, and handing a job to the broker after the transaction that made it commits.

Transcript imports (`fieldwork.ImportJob`) and generated documents (`themes.DocumentJob`)
both run this way: a worker claims a queued row with a conditional UPDATE, holds it by a
lease its heartbeat renews, and finishes only the run it claimed (`attempts` is the fencing
token). A worker that dies stops renewing; its app's sweep takes the job back.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def lease_end(now: datetime.datetime | None = None) -> datetime.datetime:
    """When a lease taken or renewed at `now` runs out."""
    return (now or timezone.now()) + datetime.timedelta(seconds=settings.IMPORT_LEASE_SECONDS)


class Heartbeat:
    """Calls `renew` every third of IMPORT_LEASE_SECONDS from a thread of its own, with its
    own database connection: a job writes in long transactions, and a renewal made inside
    one would stay invisible to the sweep until the end. The thread dies with the worker
    process, so a killed worker's lease simply runs out. `renew` returns False once the job
    is no longer this run's, which stops the beat."""

    def __init__(self, name: str, renew: Callable[[], bool]) -> None:
        self._name, self._renew = name, renew
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"{name}-lease", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        from django.db import connection

        interval, used = settings.IMPORT_LEASE_SECONDS / 3, False
        try:
            while not self._stop.wait(interval):
                used = True
                try:
                    if not self._renew():
                        return
                except Exception:  # noqa: BLE001 - a missed beat is retried; the run goes on
                    logger.warning("Could not renew the lease of %s", self._name)
        finally:
            if used:
                connection.close()  # this thread's own connection


def publish(task, job_id: int, mark_sent: Callable[[], object], what: str) -> bool:
    """Send `task(job_id)` to the broker. A broker that cannot be reached does not fail the
    caller (the job row is already saved): the job stays queued, unmarked, and the app's
    sweep sends it when the broker is back. `mark_sent` records that the message went out.
    Returns whether it did."""
    from kombu.exceptions import OperationalError as BrokerUnavailable

    try:
        task.apply_async((job_id,))
    except (BrokerUnavailable, OSError):
        logger.warning("%s %s stays queued: the broker is unreachable", what, job_id)
        return False
    mark_sent()
    return True


def publish_on_commit(send: Callable[[], object]) -> None:
    """Run `send` once the current transaction commits (at once outside one)."""
    transaction.on_commit(send)
