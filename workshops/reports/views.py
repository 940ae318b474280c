"""The cross-site report page (/reports/cross-site/): for project leads only (everyone else
403). A selection form, an HTML preview of the report, and its files: made by a worker as a
document job (My documents shows the progress), or in the request by GET (`build_report` is
the one entry point for both)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from sites.access import require
from sites.models import is_project_lead
from themes import documents
from themes.models import Coding

from . import FORMATS, ReportError, ReportSelection, build_report
from .content import SelectionError, report_content
from .forms import ReportForm
from .pdf import report_context

LEADS_ONLY = "Only project leads can build the cross-site report."


def _form(request: HttpRequest) -> ReportForm:
    submitted = any(key in request.GET for key in ReportForm.base_fields)
    return ReportForm(request.GET if submitted else None, user=request.user)


@never_cache
@require_GET
def cross_site_report(request: HttpRequest) -> HttpResponse:
    require(is_project_lead(request.user), LEADS_ONLY)
    form = _form(request)
    context: dict = {"form": form, "anything_coded": Coding.objects.exists(), "formats": FORMATS}
    if form.is_bound and form.is_valid():
        try:
            content = report_content(form.selection(request.user), user=request.user)
        except SelectionError as exc:
            form.add_error(None, str(exc))
        else:
            context.update(report_context(content, document=False))
            context["query"] = request.GET.urlencode()
    return render(request, "workshops/reports/report_page.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def cross_site_report_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """POST (the page's buttons): made by a worker, with progress in My documents. GET: made
    in the request (the selection in the address either way)."""
    require(is_project_lead(request.user), LEADS_ONLY)
    if fmt not in FORMATS:
        raise Http404("The report comes as PDF, DOCX or XLSX.")
    form = _form(request)
    if not form.is_bound or form.is_valid():
        # No selection in the address: the page's defaults, everything.
        selection = (
            form.selection(request.user)
            if form.is_bound
            else ReportSelection(user_id=cast(int, request.user.pk))
        )
        if request.method == "POST":
            params = selection.as_dict()
            params.pop("user_id", None)
            documents.document_request(
                user=request.user,
                kind="cross_site_report",
                params={"selection": params, "fmt": fmt},
                title=f"Cross-site report ({fmt.upper()})",
            )
            messages.success(request, "The report is being made; it appears below when ready.")
            return redirect("themes:documents")
        try:
            result = build_report(selection, fmt)
        except ReportError as exc:
            form.add_error(None, str(exc))
        else:
            response = HttpResponse(result.content, content_type=result.content_type)
            response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
            return response
    context = {"form": form, "anything_coded": Coding.objects.exists(), "formats": FORMATS}
    return render(request, "workshops/reports/report_page.html", context, status=400)
