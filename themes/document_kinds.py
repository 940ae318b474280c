"""The kinds of document themes makes in the background (see themes/documents.py): a
theme's excerpts beyond what a request makes (CSV, XLSX, DOCX), and REFI-QDA projects and
codebooks. Registered from ThemesConfig.ready()."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.text import slugify

from sites.models import Participant, ResearchPhase, Site, is_project_lead

from . import documents, exports, selectors
from .documents import Built, DocumentFailure, Kind, Progress
from .forms import FilterForm
from .models import DocumentJob, Theme

BATCH = 1000  # excerpts loaded per step (one progress update each)


def _member_site_ids(user, params: dict) -> list[int]:
    return [s.pk for s in selectors.visible_site_list(user)]


def _any_member(user, params: dict) -> bool:
    return bool(selectors.visible_site_list(user))


def build_excerpts(job: DocumentJob, progress: Progress) -> Built:
    """Every excerpt of the theme the owner may see, with the filters of the page they asked
    from, consent applied now: no cap."""
    user, params = job.created_by, job.params
    fmt = params.get("fmt")
    if fmt not in exports.FORMATS:
        raise DocumentFailure("Exports come as CSV, XLSX or DOCX.")
    theme = Theme.objects.filter(pk=params.get("theme")).first()
    if theme is None:
        raise DocumentFailure("The theme has been deleted since this export was asked for.")
    sites = selectors.visible_site_list(user)
    phases = list(ResearchPhase.objects.all())
    query = QueryDict(params.get("query", ""))
    form = FilterForm(
        query or None,
        sites=sites,
        phases=phases,
        with_sites=True,
        coders=selectors.coder_choices(user=user, sites=sites),
    )
    theme_ids = theme.descendant_ids() if query.get("sub") == "1" else [theme.pk]
    progress("Finding the excerpts", 5)
    rows = list(
        selectors.excerpt_queryset(
            user=user, filters=form.filters(), phases=phases, theme_ids=theme_ids
        )
    )
    excerpts: list[selectors.Excerpt] = []
    for first in range(0, len(rows), BATCH):
        excerpts += selectors.with_phases(rows[first : first + BATCH], phases)
        progress(
            f"Gathering excerpts ({len(excerpts):,} of {len(rows):,})",
            5 + int(65 * len(excerpts) / max(1, len(rows))),
        )
    progress(f"Writing the {fmt.upper()} file", 75)
    content = exports.export_bytes(
        fmt,
        theme=theme,
        excerpts=excerpts,
        written=lambda done, total: progress(
            f"Writing the {fmt.upper()} file ({done:,} of {total:,})",
            75 + int(24 * done / max(1, total)),
        ),
    )
    content_type, extension = exports.FORMATS[fmt]
    return Built(
        content=content,
        filename=f"{slugify(theme.name) or 'theme'}-excerpts.{extension}",
        content_type=content_type,
        participant_ids={
            c.participant_id for e in excerpts for c in e.codings if c.participant_id is not None
        },
    )


def _refi_sites(user, params: dict) -> list[Site]:
    visible = selectors.visible_site_list(user)
    codes = params.get("sites") or []
    return [s for s in visible if not codes or s.code in codes]


def _refi_allowed(user, params: dict) -> bool:
    codes = set(params.get("sites") or [])
    visible = {s.code for s in selectors.visible_site_list(user)}
    if not codes:
        # The whole project: project leads only (others name their sites).
        return is_project_lead(user)
    return codes <= visible


def build_refi_project(job: DocumentJob, progress: Progress) -> Built:
    from .refi.export import ExportRefused, project_export

    user, codes = job.created_by, job.params.get("sites") or None
    try:
        result = project_export(
            user=user,
            site_codes=codes,
            progress=lambda percent: progress("Writing the project", max(1, min(95, percent))),
        )
    except ExportRefused as exc:
        raise DocumentFailure(str(exc)) from None
    sites = _refi_sites(user, job.params)
    # A project holds every consenting participant's words at its sites.
    quoted = set(Participant.objects.filter(site__in=sites).values_list("pk", flat=True))
    return Built(
        content=result.data,
        filename=result.filename or "project.qdpx",
        content_type="application/zip",
        participant_ids=quoted,
    )


def build_refi_codebook(job: DocumentJob, progress: Progress) -> Built:
    from .refi.export import ExportRefused, codebook_export

    progress("Writing the codebook", 20)
    try:
        data = codebook_export()
    except ExportRefused as exc:
        raise DocumentFailure(str(exc)) from None
    return Built(content=data, filename="codebook.qdc", content_type="application/xml")


def register() -> None:
    documents.register(
        Kind(
            name="excerpts",
            label="Theme excerpts",
            build=build_excerpts,
            allowed=_any_member,
            site_ids=_member_site_ids,
        )
    )
    documents.register(
        Kind(
            name="refi_project",
            label="REFI-QDA project (.qdpx)",
            build=build_refi_project,
            allowed=_refi_allowed,
            site_ids=lambda user, params: [s.pk for s in _refi_sites(user, params)],
        )
    )
    documents.register(
        Kind(
            name="refi_codebook",
            label="REFI-QDA codebook (.qdc)",
            build=build_refi_codebook,
            allowed=_any_member,
            site_ids=lambda user, params: [],
        )
    )
