"""Series, sessions, agenda, attendees, mirror data, the surfaces board, calendars and the
recording loop. Facilitators and leads plan and edit; researchers may propose mirror items;
viewers read; other sites' objects are 404 (the access helpers in workshops.selectors)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sites.access import ApplicationError, get_site_for_user, require
from sites.models import ResearchPhase
from themes.models import Coding

from . import ics, selectors, services
from .forms import (
    ActivityForm,
    AddExcerptForm,
    HeldForm,
    ItemEditForm,
    MirrorSearchForm,
    PlaceForm,
    RecordingForm,
    SeriesCreateForm,
    SeriesEditForm,
    ShowingForm,
    SpeakerForm,
    SummaryForm,
    TypedItemForm,
    WorkshopPlanForm,
)
from .models import MirrorItemStatus, WorkshopStatus

PLAN_DENIED = "Only the site's facilitators and leads can plan and change workshops."
PROPOSE_DENIED = "Only facilitators, leads and researchers can choose mirror data."


def _posted(request: HttpRequest):
    """The POST data to bind a form to (even when empty, so an empty POST shows errors)."""
    return request.POST if request.method == "POST" else None


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _workshop_for_plan(request: HttpRequest, code: str, pk: int):
    workshop, access = selectors.get_workshop_for_user(request.user, code, pk)
    if request.method == "POST":
        require(access.can_plan, PLAN_DENIED)
    return workshop, access


# --- series -------------------------------------------------------------------------------


@require_GET
def workshops_index(request: HttpRequest) -> HttpResponse:
    """The navigation's "Workshops": the user's sites with their series."""
    sites = selectors.sites_with_series(user=request.user)
    if len(sites) == 1:
        return redirect("workshops:series-list", code=sites[0].code)
    return render(request, "workshops/index.html", {"sites": sites})


@require_GET
def series_list(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    return render(
        request,
        "workshops/series_list.html",
        {
            "site": access.site,
            "access": access,
            "series_list": selectors.series_list(site=access.site),
            "experiments": selectors.site_experiments(site=access.site),
        },
    )


@require_http_methods(["GET", "POST"])
def series_create(request: HttpRequest, code: str) -> HttpResponse:
    access = get_site_for_user(request.user, code)
    require(access.can_plan, PLAN_DENIED)
    form = SeriesCreateForm(
        _posted(request),
        staff=selectors.site_staff(site=access.site),
        initial={"title": f"DWR workshops at {access.site.name}", "planned_sessions": 6},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series = services.series_create(
                site=access.site,
                actor=request.user,
                title=data["title"],
                aims=data["aims"],
                planned_sessions=data["planned_sessions"],
                facilitators=data["facilitators"],
                from_template=data["start_from"] == "template",
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Series “{series.title}” created.")
            return redirect(series)
    return render(
        request,
        "workshops/series_form.html",
        {"form": form, "site": access.site, "access": access, "title": "Start a workshop series"},
    )


@require_GET
def series_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    series, access = selectors.get_series_for_user(request.user, code, pk)
    sessions = list(series.sessions.prefetch_related("attendees").order_by("number"))
    return render(
        request,
        "workshops/series_detail.html",
        {
            "series": series,
            "sessions": sessions,
            "facilitators": list(series.facilitators.all()),
            "site": access.site,
            "access": access,
        },
    )


@require_http_methods(["GET", "POST"])
def series_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    series, access = selectors.get_series_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    form = SeriesEditForm(
        _posted(request),
        instance=series,
        staff=selectors.site_staff(site=access.site),
        initial={"facilitators": list(series.facilitators.all())},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Reload so the form's in-memory changes are not mistaken for the "before" state.
        series.refresh_from_db()
        try:
            services.series_update(
                series=series,
                actor=request.user,
                title=data["title"],
                aims=data["aims"],
                planned_sessions=data["planned_sessions"],
                facilitators=data["facilitators"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Series saved.")
            return redirect(series)
    return render(
        request,
        "workshops/series_form.html",
        {"form": form, "site": access.site, "access": access, "title": "Edit the series"},
    )


@require_POST
def series_add_session(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    series, access = selectors.get_series_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    workshop = services.workshop_add(
        series=series, actor=request.user, follow_up=request.POST.get("kind") != "blank"
    )
    messages.success(request, f"Session {workshop.number} added.")
    return redirect(workshop)


@require_GET
def series_ics(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    series, _access = selectors.get_series_for_user(request.user, code, pk)
    sessions, experiments = selectors.calendar_items(series=series)
    response = HttpResponse(
        ics.series_ics(series, sessions, experiments), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="series-{series.pk}.ics"'
    return response


# --- one session --------------------------------------------------------------------------


@require_GET
def workshop_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, access = selectors.get_workshop_for_user(request.user, code, pk)
    page = selectors.session_page(workshop=workshop)
    recording = selectors.recording_view(workshop=workshop)
    attendees = list(workshop.attendees.order_by("pseudonym"))
    return render(
        request,
        "workshops/workshop_detail.html",
        {
            "workshop": workshop,
            "series": workshop.series,
            "page": page,
            "recording": recording,
            "recording_form": RecordingForm(),
            "showing_form": ShowingForm(workshop=workshop),
            "speaker_choices": attendees,
            "site": access.site,
            "access": access,
            "can_propose": access.can_plan or access.can_edit,
        },
    )


@require_http_methods(["GET", "POST"])
def workshop_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, access = selectors.get_workshop_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    participants = selectors.site_participants(site=access.site)
    form = WorkshopPlanForm(
        _posted(request),
        instance=workshop,
        staff=selectors.site_staff(site=access.site),
        participants=participants,
    )
    if request.method == "POST" and form.is_valid():
        workshop.refresh_from_db()  # the form changed it in memory: keep the true "before"
        try:
            services.workshop_update(workshop=workshop, actor=request.user, **form.plan())
            services.workshop_attendees_set(
                workshop=workshop, actor=request.user, participants=form.cleaned_data["attendees"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Plan saved.")
            return redirect(workshop)
    return render(
        request,
        "workshops/workshop_form.html",
        {
            "form": form,
            "workshop": workshop,
            "site": access.site,
            "access": access,
            "title": f"Plan session {workshop.number}",
        },
    )


@require_GET
def workshop_ics(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, _access = selectors.get_workshop_for_user(request.user, code, pk)
    response = HttpResponse(ics.workshop_ics(workshop), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{workshop.pk}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, access = selectors.get_workshop_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    form = ActivityForm(_posted(request), workshop=workshop, submit="Add to the agenda")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.activity_create(
                workshop=workshop,
                actor=request.user,
                first_stimulus=data.pop("first_stimulus"),
                **data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"“{data['title']}” added to the agenda.")
            return redirect(f"{workshop.get_absolute_url()}#agenda")
    return render(
        request,
        "workshops/activity_form.html",
        {
            "form": form,
            "workshop": workshop,
            "site": access.site,
            "access": access,
            "title": "Add an agenda item",
        },
    )


@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    activity, access = selectors.get_activity_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    workshop = activity.workshop
    form = ActivityForm(_posted(request), instance=activity, workshop=workshop)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        activity.refresh_from_db()  # the form changed it in memory: keep the true "before"
        try:
            services.activity_update(
                activity=activity,
                actor=request.user,
                first_stimulus=data.pop("first_stimulus"),
                **data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Agenda item saved.")
            return redirect(f"{workshop.get_absolute_url()}#agenda")
    return render(
        request,
        "workshops/activity_form.html",
        {
            "form": form,
            "workshop": workshop,
            "site": access.site,
            "access": access,
            "title": "Edit an agenda item",
        },
    )


@require_POST
def activity_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    activity, access = selectors.get_activity_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    workshop = activity.workshop
    services.activity_delete(activity=activity, actor=request.user)
    messages.success(request, "Agenda item removed.")
    return redirect(f"{workshop.get_absolute_url()}#agenda")


@require_POST
def activity_move(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    activity, access = selectors.get_activity_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    try:
        services.activity_move(
            activity=activity, actor=request.user, direction=request.POST.get("direction", "")
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(f"{activity.workshop.get_absolute_url()}#agenda")


@require_http_methods(["GET", "POST"])
def workshop_held(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, access = selectors.get_workshop_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    initial = {
        "present": list(workshop.present.all())
        if workshop.status != WorkshopStatus.PLANNED
        else list(workshop.attendees.all()),
        "held_notes": workshop.held_notes,
        "deviations": workshop.deviations,
        "skipped": list(workshop.activities.filter(skipped=True)),
    }
    form = HeldForm(
        _posted(request),
        workshop=workshop,
        participants=selectors.site_participants(site=access.site),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.workshop_record_held(
                workshop=workshop,
                actor=request.user,
                present=data["present"],
                held_notes=data["held_notes"],
                deviations=data["deviations"],
                skipped=[a.pk for a in data["skipped"]],
            )
        except (ValidationError, ApplicationError) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, f"Session {workshop.number} recorded as held.")
            return redirect(workshop)
    return render(
        request,
        "workshops/held_form.html",
        {
            "form": form,
            "workshop": workshop,
            "site": access.site,
            "access": access,
            "title": f"What happened in session {workshop.number}",
        },
    )


@require_POST
def workshop_written_up(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, access = _workshop_for_plan(request, code, pk)
    try:
        services.workshop_mark_written_up(workshop=workshop, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Session {workshop.number} marked written up.")
    return redirect(workshop)


@require_http_methods(["GET", "POST"])
def workshop_summary(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The next session's summary: drafted from this session (?draft=1 or when none is
    saved yet), edited and saved by the facilitator."""
    workshop, access = selectors.get_workshop_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    drafted = request.GET.get("draft") == "1" or not workshop.next_summary
    initial = {
        "next_summary": selectors.summary_draft(workshop=workshop)
        if drafted
        else workshop.next_summary
    }
    form = SummaryForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.workshop_summary_save(
                workshop=workshop, actor=request.user, text=form.cleaned_data["next_summary"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Summary for the next session saved.")
            return redirect(workshop)
    return render(
        request,
        "workshops/summary_form.html",
        {
            "form": form,
            "workshop": workshop,
            "drafted": drafted and request.method == "GET",
            "site": access.site,
            "access": access,
            "title": f"Summary of session {workshop.number} for the next session",
        },
    )


# --- mirror data --------------------------------------------------------------------------


@require_GET
def workshop_mirror(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Search the site's coded excerpts and add them as mirror items."""
    workshop, access = selectors.get_workshop_for_user(request.user, code, pk)
    require(access.can_plan or access.can_edit, PROPOSE_DENIED)
    phases = list(ResearchPhase.objects.order_by("number"))
    form = MirrorSearchForm(request.GET or None, phases=phases)
    searched = form.is_bound and form.is_valid()
    candidates, more = [], False
    if searched:
        candidates, more = selectors.mirror_search(
            user=request.user,
            site=access.site,
            workshop=workshop,
            filters=form.filters(),
            theme=form.cleaned_data["theme"],
            phases=phases,
        )
    return render(
        request,
        "workshops/mirror_search.html",
        {
            "form": form,
            "workshop": workshop,
            "candidates": candidates,
            "more": more,
            "searched": searched,
            "querystring": request.GET.urlencode(),
            "typed_form": TypedItemForm(),
            "site": access.site,
            "access": access,
        },
    )


@require_POST
def workshop_mirror_add(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, access = selectors.get_workshop_for_user(request.user, code, pk)
    require(access.can_plan or access.can_edit, PROPOSE_DENIED)
    form = AddExcerptForm(request.POST)
    back = f"{workshop.get_absolute_url()}mirror/?{request.POST.get('back', '')}"
    coding = None
    if form.is_valid():
        coding = (
            Coding.objects.filter(site=access.site, pk=form.cleaned_data["coding"])
            .select_related("source", "theme")
            .first()
        )
    if coding is None:
        messages.error(request, "Choose an excerpt of this site from the search results.")
        return redirect(back)
    try:
        item = services.mirror_item_add_excerpt(
            workshop=workshop, actor=request.user, coding=coding, proposed=not access.can_plan
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        verb = "added" if item.status == MirrorItemStatus.ACCEPTED else "proposed"
        messages.success(request, f"Excerpt from “{item.source_title}” {verb} as a mirror item.")
    return redirect(back)


@require_POST
def workshop_mirror_typed(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, access = selectors.get_workshop_for_user(request.user, code, pk)
    require(access.can_plan or access.can_edit, PROPOSE_DENIED)
    form = TypedItemForm(request.POST)
    if form.is_valid():
        try:
            services.mirror_item_add_typed(
                workshop=workshop,
                actor=request.user,
                proposed=not access.can_plan,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Item added.")
            return redirect(f"{workshop.get_absolute_url()}#mirror")
    phases = list(ResearchPhase.objects.order_by("number"))
    return render(
        request,
        "workshops/mirror_search.html",
        {
            "form": MirrorSearchForm(phases=phases),
            "workshop": workshop,
            "candidates": [],
            "searched": False,
            "typed_form": form,
            "site": access.site,
            "access": access,
        },
    )


@require_http_methods(["GET", "POST"])
def mirroritem_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    item, access = selectors.get_mirror_item_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    form = ItemEditForm(_posted(request), instance=item)
    if request.method == "POST" and form.is_valid():
        item.refresh_from_db()  # the form changed it in memory: keep the true "before"
        try:
            services.mirror_item_update(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Mirror item saved.")
            return redirect(f"{item.workshop.get_absolute_url()}#mirror")
    return render(
        request,
        "workshops/item_form.html",
        {
            "form": form,
            "item": item,
            "workshop": item.workshop,
            "site": access.site,
            "access": access,
            "title": "Edit a mirror item",
        },
    )


@require_POST
def mirroritem_accept(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    item, access = selectors.get_mirror_item_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    try:
        services.mirror_item_accept(item=item, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Mirror item accepted.")
    return redirect(f"{item.workshop.get_absolute_url()}#mirror")


@require_POST
def mirroritem_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    item, access = selectors.get_mirror_item_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    workshop = item.workshop
    services.mirror_item_remove(item=item, actor=request.user)
    messages.success(request, "Mirror item removed from the session.")
    return redirect(f"{workshop.get_absolute_url()}#mirror")


@require_POST
def mirroritem_place(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Move an item on the surfaces board: JSON for the board's script, a redirect for the
    plain form."""
    item, access = selectors.get_mirror_item_for_user(request.user, code, pk)
    require(access.can_plan, PLAN_DENIED)
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = PlaceForm(request.POST)
    if not form.is_valid():
        message = "Choose one of the nine surfaces."
        if wants_json:
            return JsonResponse({"error": message}, status=400)
        messages.error(request, message)
        return redirect("workshops:workshop-board", code=code, pk=item.workshop_id)
    data = form.cleaned_data
    services.mirror_item_place(
        item=item,
        actor=request.user,
        column=data["column"],
        layer=data["layer"],
        position=data["position"],
    )
    label = f"{item.get_surface_column_display()}, {item.get_surface_layer_display().lower()}"
    if wants_json:
        return JsonResponse({"ok": True, "surface": label, "order": item.order})
    messages.success(request, f"Moved to {label}.")
    return redirect("workshops:workshop-board", code=code, pk=item.workshop_id)


@require_GET
def workshop_board(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, access = selectors.get_workshop_for_user(request.user, code, pk)
    return render(
        request,
        "workshops/board.html",
        {
            "workshop": workshop,
            "rows": selectors.board(workshop=workshop),
            "site": access.site,
            "access": access,
        },
    )


# --- the recording loop -------------------------------------------------------------------


@require_POST
def workshop_recording(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, access = _workshop_for_plan(request, code, pk)
    form = RecordingForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(f"{workshop.get_absolute_url()}#recording")
    try:
        job = services.recording_import(
            workshop=workshop, actor=request.user, file=form.cleaned_data["file"]
        )
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        job.refresh_from_db()
        if job.error:
            messages.error(request, f"The transcript could not be imported: {job.error}")
        else:
            messages.success(
                request,
                f"Transcript “{job.filename}” {job.get_status_display().lower()}. Map its "
                "speakers to the attendees below.",
            )
    return redirect(f"{workshop.get_absolute_url()}#recording")


@require_POST
def workshop_speakers(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, access = _workshop_for_plan(request, code, pk)
    form = SpeakerForm(request.POST, participants=selectors.site_participants(site=access.site))
    if not form.is_valid():
        messages.error(request, "Choose who the speaker is from the list.")
    else:
        try:
            count = services.recording_map_speaker(
                workshop=workshop,
                actor=request.user,
                label=form.cleaned_data["label"],
                participant=form.cleaned_data["participant"],
            )
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(
                request, f"Speaker “{form.cleaned_data['label']}” mapped ({count} turns)."
            )
    return redirect(f"{workshop.get_absolute_url()}#recording")


@require_POST
def workshop_showing(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    workshop, access = _workshop_for_plan(request, code, pk)
    form = ShowingForm(request.POST, workshop=workshop)
    if not form.is_valid():
        messages.error(
            request, "Choose a mirror item and the turns (numbers) while it was on screen."
        )
    else:
        data = form.cleaned_data
        try:
            services.mirror_item_showing_add(
                item=data["item"],
                actor=request.user,
                first_turn=data["first_turn"],
                last_turn=data["last_turn"],
            )
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, "Turns linked to the mirror item.")
    return redirect(f"{workshop.get_absolute_url()}#transcript")
