"""Documents made by workers: the registry of kinds and the job's services.

A kind says who may ask for it and what it covers (`allowed`, `site_ids`) and builds the file
(`build(job, progress)`), going through the same selectors and the one consent exclusion as
the pages, at the moment it runs. Apps to the right register their kinds from `ready()`
(workshops: packs and the cross-site report), so the dependency direction holds:

    documents.register(documents.Kind(name="workshop_pack", label=..., build=..., ...))

Every request, run, download, regeneration and deletion is in the audit record.
"""

from __future__ import annotations

import datetime
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone

from fieldwork import jobs
from sites.access import ApplicationError, site_roles
from sites.models import is_project_lead
from sites.services import audit_record

from .models import DocumentJob, DocumentStatus

logger = logging.getLogger(__name__)

Progress = Callable[[str, int], None]


@dataclass
class Built:
    content: bytes
    filename: str
    content_type: str
    page_count: int | None = None
    participant_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    build: Callable[[DocumentJob, Progress], Built]
    # Who may ask for it, given the params (the view also checks its own page's access).
    allowed: Callable[[object, dict], bool]
    # Every site whose data it holds, given the params and the person asking.
    site_ids: Callable[[object, dict], list[int]]


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    KINDS[kind.name] = kind


class DocumentFailure(Exception):
    """A document cannot be made; the message is shown to its owner as it is."""


# --- who may see a document --------------------------------------------------------------


def may_download(user, job: DocumentJob) -> bool:
    """Its owner, while they may still see every site whose data it holds."""
    if job.created_by_id != getattr(user, "pk", None):
        return False
    if is_project_lead(user):
        return True
    return set(job.site_ids) <= set(site_roles(user))


def get_document_for_user(user, pk: int) -> DocumentJob:
    job = DocumentJob.objects.filter(pk=pk).first()
    if job is None or not may_download(user, job):
        raise Http404("No such document.")
    return job


# --- requests --------------------------------------------------------------------------------


def _enqueue(job_id: int) -> None:
    from .tasks import document_job_run

    def send() -> None:
        jobs.publish(
            document_job_run,
            job_id,
            lambda: DocumentJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now()),
            "Document job",
        )

    jobs.publish_on_commit(send)


