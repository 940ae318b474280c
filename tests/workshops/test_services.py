from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from fieldwork.models import SourceKind
from sites import services as site_services
from sites.access import ApplicationError
from sites.models import AuditEvent, ConsentDecision, ConsentScope
from tests.factories import ParticipantFactory
from workshops import selectors, services
from workshops.liw_template import LIW_SIX
from workshops.models import (
    ConceptualTool,
    LearningAction,
    MirrorItem,
    MirrorItemKind,
    MirrorItemStatus,
    SurfaceColumn,
    TimeLayer,
    Workshop,
    WorkshopStatus,
)

from .conftest import decide

pytestmark = pytest.mark.django_db


def test_a_series_from_the_template_has_six_prefilled_sessions_with_timed_agendas(world):
    series = world["series"]
    sessions = list(series.sessions.order_by("number"))
    assert [s.title for s in sessions] == [t.title for t in LIW_SIX]
    first, second, fifth = sessions[0], sessions[1], sessions[4]
    assert first.layer_focus == [TimeLayer.PRESENT]
    assert first.target_actions == [LearningAction.QUESTIONING]
    assert "who do I ring" in first.first_stimulus_plan
    assert second.layer_focus == [TimeLayer.PAST]
    assert fifth.target_actions == [LearningAction.EXAMINING]
    agenda = list(first.activities.order_by("order"))
    assert sum(a.minutes for a in agenda) == 120
    assert any(a.second_stimulus == ConceptualTool.TRIANGLE for a in agenda)
    assert AuditEvent.objects.filter(verb="workshop_series.create", object_id=series.pk).exists()


def test_a_blank_series_has_the_planned_number_of_empty_sessions(site_a, facilitator):
    series = services.series_create(
        site=site_a, actor=facilitator, title="Short", planned_sessions=3, from_template=False
    )
    sessions = list(series.sessions.order_by("number"))
    assert [s.title for s in sessions] == ["Session 1", "Session 2", "Session 3"]
    assert not any(s.activities.exists() for s in sessions)


def test_a_facilitator_from_another_site_cannot_be_named(site_a, outsider, facilitator):
    with pytest.raises(ValidationError, match="not a member of this site"):
        services.series_create(site=site_a, actor=facilitator, title="X", facilitators=[outsider])
    assert not site_a.workshop_series.exists()


def test_a_follow_up_session_comes_after_the_last_one(world, facilitator):
    follow_up = services.workshop_add(series=world["series"], actor=facilitator)
    assert follow_up.number == 7
    assert follow_up.is_follow_up
    assert follow_up.target_actions == [LearningAction.CONSOLIDATING]
    blank = services.workshop_add(series=world["series"], actor=facilitator, follow_up=False)
    assert blank.number == 8 and blank.title == "Session 8"


def test_changing_the_date_raises_the_calendar_sequence_but_changing_aims_does_not(
    world, facilitator
):
    workshop = world["workshop"]
    services.workshop_update(workshop=workshop, actor=facilitator, aims="Look at ourselves.")
    assert workshop.ics_sequence == 0
    services.workshop_update(workshop=workshop, actor=facilitator, date=datetime.date(2006, 5, 2))
    workshop.refresh_from_db()
    assert workshop.ics_sequence == 1
    assert AuditEvent.objects.filter(verb="workshop.update", object_id=workshop.pk).count() == 2


def test_a_session_cannot_end_before_it_starts(world, facilitator):
    workshop = world["workshop"]
    with pytest.raises(ValidationError, match="ends before it starts"):
        services.workshop_update(
            workshop=workshop,
            actor=facilitator,
            start_time=datetime.time(12, 0),
            end_time=datetime.time(10, 0),
        )
    assert Workshop.objects.get(pk=workshop.pk).start_time is None


def test_attendees_must_be_participants_of_the_site(world, facilitator):
    with pytest.raises(ValidationError, match="not a participant at this site"):
        services.workshop_attendees_set(
            workshop=world["workshop"], actor=facilitator, participants=[world["omar"]]
        )
    assert not world["workshop"].attendees.exists()


def test_attendees_without_consent_to_recording_or_to_being_shown_are_flagged(world):
    nobody = ParticipantFactory(site=world["helen"].site, pseudonym="Unconsented")
    assert selectors.attendee_flags(world["helen"]) == []
    assert selectors.attendee_flags(world["nadia"]) == ["No consent to being shown to colleagues"]
    assert selectors.attendee_flags(nobody) == [
        "No consent to being recorded",
        "No consent to being shown to colleagues",
    ]


def test_agenda_items_are_added_moved_and_removed_with_a_running_total(world, facilitator):
    workshop = world["workshop"]
    added = services.activity_create(
        workshop=workshop, actor=facilitator, title="Extra", minutes=15
    )
    page = selectors.session_page(workshop=workshop)
    assert page.agenda[-1].activity == added and page.agenda_total == 135
    services.activity_move(activity=added, actor=facilitator, direction="up")
    titles = [a.title for a in workshop.activities.order_by("order")]
    assert titles[-2] == "Extra"
    services.activity_delete(activity=added, actor=facilitator)
    assert not workshop.activities.filter(title="Extra").exists()


