"""Writes for series, sessions, agendas, attendees, mirror items and the recording loop.

Keyword-only, validated, atomic, audited. The analysis area (models, contradictions,
disturbances, experiments) has its own services module."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from fieldwork import services as fieldwork_services
from fieldwork.models import ImportJob, ImportStatus, Segment, Source, SourceKind
from sites.access import ApplicationError
from sites.models import ConsentDecision, Participant, is_project_lead
from sites.services import apply_changes, audit_record, field_snapshot
from themes.models import Coding

from . import selectors
from .liw_template import FOLLOW_UP, LIW_SIX, TEMPLATE_KEY, SessionTemplate
from .models import (
    MirrorItem,
    MirrorItemKind,
    MirrorItemShowing,
    MirrorItemStatus,
    SurfaceColumn,
    TimeLayer,
    Workshop,
    WorkshopActivity,
    WorkshopSeries,
    WorkshopStatus,
)

SERIES_FIELDS = ("title", "aims", "planned_sessions")
PLAN_FIELDS = (
    "title",
    "date",
    "start_time",
    "end_time",
    "venue",
    "layer_focus",
    "target_actions",
    "aims",
    "first_stimulus_plan",
    "second_stimulus_plan",
    "expected_outputs",
    "facilitator",
    "co_facilitator",
    "scribe_participant",
    "scribe_user",
)
# A change to any of these is a change of the calendar event: SEQUENCE goes up.
CALENDAR_FIELDS = ("title", "date", "start_time", "end_time", "venue", "status")
ACTIVITY_FIELDS = (
    "title",
    "minutes",
    "description",
    "second_stimulus",
    "second_stimulus_model",
    "second_stimulus_note",
)
ITEM_FIELDS = ("title", "text", "facilitator_note", "prompts", "provenance_note")


def _check_staff(site, users: Iterable) -> None:
    allowed = {u.pk for u in selectors.site_staff(site=site)}
    for user in users:
        if user is not None and user.pk not in allowed and not is_project_lead(user):
            raise ValidationError(f"{user.get_username()} is not a member of this site.")


def _check_participants(site, participants: Iterable[Participant]) -> None:
    for participant in participants:
        if participant.site_id != site.pk:
            raise ValidationError(f"{participant.pseudonym} is not a participant at this site.")


# --- series -------------------------------------------------------------------------------


def _session_from_template(
    series: WorkshopSeries, number: int, template: SessionTemplate | None, follow_up=False
) -> Workshop:
    workshop = Workshop(series=series, site=series.site, number=number, is_follow_up=follow_up)
    if template is None:
        workshop.title = f"Session {number}"
    else:
        workshop.title = template.title
        workshop.layer_focus = list(template.layers)
        workshop.target_actions = list(template.actions)
        workshop.first_stimulus_plan = template.first_stimulus
        workshop.second_stimulus_plan = template.second_stimulus
        workshop.expected_outputs = template.expected_outputs
    workshop.full_clean()
    workshop.save()
    if template is not None:
        WorkshopActivity.objects.bulk_create(
            WorkshopActivity(
                workshop=workshop,
                order=order,
                title=item.title,
                minutes=item.minutes,
                description=item.description,
                second_stimulus=item.second_stimulus,
            )
            for order, item in enumerate(template.agenda)
        )
    return workshop


def series_create(
    *,
    site,
    actor,
    title: str,
    aims: str = "",
    planned_sessions: int = 6,
    facilitators: Iterable = (),
    from_template: bool = True,
) -> WorkshopSeries:
    """A series with its planned sessions: from the six-session LIW-style template (each
    session's title, time layers, learning actions, stimuli, outputs and a timed agenda,
    all editable), or blank sessions."""
    facilitators = list(facilitators)
    _check_staff(site, facilitators)
    series = WorkshopSeries(
        site=site,
        title=title.strip(),
        aims=aims,
        planned_sessions=planned_sessions,
        template=TEMPLATE_KEY if from_template else "",
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    series.full_clean()
    with transaction.atomic():
        series.save()
        series.facilitators.set(facilitators)
        for number in range(1, planned_sessions + 1):
            template = LIW_SIX[number - 1] if from_template and number <= len(LIW_SIX) else None
            _session_from_template(series, number, template)
        audit_record(
            actor=actor,
            verb="workshop_series.create",
            obj=series,
            site=site,
            changes={
                **field_snapshot(series, SERIES_FIELDS),
                "template": series.template or "blank",
                "facilitators": [u.get_username() for u in facilitators],
            },
        )
    return series


def series_update(
    *, series: WorkshopSeries, actor, facilitators: Iterable | None = None, **fields
) -> WorkshopSeries:
    diff = apply_changes(series, SERIES_FIELDS, fields)
    series.full_clean()
    with transaction.atomic():
        series.save()
        if facilitators is not None:
            facilitators = list(facilitators)
            _check_staff(series.site, facilitators)
            before = sorted(u.get_username() for u in series.facilitators.all())
            series.facilitators.set(facilitators)
            after = sorted(u.get_username() for u in facilitators)
            if before != after:
                diff["facilitators"] = [before, after]
        if diff:
            audit_record(
                actor=actor,
                verb="workshop_series.update",
                obj=series,
                site=series.site,
                changes=diff,
            )
    return series


def workshop_add(*, series: WorkshopSeries, actor, follow_up: bool = True) -> Workshop:
    """Add a session after the last one: a follow-up (prefilled from the follow-up row of
    the template) or a blank extra session."""
    with transaction.atomic():
        # Lock the series so two additions cannot take the same number.
        WorkshopSeries.objects.select_for_update().filter(pk=series.pk).first()
        number = (series.sessions.aggregate(n=Max("number"))["n"] or 0) + 1
        workshop = _session_from_template(
            series, number, FOLLOW_UP if follow_up else None, follow_up=follow_up
        )
        audit_record(
            actor=actor,
            verb="workshop.create",
            obj=workshop,
            site=series.site,
            changes={"number": number, "follow_up": follow_up},
        )
    return workshop


# --- one session: the plan ----------------------------------------------------------------


def workshop_update(*, workshop: Workshop, actor, **fields) -> Workshop:
    """Change the plan of a session (not what happened: see `workshop_record_held`)."""
    for key in ("scribe_participant",):
        if fields.get(key) is not None:
            _check_participants(workshop.site, [fields[key]])
    _check_staff(
        workshop.site,
        [fields.get(k) for k in ("facilitator", "co_facilitator", "scribe_user")],
    )
    diff = apply_changes(workshop, PLAN_FIELDS, fields)
    if any(f in diff for f in CALENDAR_FIELDS):
        workshop.ics_sequence += 1
    workshop.full_clean()
    with transaction.atomic():
        workshop.save()
        if diff:
            audit_record(
                actor=actor, verb="workshop.update", obj=workshop, site=workshop.site, changes=diff
            )
    return workshop


def workshop_attendees_set(
    *, workshop: Workshop, actor, participants: Iterable[Participant]
) -> Workshop:
    participants = list(participants)
    _check_participants(workshop.site, participants)
    with transaction.atomic():
        before = sorted(p.pseudonym for p in workshop.attendees.all())
        workshop.attendees.set(participants)
        after = sorted(p.pseudonym for p in participants)
        if before != after:
            audit_record(
                actor=actor,
                verb="workshop.attendees",
                obj=workshop,
                site=workshop.site,
                changes={"attendees": [before, after]},
            )
    return workshop


def activity_create(*, workshop: Workshop, actor, first_stimulus=(), **fields) -> WorkshopActivity:
    order = (workshop.activities.aggregate(n=Max("order"))["n"] or 0) + 1
    activity = WorkshopActivity(
        workshop=workshop, order=order, **{k: v for k, v in fields.items() if k in ACTIVITY_FIELDS}
    )
    _check_model(workshop, activity)
    activity.full_clean()
    first_stimulus = list(first_stimulus)
    _check_items(workshop, first_stimulus)
    with transaction.atomic():
        activity.save()
        activity.first_stimulus.set(first_stimulus)
        audit_record(
            actor=actor,
            verb="workshop.activity_create",
            obj=workshop,
            site=workshop.site,
            changes={"activity": activity.title, "minutes": activity.minutes},
        )
    return activity


def _check_model(workshop: Workshop, activity: WorkshopActivity) -> None:
    model = activity.second_stimulus_model
    if model is not None and model.site_id != workshop.site_id:
        raise ValidationError({"second_stimulus_model": "The model belongs to another site."})


def _check_items(workshop: Workshop, items: list[MirrorItem]) -> None:
    for item in items:
        if item.workshop_id != workshop.pk:
            raise ValidationError({"first_stimulus": "Choose mirror items of this session."})


def activity_update(
    *, activity: WorkshopActivity, actor, first_stimulus=None, **fields
) -> WorkshopActivity:
    workshop = activity.workshop
    diff = apply_changes(activity, ACTIVITY_FIELDS, fields)
    _check_model(workshop, activity)
    activity.full_clean()
    with transaction.atomic():
        activity.save()
        if first_stimulus is not None:
            first_stimulus = list(first_stimulus)
            _check_items(workshop, first_stimulus)
            before = sorted(i.pk for i in activity.first_stimulus.all())
            activity.first_stimulus.set(first_stimulus)
            after = sorted(i.pk for i in first_stimulus)
            if before != after:
                diff["first_stimulus"] = [before, after]
        if diff:
            audit_record(
                actor=actor,
                verb="workshop.activity_update",
                obj=workshop,
                site=workshop.site,
                changes={"activity": activity.title, **diff},
            )
    return activity


def activity_delete(*, activity: WorkshopActivity, actor) -> None:
    workshop = activity.workshop
    with transaction.atomic():
        audit_record(
            actor=actor,
            verb="workshop.activity_delete",
            obj=workshop,
            site=workshop.site,
            changes={"activity": activity.title, "minutes": activity.minutes},
        )
        activity.delete()


def activity_move(*, activity: WorkshopActivity, actor, direction: str) -> WorkshopActivity:
    """Move an agenda item one place up or down."""
    if direction not in ("up", "down"):
        raise ValidationError("Move an agenda item up or down.")
    workshop = activity.workshop
    with transaction.atomic():
        rows = list(workshop.activities.select_for_update().order_by("order", "pk"))
        index = next(i for i, a in enumerate(rows) if a.pk == activity.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(rows):
            return activity
        rows[index], rows[other] = rows[other], rows[index]
        for order, row in enumerate(rows):
            row.order = order
        WorkshopActivity.objects.bulk_update(rows, ["order"])
        audit_record(
            actor=actor,
            verb="workshop.activity_move",
            obj=workshop,
            site=workshop.site,
            changes={"activity": activity.title, "direction": direction},
        )
    activity.refresh_from_db()
    return activity


# --- what actually happened -----------------------------------------------------------------

NEXT_STATUS = {
    WorkshopStatus.PLANNED: WorkshopStatus.HELD,
    WorkshopStatus.HELD: WorkshopStatus.WRITTEN_UP,
}


def workshop_record_held(
    *,
    workshop: Workshop,
    actor,
    present: Iterable[Participant],
    held_notes: str,
    deviations: str = "",
    skipped: Iterable[int] = (),
) -> Workshop:
    """Mark a planned session held, recording what actually happened apart from the plan:
    who came, notes, departures from the plan and the agenda items skipped. Recording it again
    on a held session corrects it."""
    if workshop.status == WorkshopStatus.WRITTEN_UP:
        raise ApplicationError("This session is written up; what happened can no longer change.")
    present = list(present)
    _check_participants(workshop.site, present)
    skipped = {int(pk) for pk in skipped}
    before = field_snapshot(workshop, ("status", "held_notes", "deviations"))
    workshop.held_notes = held_notes
    workshop.deviations = deviations
    if workshop.status == WorkshopStatus.PLANNED:
        workshop.status = WorkshopStatus.HELD
        workshop.held_at = timezone.now()
        workshop.ics_sequence += 1
    workshop.full_clean()
    with transaction.atomic():
        workshop.save()
        workshop.present.set(present)
        activities = list(workshop.activities.all())
        for activity in activities:
            activity.skipped = activity.pk in skipped
        WorkshopActivity.objects.bulk_update(activities, ["skipped"])
        after = field_snapshot(workshop, ("status", "held_notes", "deviations"))
        audit_record(
            actor=actor,
            verb="workshop.held",
            obj=workshop,
            site=workshop.site,
            changes={
                **{k: [before[k], after[k]] for k in before if before[k] != after[k]},
                "present": sorted(p.pseudonym for p in present),
                "skipped": sorted(a.title for a in activities if a.skipped),
            },
        )
    return workshop


def workshop_mark_written_up(*, workshop: Workshop, actor) -> Workshop:
    if workshop.status != WorkshopStatus.HELD:
        raise ApplicationError(
            "Only a held session can be marked written up: record what happened first."
        )
    with transaction.atomic():
        workshop.status = WorkshopStatus.WRITTEN_UP
        workshop.written_up_at = timezone.now()
        workshop.ics_sequence += 1
        workshop.save(update_fields=["status", "written_up_at", "ics_sequence", "updated_at"])
        audit_record(
            actor=actor,
            verb="workshop.written_up",
            obj=workshop,
            site=workshop.site,
            changes={"status": [WorkshopStatus.HELD, WorkshopStatus.WRITTEN_UP]},
        )
    return workshop


def workshop_summary_save(*, workshop: Workshop, actor, text: str) -> Workshop:
    text = text.strip()
    if not text:
        raise ValidationError({"next_summary": "Write the summary, or draft it again."})
    before = workshop.next_summary
    with transaction.atomic():
        workshop.next_summary = text
        workshop.next_summary_saved_at = timezone.now()
        workshop.save(update_fields=["next_summary", "next_summary_saved_at", "updated_at"])
        audit_record(
            actor=actor,
            verb="workshop.summary",
            obj=workshop,
            site=workshop.site,
            changes={"characters": [len(before), len(text)]},
        )
    return workshop


# --- mirror items -------------------------------------------------------------------------


def _next_item_order(workshop: Workshop, column: str, layer: str) -> int:
    last = workshop.mirror_items.filter(surface_column=column, surface_layer=layer).aggregate(
        n=Max("order")
    )["n"]
    return 0 if last is None else last + 1


def mirror_item_add_excerpt(
    *,
    workshop: Workshop,
    actor,
    coding: Coding,
    proposed: bool = False,
    column: str = SurfaceColumn.MIRROR,
    layer: str | None = None,
) -> MirrorItem:
    """Add a coded excerpt as a mirror item: a snapshot of the quote as stored, with its
    provenance. Refused, with the reason, when a speaker declined or withdrew taking part,
    being quoted or being shown to colleagues."""
    if coding.site_id != workshop.site_id:
        raise ValidationError("Choose an excerpt from this site's fieldwork.")
    source = coding.source
    speakers = selectors.excerpt_speaker_ids(
        source_id=source.pk, start=coding.start, end=coding.end
    )
    blocks = selectors.mirror_blocks(participant_ids=speakers) if speakers else {}
    if blocks:
        raise ValidationError(
            "This excerpt cannot be used as mirror data: " + " ".join(blocks.values())
        )
    if workshop.mirror_items.filter(coding=coding).exists():
        raise ValidationError("This excerpt is already a mirror item of the session.")
    participants = list(Participant.objects.filter(pk__in=speakers).order_by("pseudonym"))
    turns = list(
        Segment.objects.filter(source=source, start__lt=coding.end, end__gt=coding.start)
        .order_by("order")
        .values_list("order", "speaker")
    )
    labels = [p.pseudonym for p in participants] or sorted({s for _o, s in turns if s})
    if turns:
        first, last = turns[0][0] + 1, turns[-1][0] + 1
        range_label = f"turn {first}" if first == last else f"turns {first}–{last}"
    else:
        range_label = ""
    range_label = f"{range_label}, characters {coding.start}–{coding.end}".lstrip(", ")
    if layer is None:
        layer = (workshop.layer_focus or [TimeLayer.PRESENT])[0]
    item = MirrorItem(
        workshop=workshop,
        site=workshop.site,
        kind=MirrorItemKind.EXCERPT,
        status=MirrorItemStatus.PROPOSED if proposed else MirrorItemStatus.ACCEPTED,
        text=source.text[coding.start : coding.end],
        coding=coding,
        source=source,
        start=coding.start,
        end=coding.end,
        source_title=source.title[:300],
        source_kind=source.kind,
        source_date=source.date,
        range_label=range_label[:120],
        speaker_label=", ".join(labels)[:300],
        theme_names=coding.theme.name[:500],
        surface_column=column,
        surface_layer=layer,
        order=_next_item_order(workshop, column, layer),
        added_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    item.full_clean()
    with transaction.atomic():
        item.save()
        item.speakers.set(participants)
        audit_record(
            actor=actor,
            verb="mirror_item.propose" if proposed else "mirror_item.add",
            obj=item,
            site=workshop.site,
            changes={
                "workshop": workshop.pk,
                "coding": coding.pk,
                "source": source.title,
                "range": item.range_label,
                "speakers": labels,
            },
        )
    return item


def mirror_item_add_typed(
    *,
    workshop: Workshop,
    actor,
    kind: str,
    text: str,
    title: str = "",
    provenance_note: str = "",
    source: Source | None = None,
    proposed: bool = False,
    column: str = SurfaceColumn.MIRROR,
    layer: str | None = None,
) -> MirrorItem:
    """A document extract or a statistic typed in (no participant's words: nothing to
    check for consent beyond the source's site)."""
    if kind not in (MirrorItemKind.DOCUMENT, MirrorItemKind.STATISTIC):
        raise ValidationError({"kind": "Choose a document extract or a statistic."})
    if source is not None and source.site_id != workshop.site_id:
        raise ValidationError({"source": "The document belongs to another site."})
    if layer is None:
        layer = (workshop.layer_focus or [TimeLayer.PRESENT])[0]
    item = MirrorItem(
        workshop=workshop,
        site=workshop.site,
        kind=kind,
        status=MirrorItemStatus.PROPOSED if proposed else MirrorItemStatus.ACCEPTED,
        title=title.strip(),
        text=text.strip(),
        provenance_note=provenance_note.strip(),
        source=source,
        source_title=source.title[:300] if source else "",
        source_kind=source.kind if source else "",
        source_date=source.date if source else None,
        surface_column=column,
        surface_layer=layer,
        order=_next_item_order(workshop, column, layer),
        added_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    item.full_clean()
    with transaction.atomic():
        item.save()
        audit_record(
            actor=actor,
            verb="mirror_item.propose" if proposed else "mirror_item.add",
            obj=item,
            site=workshop.site,
            changes={"workshop": workshop.pk, "kind": kind, "provenance": provenance_note},
        )
    return item


def mirror_item_update(*, item: MirrorItem, actor, **fields) -> MirrorItem:
    if item.kind == MirrorItemKind.EXCERPT:
        fields.pop("text", None)  # an excerpt keeps the words as stored
    diff = apply_changes(item, ITEM_FIELDS, fields)
    item.full_clean()
    with transaction.atomic():
        item.save()
        if diff:
            audit_record(
                actor=actor, verb="mirror_item.update", obj=item, site=item.site, changes=diff
            )
    return item


def mirror_item_accept(*, item: MirrorItem, actor) -> MirrorItem:
    if item.status == MirrorItemStatus.ACCEPTED:
        raise ApplicationError("This item is already accepted.")
    with transaction.atomic():
        item.status = MirrorItemStatus.ACCEPTED
        item.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            verb="mirror_item.accept",
            obj=item,
            site=item.site,
            changes={"status": [MirrorItemStatus.PROPOSED, MirrorItemStatus.ACCEPTED]},
        )
    return item


def mirror_item_remove(*, item: MirrorItem, actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            verb="mirror_item.remove",
            obj=item,
            site=item.site,
            changes={"workshop": item.workshop_id, "kind": item.kind},
        )
        item.delete()


def mirror_item_place(
    *, item: MirrorItem, actor, column: str, layer: str, position: int | None = None
) -> MirrorItem:
    """Move an item to a surface (column × layer) and a position within it (0 = first;
    None = last). The other items of both cells are renumbered."""
    if column not in SurfaceColumn.values or layer not in TimeLayer.values:
        raise ValidationError("Choose one of the nine surfaces.")
    before = (item.surface_column, item.surface_layer, item.order)
    with transaction.atomic():
        cell = list(
            MirrorItem.objects.select_for_update()
            .filter(workshop_id=item.workshop_id, surface_column=column, surface_layer=layer)
            .exclude(pk=item.pk)
            .order_by("order", "pk")
        )
        if position is None or position > len(cell):
            position = len(cell)
        position = max(position, 0)
        item.surface_column, item.surface_layer = column, layer
        cell.insert(position, item)
        for order, row in enumerate(cell):
            row.order = order
        MirrorItem.objects.bulk_update(cell, ["surface_column", "surface_layer", "order"])
        after = (column, layer, item.order)
        if before != after:
            audit_record(
                actor=actor,
                verb="mirror_item.move",
                obj=item,
                site=item.site,
                changes={"surface": [f"{before[0]}/{before[1]}", f"{column}/{layer}"]},
            )
    return item


def mirror_item_showing_add(
    *, item: MirrorItem, actor, first_turn: int, last_turn: int
) -> MirrorItemShowing:
    """Record that the item was on screen while turns first–last (1-based, as the page
    numbers them) of the session's transcript were spoken."""
    workshop = item.workshop
    if workshop.recording_id is None:
        raise ApplicationError("Import the session's transcript before linking turns to items.")
    count = Segment.objects.filter(source_id=workshop.recording_id).count()
    if not (1 <= first_turn <= last_turn <= count):
        raise ValidationError(f"Give turns between 1 and {count}, the first not after the last.")
    showing = MirrorItemShowing(item=item, first_turn=first_turn - 1, last_turn=last_turn - 1)
    showing.full_clean()
    with transaction.atomic():
        showing.save()
        audit_record(
            actor=actor,
            verb="mirror_item.showing",
            obj=item,
            site=item.site,
            changes={"turns": [first_turn, last_turn]},
        )
    return showing


# --- the recording loop -------------------------------------------------------------------


def recording_import(*, workshop: Workshop, actor, file: File, run_now: bool = False) -> ImportJob:
    """Import the session's transcript through the project's import: a Source of kind
    workshop is created and linked to the session (once), then filled by the import job
    (by a worker; in this process when `run_now`, as the demo and commands do)."""
    if workshop.status == WorkshopStatus.PLANNED:
        raise ApplicationError("Mark the session held before importing its recording.")
    with transaction.atomic():
        source = workshop.recording
        if source is None:
            source = fieldwork_services.source_create(
                site=workshop.site,
                kind=SourceKind.WORKSHOP,
                title=f"{workshop.series.title}: session {workshop.number} ({workshop.title})"[
                    :300
                ],
                actor=actor,
                date=workshop.date,
            )
            workshop.recording = source
            workshop.save(update_fields=["recording", "updated_at"])
            audit_record(
                actor=actor,
                verb="workshop.recording",
                obj=workshop,
                site=workshop.site,
                changes={"source": source.pk},
            )
        elif source.text:
            raise ApplicationError(
                "This session already has a transcript. Open it from the session page."
            )
        job = fieldwork_services.import_job_create(
            site=workshop.site,
            actor=actor,
            file=file,
            kind=SourceKind.WORKSHOP,
            source=source,
            enqueue=not run_now,
        )
    if run_now and job.status == ImportStatus.QUEUED:
        job = fieldwork_services.import_job_run(job_id=job.pk) or job
    return job


def recording_map_speaker(
    *, workshop: Workshop, actor, label: str, participant: Participant | None
) -> int:
    """Map a speaker label of the session's transcript to one of its attendees (or to nobody)."""
    if workshop.recording is None:
        raise ApplicationError("The session has no transcript yet.")
    if participant is not None and participant.site_id != workshop.site_id:
        raise ValidationError("Choose a participant of this site.")
    return fieldwork_services.source_speaker_map(
        source=workshop.recording, label=label, actor=actor, participant=participant
    )


# --- consent: revocation in the audit record ------------------------------------------------


def mirror_items_revoke_on_withdrawal(*, participant: Participant, actor, decision: str) -> int:
    """Called when a consent decision is recorded (sites.signals.consent_recorded): every
    mirror item of the participant that the decision now blocks gets an audit event. The
    revocation itself needs no write: it is computed at every read."""
    if decision not in (ConsentDecision.WITHDRAWN, ConsentDecision.DECLINED):
        return 0
    blocks = selectors.mirror_blocks(participant_ids=[participant.pk])
    if participant.pk not in blocks:
        return 0
    items = list(MirrorItem.objects.filter(speakers=participant).select_related("site"))
    for item in items:
        audit_record(
            actor=actor,
            verb="mirror_item.revoke",
            obj=item,
            site=item.site,
            changes={"workshop": item.workshop_id, "reason": blocks[participant.pk]},
        )
    return len(items)


def mirror_items_erase_for(*, participant: Participant, actor=None) -> int:
    """Called before a participant row is deleted (erasure): the snapshots of their words
    would otherwise outlive them on the walls, so their mirror items go, with an audit event
    each."""
    items = list(MirrorItem.objects.filter(speakers=participant).select_related("site"))
    with transaction.atomic():
        for item in items:
            audit_record(
                actor=actor,
                verb="mirror_item.erase",
                obj=item,
                site=item.site,
                changes={"workshop": item.workshop_id, "reason": "A speaker's data was erased."},
            )
        MirrorItem.objects.filter(pk__in=[i.pk for i in items]).delete()
    return len(items)


def consent_impact(participant: Participant) -> list[str]:
    """For sites.services.consent_impact_providers."""
    count = MirrorItem.objects.filter(speakers=participant).count()
    if not count:
        return []
    return [f"{count} workshop mirror item{'s' if count != 1 else ''}"]
