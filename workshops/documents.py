"""The documents workshops makes in the background (themes/documents.py's registry): the
workshop pack (PDF, DOCX) and the cross-site report (PDF, DOCX, XLSX). Registered from
WorkshopsConfig.ready(), so themes never imports workshops."""

from __future__ import annotations

from sites.access import access_for
from sites.models import Site, is_project_lead
from themes import documents
from themes.documents import Built, DocumentFailure, Kind, Progress
from themes.models import DocumentJob

from .models import Workshop


def _workshop(params: dict) -> Workshop | None:
    try:
        pk = int(params.get("workshop") or 0)
    except (TypeError, ValueError):
        return None
    return Workshop.objects.select_related("site", "series").filter(pk=pk).first()


def _may_plan(user, params: dict) -> bool:
    workshop = _workshop(params)
    if workshop is None:
        return False
    access = access_for(user, workshop.site)
    return bool(access and access.can_plan)


def _pack_sites(user, params: dict) -> list[int]:
    workshop = _workshop(params)
    return [workshop.site_id] if workshop else []


def build_pack_document(job: DocumentJob, progress: Progress) -> Built:
    from .packs import CONTENT_TYPES, FORMATS, pack_filename
    from .packs.content import pack_content

    fmt = job.params.get("fmt")
    if fmt not in FORMATS:
        raise DocumentFailure("The pack comes as PDF or DOCX.")
    workshop = _workshop(job.params)
    if workshop is None:
        raise DocumentFailure("The session has been deleted since this pack was asked for.")
    progress("Gathering the agenda, participants and mirror data", 10)
    content = pack_content(workshop)
    progress(f"Laying out the {fmt.upper()}", 40)
    pages: int | None
    if fmt == "pdf":
        from .packs.pdf import render_pdf

        data, pages = render_pdf(content)
    else:
        from .packs.docx import render_docx

        data, pages = render_docx(content)
    return Built(
        content=data,
        filename=pack_filename(workshop, fmt),
        content_type=CONTENT_TYPES[fmt],
        page_count=pages,
        participant_ids=set(content.participant_ids),
    )


def _report_sites(user, params: dict) -> list[int]:
    codes = (params.get("selection") or {}).get("sites") or []
    qs = Site.objects.all()
    if codes:
        qs = qs.filter(code__in=codes)
    return list(qs.values_list("pk", flat=True))


def build_report_document(job: DocumentJob, progress: Progress) -> Built:
    from .reports import FORMATS, ReportError, ReportSelection, build_report

    fmt = job.params.get("fmt")
    if fmt not in FORMATS:
        raise DocumentFailure("The report comes as PDF, DOCX or XLSX.")
    selection = ReportSelection.from_dict(
        {**(job.params.get("selection") or {}), "user_id": job.created_by_id}
    )
    try:
        result = build_report(selection, fmt, progress)
    except ReportError as exc:
        raise DocumentFailure(str(exc)) from None
    return Built(
        content=result.content,
        filename=result.filename,
        content_type=result.content_type,
        page_count=result.page_count,
        participant_ids=set(result.participant_ids),
    )


def register() -> None:
    documents.register(
        Kind(
            name="workshop_pack",
            label="Workshop pack",
            build=build_pack_document,
            allowed=_may_plan,
            site_ids=_pack_sites,
        )
    )
    documents.register(
        Kind(
            name="cross_site_report",
            label="Cross-site report",
            build=build_report_document,
            allowed=lambda user, params: is_project_lead(user),
            site_ids=_report_sites,
        )
    )