def test_an_excerpt_becomes_a_mirror_item_with_a_snapshot_and_its_provenance(world, facilitator):
    coding = world["codings"][1]
    item = services.mirror_item_add_excerpt(
        workshop=world["workshop"], actor=facilitator, coding=coding
    )
    assert item.text == "Strictly we shouldn't, but I rang the school nurse."
    assert item.source_title == "Interview with the team"
    assert item.source_date == datetime.date(2005, 3, 14)
    assert item.range_label.startswith("turn 2")
    assert item.speaker_label == "Wendy"
    assert list(item.speakers.all()) == [world["wendy"]]
    assert item.surface_column == SurfaceColumn.MIRROR
    assert item.surface_layer == TimeLayer.PRESENT
    assert item.status == MirrorItemStatus.ACCEPTED
    # The snapshot survives an edit of the source.
    world["source"].text = "Rewritten."
    world["source"].save()
    item.refresh_from_db()
    assert item.text.startswith("Strictly")


def test_an_excerpt_of_a_participant_who_declined_being_shown_cannot_be_chosen(world, facilitator):
    with pytest.raises(ValidationError) as excinfo:
        services.mirror_item_add_excerpt(
            workshop=world["workshop"], actor=facilitator, coding=world["codings"][2]
        )
    assert "Nadia declined consent to being shown to colleagues in workshops" in str(excinfo.value)
    assert not MirrorItem.objects.exists()


def test_an_excerpt_of_a_participant_who_withdrew_quotation_cannot_be_chosen(world, facilitator):
    decide(world["helen"], ConsentScope.QUOTATION)
    with pytest.raises(ValidationError, match="Helen withdrew consent to being quoted"):
        services.mirror_item_add_excerpt(
            workshop=world["workshop"], actor=facilitator, coding=world["codings"][0]
        )
    assert not MirrorItem.objects.exists()


def test_an_excerpt_from_another_site_cannot_be_chosen(world, facilitator):
    with pytest.raises(ValidationError, match="this site's fieldwork"):
        services.mirror_item_add_excerpt(
            workshop=world["workshop"], actor=facilitator, coding=world["coding_b"]
        )


def test_a_withdrawal_after_choosing_revokes_the_item_everywhere_and_is_audited(
    world, facilitator, lead
):
    workshop = world["workshop"]
    item = services.mirror_item_add_excerpt(
        workshop=workshop, actor=facilitator, coding=world["codings"][0]
    )
    assert selectors.usable_items(workshop.mirror_items.prefetch_related("speakers")) == [item]
    site_services.consent_record(
        participant=world["helen"],
        actor=lead,
        scopes=[ConsentScope.WORKSHOP],
        decision=ConsentDecision.WITHDRAWN,
    )
    page = selectors.session_page(workshop=workshop)
    assert page.items[0].revoked
    assert "Helen withdrew consent to being shown to colleagues" in page.items[0].revoked_reason
    assert selectors.usable_items(workshop.mirror_items.prefetch_related("speakers")) == []
    board = selectors.board(workshop=workshop)
    assert board[1][0].items[0].revoked  # present × mirror
    event = AuditEvent.objects.get(verb="mirror_item.revoke")
    assert event.object_id == str(item.pk) and event.actor == lead
    assert "Helen withdrew" in event.changes["reason"]
    assert "1 workshop mirror item" in site_services.consent_withdrawal_impact(world["helen"])


def test_giving_consent_again_does_not_audit_a_revocation(world, facilitator, lead):
    services.mirror_item_add_excerpt(
        workshop=world["workshop"], actor=facilitator, coding=world["codings"][0]
    )
    site_services.consent_record(
        participant=world["helen"],
        actor=lead,
        scopes=[ConsentScope.WORKSHOP],
        decision=ConsentDecision.GIVEN,
    )
    assert not AuditEvent.objects.filter(verb="mirror_item.revoke").exists()


def test_a_researcher_proposes_and_a_facilitator_accepts(world, researcher, facilitator):
    item = services.mirror_item_add_excerpt(
        workshop=world["workshop"], actor=researcher, coding=world["codings"][0], proposed=True
    )
    assert item.status == MirrorItemStatus.PROPOSED
    assert selectors.usable_items(MirrorItem.objects.prefetch_related("speakers")) == []
    services.mirror_item_accept(item=item, actor=facilitator)
    assert item.status == MirrorItemStatus.ACCEPTED
    with pytest.raises(ApplicationError):
        services.mirror_item_accept(item=item, actor=facilitator)