def document_request(*, user, kind: str, params: dict, title: str) -> DocumentJob:
    """Queue a document of `kind` for `user`; the worker makes it (at once on the embedded
    default, after the request's transaction commits)."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ApplicationError(f"There is no document of the kind {kind!r}.")
    if not spec.allowed(user, params):
        raise PermissionDenied("Your role does not allow making this document.")
    with transaction.atomic():
        job = DocumentJob.objects.create(
            kind=kind,
            params=params,
            title=title[:300],
            created_by=user,
            site_ids=sorted(set(spec.site_ids(user, params))),
        )
        audit_record(actor=user, verb="document.request", obj=job, changes={"kind": kind, **params})
        _enqueue(job.pk)
    return job


def document_regenerate(*, job: DocumentJob, actor) -> DocumentJob:
    """Make a document again (a failed one, a withdrawn one, or a fresh copy of a ready one),
    with consent as it is now."""
    if job.is_active and not job.is_stale:
        raise ApplicationError("This document is still being made.")
    spec = KINDS.get(job.kind)
    if spec is None or not spec.allowed(actor, job.params):
        raise PermissionDenied("Your role no longer allows making this document.")
    old = job.file.name
    with transaction.atomic():
        updated = (
            DocumentJob.objects.filter(pk=job.pk, attempts=job.attempts)
            .exclude(status=DocumentStatus.QUEUED)
            .update(
                status=DocumentStatus.QUEUED,
                progress=0,
                step="",
                error="",
                file="",
                size=0,
                page_count=None,
                participants="",
                started_at=None,
                finished_at=None,
                enqueued_at=None,
                lease_expires_at=None,
                site_ids=sorted(set(spec.site_ids(actor, job.params))),
            )
        )
        if not updated:
            raise ApplicationError("This document has already been restarted.")
        audit_record(actor=actor, verb="document.regenerate", obj=job)
        if old:
            _delete_file_on_commit(old)
        _enqueue(job.pk)
    job.refresh_from_db()
    return job


def document_delete(*, job: DocumentJob, actor) -> None:
    name = job.file.name
    with transaction.atomic():
        audit_record(actor=actor, verb="document.delete", obj=job, changes={"title": job.title})
        job.delete()
        if name:
            _delete_file_on_commit(name)


def document_downloaded(*, job: DocumentJob, actor) -> None:
    audit_record(actor=actor, verb="document.download", obj=job, changes={"title": job.title})


def _delete_file_on_commit(name: str) -> None:
    from fieldwork.models import private_storage

    storage = private_storage()
    transaction.on_commit(lambda: storage.delete(name))


# --- consent ---------------------------------------------------------------------------------


def documents_withdraw_for(*, participant_id: int, actor=None) -> int:
    """A participant withdrew: every made document that quotes them is marked withdrawn and
    its file deleted (it can be made again, without their words). Returns how many."""
    affected = list(
        DocumentJob.objects.filter(
            status=DocumentStatus.SUCCEEDED, participants__contains=f",{participant_id},"
        )
    )
    for job in affected:
        name = job.file.name
        if DocumentJob.objects.filter(pk=job.pk, status=DocumentStatus.SUCCEEDED).update(
            status=DocumentStatus.WITHDRAWN,
            file="",
            size=0,
            step="",
            error=(
                "A participant whose words this document quoted has withdrawn consent, so "
                "the file was deleted. Make it again to get a copy without their words."
            ),
        ):
            audit_record(
                actor=actor,
                verb="document.withdraw",
                obj=job,
                changes={"participant": participant_id, "title": job.title},
            )
            if name:
                _delete_file_on_commit(name)
    return len(affected)


# --- the run ---------------------------------------------------------------------------------


def _renew(job_id: int, attempt: int) -> bool:
    return bool(
        DocumentJob.objects.filter(
            pk=job_id, status=DocumentStatus.RUNNING, attempts=attempt
        ).update(lease_expires_at=jobs.lease_end())
    )


class _Reporter:
    """The progress callback a builder gets: writes step and percentage outside any
    transaction, at most every half second (and always the first and the last)."""

    def __init__(self, job: DocumentJob) -> None:
        self.job, self.last = job, 0.0

    def __call__(self, step: str, percent: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.5 and percent < 100:
            return
        self.last = now
        DocumentJob.objects.filter(
            pk=self.job.pk, status=DocumentStatus.RUNNING, attempts=self.job.attempts
        ).update(step=step[:200], progress=max(1, min(99, int(percent))))


def document_run(*, job_id: int) -> DocumentJob | None:
    """Claim a queued document and make it. Returns None if it was not queued (claimed by
    another worker, or a redelivered message): running it twice does nothing."""
    from celery.exceptions import SoftTimeLimitExceeded

    now = timezone.now()
    claimed = DocumentJob.objects.filter(pk=job_id, status=DocumentStatus.QUEUED).update(
        status=DocumentStatus.RUNNING,
        started_at=now,
        finished_at=None,
        progress=1,
        step="Starting",
        attempts=F("attempts") + 1,
        error="",
        lease_expires_at=jobs.lease_end(now),
    )
    if not claimed:
        return None
    job = DocumentJob.objects.select_related("created_by").get(pk=job_id)
    held = DocumentJob.objects.filter(
        pk=job.pk, status=DocumentStatus.RUNNING, attempts=job.attempts
    )
    attempt = job.attempts
    with jobs.Heartbeat(f"document-job-{job_id}", lambda: _renew(job_id, attempt)):
        try:
            spec = KINDS.get(job.kind)
            if spec is None:
                raise DocumentFailure(f"Documents of the kind {job.kind!r} can no longer be made.")
            if not spec.allowed(job.created_by, job.params):
                raise DocumentFailure(
                    "Your role no longer allows making this document, so it was not made."
                )
            built = spec.build(job, _Reporter(job))
            from fieldwork.models import private_storage

            _, ext = os.path.splitext(built.filename)
            name = private_storage().save(
                f"documents/{uuid.uuid4().hex}{ext.lower()[:10]}", ContentFile(built.content)
            )
            participants = "".join(f",{p}" for p in sorted(built.participant_ids))
            finished = held.update(
                status=DocumentStatus.SUCCEEDED,
                progress=100,
                step="Ready",
                file=name,
                filename=built.filename[:255],
                content_type=built.content_type[:120],
                size=len(built.content),
                page_count=built.page_count,
                participants=f"{participants}," if participants else "",
                finished_at=timezone.now(),
                lease_expires_at=None,
            )
            if not finished:
                private_storage().delete(name)
                logger.warning("Document job %s was taken back from this run", job_id)
            else:
                audit_record(
                    actor=job.created_by,
                    verb="document.make",
                    obj=job,
                    changes={"kind": job.kind, "size": len(built.content)},
                )
        except DocumentFailure as exc:
            _fail(held, str(exc))
        except SoftTimeLimitExceeded:
            _fail(
                held,
                f"Making this document took longer than {settings.DOCUMENT_SOFT_TIME_LIMIT // 60} "
                "minutes and was stopped. Narrow the selection and try again.",
            )
        except Exception:
            logger.exception("Document job %s failed unexpectedly", job_id)
            _fail(
                held,
                "Something unexpected went wrong while making this document. Try again; if it "
                f"fails again, tell the project lead (document {job_id}).",
            )
    job.refresh_from_db()
    return job


def _fail(held, message: str) -> None:
    held.update(
        status=DocumentStatus.FAILED,
        error=message,
        step="",
        finished_at=timezone.now(),
        lease_expires_at=None,
    )


def document_sweep(*, now: datetime.datetime | None = None) -> dict[str, list[int]]:
    """Take back documents whose worker died (lease ran out) and send queued ones the broker
    never got; run by the worker's beat with the import sweep. Conditional UPDATEs only."""
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.IMPORT_LEASE_SECONDS)
    expired = DocumentJob.objects.filter(status=DocumentStatus.RUNNING).filter(
        Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True, started_at__lt=now - lease)
    )
    requeued, failed = [], []
    for job in expired:
        held = DocumentJob.objects.filter(
            pk=job.pk, status=DocumentStatus.RUNNING, attempts=job.attempts
        )
        if job.attempts >= settings.IMPORT_MAX_ATTEMPTS:
            if held.update(
                status=DocumentStatus.FAILED,
                error=(
                    f"Making this document was interrupted {job.attempts} times (the server "
                    "making it stopped). Try again; if it stops again, narrow the selection or "
                    f"tell the project lead (document {job.pk})."
                ),
                finished_at=now,
                lease_expires_at=None,
            ):
                failed.append(job.pk)
        elif held.update(
            status=DocumentStatus.QUEUED, progress=0, enqueued_at=None, lease_expires_at=None
        ):
            requeued.append(job.pk)
    resend_before = now - datetime.timedelta(seconds=settings.IMPORT_RESEND_AFTER_SECONDS)
    unsent = DocumentJob.objects.filter(status=DocumentStatus.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=resend_before)
    )
    from .tasks import document_job_run

    def marker(pk: int) -> Callable[[], object]:
        return lambda: DocumentJob.objects.filter(pk=pk).update(enqueued_at=timezone.now())

    sent = []
    for job_id in unsent.order_by("created_at", "pk").values_list("pk", flat=True):
        if not jobs.publish(document_job_run, job_id, marker(job_id), "Document job"):
            break
        sent.append(job_id)
    return {"requeued": requeued, "failed": failed, "sent": sent}
