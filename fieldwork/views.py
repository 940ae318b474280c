"""Fieldwork pages. Each view: access helper (404 for other sites) → role check (403) → form →
one service call → message → redirect; else re-render with errors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sites.access import ApplicationError, get_site_for_user, require
from sites.models import Site

from . import search as fieldwork_search
from . import selectors, services
from .forms import (
    AttributionForm,
    DocumentForm,
    DraftForm,
    ImportForm,
    InterviewForm,
    ObservationForm,
    ReplacementForm,
    SearchForm,
    SourceFilterForm,
    SpeakerMapForm,
    SpeakerMergeForm,
    TranscriptForm,
)
from .models import ImportStatus, SourceKind

EDIT_DENIED = "Your role at this site is read-only: you cannot change its fieldwork."
MANAGE_DENIED = "Only a lead can see real names, anonymisation logs and original files."


def _errors(exc: ValidationError | ApplicationError) -> str:
    return "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


# --- lists ------------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    sites = list(selectors.site_fieldwork_counts(user=request.user))
    if len(sites) == 1:
        return redirect("fieldwork:site-fieldwork", code=sites[0].code)
    return render(request, "fieldwork/index.html", {"sites": sites})


@require_GET
def site_fieldwork(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    form = SourceFilterForm(request.GET or None, site=access.site)
    all_phases = selectors.phases()
    sources = list(selectors.source_list(site=access.site, filters=form.filters())[:500])
    rows = [(source, selectors.phase_for(source.date, all_phases)) for source in sources]
    unmapped = sum(1 for source in sources if source.unmapped_count)
    return render(
        request,
        "fieldwork/source_list.html",
        {"site": access.site, "access": access, "form": form, "rows": rows, "unmapped": unmapped},
    )


# --- observations -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def observation_create(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_edit, EDIT_DENIED)
    form = ObservationForm(
        request.POST or None, site=access.site, initial={"observer": request.user.pk}
    )
    if request.method == "POST" and form.is_valid():
        try:
            observation = services.observation_create(
                site=access.site, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Observation “{observation.source.title}” saved.")
            return redirect(observation.source)
    return render(
        request,
        "fieldwork/observation_form.html",
        {
            "form": form,
            "site": access.site,
            "access": access,
            "title": "Log an observation",
            "participants": selectors.site_participants(site=access.site),
            "draft_key": f"dwr-observation-new-{access.site.code}",
        },
    )


def _observation_initial(source) -> dict:
    observation = source.observation
    return {
        "title": source.title,
        "date": source.date,
        "start_time": observation.start_time,
        "end_time": observation.end_time,
        "setting": observation.setting,
        "observer": observation.observer_id,
        "participants_present": list(observation.participants_present.values_list("pk", flat=True)),
        "notes": observation.draft_notes or source.text,
    }


WITHHELD_EDIT_DENIED = (
    "These field notes hold words withheld after a participant withdrew consent: only a lead "
    "can edit them (the editor shows every word)."
)


def _require_notes_visible(source, access) -> None:
    """The notes editor shows the whole text: below lead, not when some of it is withheld."""
    if not access.sees_withdrawn_words:
        require(not selectors.has_withheld_turns(source=source), WITHHELD_EDIT_DENIED)


@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a source's record: the field log (observation), interview or document details."""
    source, access = selectors.get_source_for_user(request.user, pk)
    require(access.can_edit, EDIT_DENIED)
    context = {"source": source, "site": access.site, "access": access}
    if hasattr(source, "observation"):
        _require_notes_visible(source, access)
        observation = source.observation
        form = ObservationForm(
            request.POST or None, site=access.site, initial=_observation_initial(source)
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.observation_update(
                    observation=observation, actor=request.user, **form.cleaned_data
                )
            except (ValidationError, ApplicationError) as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, "Field notes saved.")
                return redirect(source)
        return render(
            request,
            "fieldwork/observation_form.html",
            {
                **context,
                "form": form,
                "title": f"Edit “{source.title}”",
                "observation": observation,
                "participants": selectors.site_participants(site=access.site),
                "draft_key": f"dwr-observation-{source.pk}",
                "autosave_url": reverse("fieldwork:observation-autosave", args=[source.pk]),
            },
        )
    if hasattr(source, "interview"):
        interview = source.interview
        form = InterviewForm(
            request.POST or None,
            site=access.site,
            with_transcript=False,
            initial={
                "title": source.title,
                "date": source.date,
                "mode": interview.mode,
                "interviewers": list(interview.interviewers.values_list("pk", flat=True)),
                "interviewees": list(interview.interviewees.values_list("pk", flat=True)),
                "recording_reference": interview.recording_reference,
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.interview_update(
                    interview=interview, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Interview details saved.")
                return redirect(source)
        return render(
            request,
            "fieldwork/interview_form.html",
            {
                **context,
                "form": form,
                "title": f"Edit “{source.title}”",
                "participants": selectors.site_participants(site=access.site),
            },
        )
    if hasattr(source, "document"):
        document = source.document
        form = DocumentForm(
            request.POST or None,
            with_file=False,
            initial={
                "title": source.title,
                "date": source.date,
                "document_type": document.document_type,
                "author": document.author,
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.document_update(document=document, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Document details saved.")
                return redirect(source)
        return render(
            request,
            "fieldwork/document_form.html",
            {**context, "form": form, "title": f"Edit “{source.title}”"},
        )
    raise Http404("This source has no editable record.")


@require_POST
def observation_autosave(request: HttpRequest, pk: int) -> HttpResponse:
    source, access = selectors.get_source_for_user(request.user, pk)
    require(access.can_edit, EDIT_DENIED)
    if not hasattr(source, "observation"):
        raise Http404("Not an observation.")
    _require_notes_visible(source, access)
    form = DraftForm(request.POST)
    if not form.is_valid():
        message = " ".join(e for errors in form.errors.values() for e in errors)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    observation = services.observation_autosave(
        observation=source.observation, notes=form.cleaned_data["notes"]
    )
    return JsonResponse({"saved_at": observation.draft_saved_at.isoformat()})


# --- interviews and documents -----------------------------------------------------------------


def _start_import(request: HttpRequest, *, site: Site, file, kind: str, source=None, options=None):
    job = services.import_job_create(
        site=site, actor=request.user, file=file, kind=kind, source=source, options=options
    )
    # With no broker the job has already run (eagerly, on commit); say how it went.
    job.refresh_from_db()
    if job.status == ImportStatus.FAILED:
        messages.error(request, f"“{job.filename}” was not imported: {job.error}")
    elif job.status == ImportStatus.SUCCEEDED:
        messages.success(request, f"“{job.filename}” imported.")
    elif job.is_waiting_for_service:
        messages.warning(
            request,
            f"“{job.filename}” is saved and queued. The import service cannot be reached just "
            "now, so the import will start by itself when it is back; there is no need to "
            "upload the file again.",
        )
    else:
        messages.info(request, f"“{job.filename}” is being imported.")
    return job


@require_http_methods(["GET", "POST"])
def interview_create(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_edit, EDIT_DENIED)
    form = InterviewForm(
        request.POST or None,
        request.FILES or None,
        site=access.site,
        initial={"interviewers": [request.user.pk]},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        transcript = data.pop("transcript", None)
        try:
            interview = services.interview_create(site=access.site, actor=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Interview “{interview.source.title}” saved.")
            if transcript:
                _start_import(
                    request,
                    site=access.site,
                    file=transcript,
                    kind=SourceKind.INTERVIEW,
                    source=interview.source,
                )
            return redirect(interview.source)
    return render(
        request,
        "fieldwork/interview_form.html",
        {
            "form": form,
            "site": access.site,
            "access": access,
            "title": "Record an interview",
            "participants": selectors.site_participants(site=access.site),
        },
    )


@require_http_methods(["GET", "POST"])
def transcript_upload(request: HttpRequest, pk: int) -> HttpResponse:
    source, access = selectors.get_source_for_user(request.user, pk)
    require(access.can_edit, EDIT_DENIED)
    form = TranscriptForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            _start_import(
                request,
                site=access.site,
                file=form.cleaned_data["file"],
                kind=source.kind,
                source=source,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect(source)
    return render(
        request,
        "fieldwork/transcript_form.html",
        {"form": form, "source": source, "site": access.site, "access": access},
    )


@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_edit, EDIT_DENIED)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = {
            "title": data["title"],
            "date": data["date"].isoformat() if data["date"] else "",
            "document_type": data["document_type"],
            "author": data["author"],
        }
        job = _start_import(
            request, site=access.site, file=data["file"], kind=SourceKind.DOCUMENT, options=options
        )
        if job.status == ImportStatus.SUCCEEDED and job.source_id:
            return redirect(job.source)
        return redirect(job)
    return render(
        request,
        "fieldwork/document_form.html",
        {"form": form, "site": access.site, "access": access, "title": "Add a field document"},
    )


# --- import jobs ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    if request.method == "POST":
        require(access.can_edit, EDIT_DENIED)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        for upload in form.cleaned_data["files"]:
            _start_import(request, site=access.site, file=upload, kind=form.cleaned_data["kind"])
        return redirect("fieldwork:import-list", code=code)
    jobs = selectors.import_job_list(site=access.site)
    template = (
        "fieldwork/includes/import_table.html"
        if request.htmx and request.method == "GET"
        else "fieldwork/import_list.html"
    )
    return render(
        request,
        template,
        {
            "site": access.site,
            "access": access,
            "form": form,
            "jobs": jobs,
            "poll_seconds": min((j.poll_seconds for j in jobs if j.is_active), default=None),
        },
    )


@require_GET
def import_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    job, access = selectors.get_import_job_for_user(request.user, code, pk)
    template = (
        "fieldwork/includes/import_status.html" if request.htmx else "fieldwork/import_detail.html"
    )
    return render(request, template, {"job": job, "site": access.site, "access": access})


@require_POST
def import_retry(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    job, access = selectors.get_import_job_for_user(request.user, code, pk)
    require(access.can_edit, EDIT_DENIED)
    try:
        services.import_job_retry(job=job, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, f"Trying “{job.filename}” again.")
    return redirect(job)


@require_GET
def import_original(request: HttpRequest, code: str, pk: int) -> FileResponse:
    job, access = selectors.get_import_job_for_user(request.user, code, pk)
    require(access.can_manage, MANAGE_DENIED)
    if not job.has_original:
        raise Http404("The original file has been deleted.")
    try:
        handle = job.open_original()
    except OSError:
        raise Http404("The original file is missing from storage.") from None
    response = FileResponse(handle, as_attachment=True, filename=job.filename)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def import_purge(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    job, access = selectors.get_import_job_for_user(request.user, code, pk)
    require(access.can_manage, MANAGE_DENIED)
    try:
        services.import_job_purge_original(job=job, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The original of “{job.filename}” has been deleted.")
    return redirect(job)


# --- reading, speakers, anonymisation ---------------------------------------------------------


@require_GET
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source, access = selectors.get_source_for_user(request.user, pk)
    turns = selectors.source_turns(source=source)
    can_attribute = access.can_edit and selectors.is_paragraph_source(turns)
    if can_attribute:
        selectors.attach_attribution_choices(
            turns=turns, participants=selectors.site_participants(site=access.site)
        )
    return render(
        request,
        "fieldwork/source_detail.html",
        {
            "source": source,
            "site": access.site,
            "access": access,
            "turns": turns,
            "can_attribute": can_attribute,
            "notes_locked": not access.sees_withdrawn_words and any(t.withheld for t in turns),
            "speakers": selectors.source_speakers(source=source, turns=turns),
            "phase": source.phase,
            "jobs": list(source.import_jobs.select_related("site").order_by("-created_at")[:3]),
            **selectors.source_people(source=source),
        },
    )


@require_POST
def source_attribute(request: HttpRequest, pk: int) -> HttpResponse:
    """Attribute one paragraph of the notes to the participants it reports on."""
    source, access = selectors.get_source_for_user(request.user, pk)
    require(access.can_edit, EDIT_DENIED)
    form = AttributionForm(request.POST, source=source)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(source)
    segment = form.cleaned_data["paragraph"]
    try:
        chosen = services.segment_attribute(
            segment=segment, participants=form.cleaned_data["participants"], actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(source)
    names = ", ".join(p.pseudonym for p in chosen)
    messages.success(
        request,
        f"Paragraph {segment.order + 1} attributed to {names}."
        if chosen
        else f"Paragraph {segment.order + 1} is no longer attributed to anyone.",
    )
    return redirect(f"{source.get_absolute_url()}#turn-{segment.order}")


@require_http_methods(["GET", "POST"])
def source_speakers(request: HttpRequest, pk: int) -> HttpResponse:
    source, access = selectors.get_source_for_user(request.user, pk)
    if request.method == "POST":
        require(access.can_edit, EDIT_DENIED)
    turns = selectors.source_turns(source=source)
    speakers = selectors.source_speakers(source=source, turns=turns)
    participants = selectors.site_participants(site=access.site)
    labels = [s.label for s in speakers]
    action = request.POST.get("action")
    merge_form = SpeakerMergeForm(
        request.POST if action == "merge" else None, labels=labels, prefix="merge"
    )
    map_form = None
    if request.method == "POST" and action == "map":
        map_form = SpeakerMapForm(request.POST, site=access.site, participants=participants)
        if map_form.is_valid():
            try:
                services.source_speaker_map(
                    source=source,
                    label=map_form.cleaned_data["label"],
                    actor=request.user,
                    **map_form.mapping(),
                )
            except ValidationError as exc:
                messages.error(request, _errors(exc))
            else:
                messages.success(request, f"Speaker “{map_form.cleaned_data['label']}” mapped.")
                return redirect("fieldwork:source-speakers", pk=source.pk)
        else:
            messages.error(request, "Choose who the speaker is from the list.")
    if request.method == "POST" and action == "merge" and merge_form.is_valid():
        data = merge_form.cleaned_data
        try:
            services.source_speaker_merge(
                source=source, label=data["label"], into=data["into"], actor=request.user
            )
        except ValidationError as exc:
            merge_form.add_error(None, exc)
        else:
            messages.success(request, f"“{data['label']}” merged into “{data['into']}”.")
            return redirect("fieldwork:source-speakers", pk=source.pk)
    rows = []
    for speaker in speakers:
        initial = (
            f"p:{speaker.participant.pk}"
            if speaker.participant
            else f"r:{speaker.researcher.pk}"
            if speaker.researcher
            else ""
        )
        rows.append(
            (
                speaker,
                SpeakerMapForm(
                    initial={"label": speaker.label, "target": initial},
                    site=access.site,
                    participants=participants,
                    prefix=None,
                    auto_id=f"id_map_{len(rows)}_%s",
                ),
            )
        )
    return render(
        request,
        "fieldwork/source_speakers.html",
        {
            "source": source,
            "site": access.site,
            "access": access,
            "rows": rows,
            "merge_form": merge_form,
        },
    )


@require_GET
def source_anonymisation(request: HttpRequest, pk: int) -> HttpResponse:
    source, access = selectors.get_source_for_user(request.user, pk)
    require(access.can_manage, MANAGE_DENIED)
    return render(
        request,
        "fieldwork/source_anonymisation.html",
        {
            "source": source,
            "site": access.site,
            "access": access,
            "entries": list(source.anonymisation_log.order_by("original")),
            "jobs": list(source.import_jobs.select_related("site").order_by("-created_at")),
        },
    )


@require_http_methods(["GET", "POST"])
def replacement_list(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_manage, MANAGE_DENIED)
    form = ReplacementForm(request.POST or None, site=access.site)
    if request.method == "POST" and form.is_valid():
        try:
            services.replacement_create(site=access.site, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Added to the replacement list.")
            return redirect("fieldwork:replacement-list", code=code)
    return render(
        request,
        "fieldwork/replacement_list.html",
        {
            "site": access.site,
            "access": access,
            "form": form,
            "replacements": list(access.site.replacements.order_by("original")),
        },
    )


@require_POST
def replacement_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    replacement, access = selectors.get_replacement_for_user(request.user, code, pk)
    require(access.can_manage, MANAGE_DENIED)
    services.replacement_delete(replacement=replacement, actor=request.user)
    messages.success(request, "Removed from the replacement list.")
    return redirect("fieldwork:replacement-list", code=code)


# --- search ------------------------------------------------------------------------------------


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    sites = list(Site.objects.visible_to(request.user).order_by("name"))
    form = SearchForm(request.GET or None, sites=sites)
    results = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        site = form.sites.get(form.cleaned_data["site"]) if form.cleaned_data["site"] else None
        results = fieldwork_search.search_segments(
            user=request.user,
            query=form.cleaned_data["q"],
            site=site,
            kind=form.cleaned_data["kind"],
        )
    return render(request, "fieldwork/search.html", {"form": form, "results": results})
