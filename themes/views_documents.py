"""My documents: what the workers made for the person signed in, with live progress,
downloads, regeneration and deletion. Another person's document, or one holding a site the
person no longer sees, answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sites.access import ApplicationError

from . import documents
from .models import DocumentJob, DocumentStatus


def _list(user) -> list[DocumentJob]:
    jobs = list(DocumentJob.objects.filter(created_by=user)[:200])
    return [j for j in jobs if documents.may_download(user, j)]


@never_cache
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    jobs = _list(request.user)
    active = any(j.is_active and not j.is_stale for j in jobs)
    template = (
        "themes/includes/document_table.html" if request.htmx else "themes/document_list.html"
    )
    return render(
        request,
        template,
        {"jobs": jobs, "poll_seconds": 1 if active else None, "labels": documents.KINDS},
    )


@never_cache
@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = documents.get_document_for_user(request.user, pk)
    if job.status != DocumentStatus.SUCCEEDED or not job.file:
        raise Http404("This document has no file to download.")
    try:
        handle = job.open_file()
    except OSError:
        raise Http404("The file of this document is missing; make it again.") from None
    documents.document_downloaded(job=job, actor=request.user)
    return FileResponse(
        handle, as_attachment=True, filename=job.filename, content_type=job.content_type
    )


@require_POST
def document_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    job = documents.get_document_for_user(request.user, pk)
    try:
        documents.document_regenerate(job=job, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    except PermissionDenied:
        raise
    else:
        messages.success(request, f"“{job.title}” is being made again.")
    return redirect("themes:documents")


@require_POST
def document_delete(request: HttpRequest, pk: int) -> HttpResponse:
    job = documents.get_document_for_user(request.user, pk)
    if job.is_active and not job.is_stale:
        messages.error(request, "Wait until the document is made before deleting it.")
    else:
        documents.document_delete(job=job, actor=request.user)
        messages.success(request, f"“{job.title}” was deleted.")
    return redirect("themes:documents")
