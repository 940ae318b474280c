"""The pack preview page and its downloads, for the facilitators and leads of the
workshop's site (other sites' sessions are 404, read-only roles 403).

The downloads stream the file built in the request for now; the document jobs will build it
in the worker (workshops.packs.build_pack is the one entry point for both).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from sites.access import require
from themes import documents

from .. import selectors
from . import CONTENT_TYPES, FORMATS, build_pack, pack_filename
from .content import pack_content

PACK_DENIED = "Only the site's facilitators and leads can prepare workshop packs."


@require_GET
def workshop_pack(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, access = selectors.get_workshop_for_user(request.user, code, pk)
    require(access.can_plan, PACK_DENIED)
    return render(
        request,
        "workshops/pack/pack_preview.html",
        {
            "pack": pack_content(workshop),
            "workshop": workshop,
            "series": workshop.series,
            "site": access.site,
            "access": access,
        },
    )


@require_http_methods(["GET", "POST"])
def workshop_pack_download(request: HttpRequest, code: str, pk: int, fmt: str) -> HttpResponse:
    """POST (the page's buttons): the pack is made by a worker and appears in My documents
    with its progress. GET: made in the request, for a quick look."""
    workshop, access = selectors.get_workshop_for_user(request.user, code, pk)
    require(access.can_plan, PACK_DENIED)
    if fmt not in FORMATS:
        raise Http404("The pack comes as PDF or DOCX.")
    if request.method == "POST":
        documents.document_request(
            user=request.user,
            kind="workshop_pack",
            params={"workshop": workshop.pk, "fmt": fmt},
            title=f"Workshop pack: {access.site.name}, session {workshop.number} ({fmt.upper()})",
        )
        messages.success(request, "The pack is being made; it appears below with its progress.")
        return redirect("themes:documents")
    data, _pages = build_pack(workshop, fmt)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{pack_filename(workshop, fmt)}"'
    return response