def test_a_statistic_is_typed_in_with_where_it_comes_from(world, facilitator):
    item = services.mirror_item_add_typed(
        workshop=world["workshop"],
        actor=facilitator,
        kind=MirrorItemKind.STATISTIC,
        text="40% of referrals bounced back",
        provenance_note="Team audit, 2005",
    )
    assert item.kind == MirrorItemKind.STATISTIC and item.provenance_note == "Team audit, 2005"
    with pytest.raises(ValidationError):
        services.mirror_item_add_typed(
            workshop=world["workshop"], actor=facilitator, kind=MirrorItemKind.STATISTIC, text=" "
        )


def test_placing_an_item_moves_it_to_a_surface_and_renumbers_the_cell(world, facilitator):
    workshop = world["workshop"]
    a = services.mirror_item_add_excerpt(
        workshop=workshop, actor=facilitator, coding=world["codings"][0]
    )
    b = services.mirror_item_add_excerpt(
        workshop=workshop, actor=facilitator, coding=world["codings"][1]
    )
    services.mirror_item_place(
        item=b, actor=facilitator, column=SurfaceColumn.MIRROR, layer=TimeLayer.PRESENT, position=0
    )
    a.refresh_from_db()
    assert (b.order, a.order) == (0, 1)
    services.mirror_item_place(
        item=a, actor=facilitator, column=SurfaceColumn.IDEAS, layer=TimeLayer.FUTURE
    )
    a.refresh_from_db()
    assert (a.surface_column, a.surface_layer, a.order) == ("ideas", "future", 0)
    assert AuditEvent.objects.filter(verb="mirror_item.move", object_id=a.pk).exists()
    with pytest.raises(ValidationError):
        services.mirror_item_place(item=a, actor=facilitator, column="wall", layer="past")


def test_recording_what_happened_marks_the_session_held_apart_from_the_plan(world, facilitator):
    workshop = world["workshop"]
    skipped = workshop.activities.order_by("order").last()
    services.workshop_record_held(
        workshop=workshop,
        actor=facilitator,
        present=[world["helen"]],
        held_notes="Long discussion of the referral form.",
        deviations="Participants redrew the triangle themselves.",
        skipped=[skipped.pk],
    )
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.HELD and workshop.ics_sequence == 1
    assert list(workshop.present.all()) == [world["helen"]]
    skipped.refresh_from_db()
    assert skipped.skipped
    assert workshop.first_stimulus_plan  # the plan is untouched
    services.workshop_mark_written_up(workshop=workshop, actor=facilitator)
    assert workshop.status == WorkshopStatus.WRITTEN_UP
    with pytest.raises(ApplicationError):
        services.workshop_record_held(
            workshop=workshop, actor=facilitator, present=[], held_notes="Again"
        )


def test_a_planned_session_cannot_be_written_up(world, facilitator):
    with pytest.raises(ApplicationError, match="Only a held session"):
        services.workshop_mark_written_up(workshop=world["workshop"], actor=facilitator)


def _held(world, facilitator):
    workshop = world["workshop"]
    services.workshop_record_held(
        workshop=workshop, actor=facilitator, present=[world["helen"]], held_notes="Held."
    )
    return workshop


TRANSCRIPT = (
    b"Helen: Why do we still use the old referral form?\n\n"
    b"Wendy: Strictly it doesn't work for the school.\n\n"
    b"Helen: Then we should change who holds the case.\n\n"
    b"Wendy: Let us try a joint panel next month.\n"
)


def test_a_transcript_is_imported_as_a_workshop_source_linked_to_the_session(
    world, facilitator, private_media, django_capture_on_commit_callbacks
):
    workshop = _held(world, facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.recording_import(
            workshop=workshop, actor=facilitator, file=ContentFile(TRANSCRIPT, name="session1.txt")
        )
    workshop.refresh_from_db()
    job.refresh_from_db()
    assert job.error == ""
    source = workshop.recording
    assert source.kind == SourceKind.WORKSHOP and "Why do we still" in source.text
    speakers = {s.speaker: s.participant for s in source.segments.all()}
    assert speakers == {"Helen": world["helen"], "Wendy": world["wendy"]}
    count = services.recording_map_speaker(
        workshop=workshop, actor=facilitator, label="Wendy", participant=None
    )
    assert count == 2
    assert not source.segments.filter(speaker="Wendy", participant__isnull=False).exists()
    with pytest.raises(ApplicationError, match="already has a transcript"):
        services.recording_import(
            workshop=workshop, actor=facilitator, file=ContentFile(TRANSCRIPT, name="again.txt")
        )


def test_a_planned_session_cannot_take_a_transcript(world, facilitator):
    with pytest.raises(ApplicationError, match="held"):
        services.recording_import(
            workshop=world["workshop"],
            actor=facilitator,
            file=ContentFile(TRANSCRIPT, name="s.txt"),
        )
    assert world["workshop"].recording is None
