"""Views of series, sessions, agenda, attendees, mirror data, board, calendar and recording.

Anonymous users, other sites' members and viewers are covered for every URL by the generated
access matrix (tests/test_access_matrix.py); here: happy paths with their effects, 405 on GET
of POST-only views, 403 for roles that cannot plan, and invalid input leaving nothing written.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sites.models import AuditEvent
from tests.factories import ParticipantFactory, give_full_consent
from workshops import services
from workshops.models import (
    ActivitySystemModel,
    ElementEntry,
    MirrorItem,
    MirrorItemStatus,
    Workshop,
    WorkshopActivity,
    WorkshopSeries,
    WorkshopStatus,
)

pytestmark = pytest.mark.django_db


def url(name, site_code="alpha", **kwargs):
    return reverse(f"workshops:{name}", kwargs={"code": site_code, **kwargs})


# --- series -------------------------------------------------------------------------------


def test_the_site_workshops_page_lists_series_and_sessions_for_a_viewer(world, client_for, viewer):
    response = client_for(viewer).get(url("series-list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "DWR at Alpha" in body and "Session 1: Current practice" in body
    assert "Start a workshop series" not in body


def test_the_navigation_leads_a_one_site_member_to_their_sites_workshops(world, client_for, viewer):
    client = client_for(viewer)
    assert 'href="/workshops/"' in client.get("/").content.decode()
    response = client.get(reverse("workshops-index"))
    assert response.status_code == 302 and response["Location"] == url("series-list")


def test_a_lead_sees_every_sites_series_from_the_navigation(world, client_for, lead):
    body = client_for(lead).get(reverse("workshops-index")).content.decode()
    assert "Alpha Team" in body and "Bravo Team" in body and "DWR at Alpha" in body


def test_a_facilitator_starts_a_series_from_the_template(site_a, client_for, facilitator):
    response = client_for(facilitator).post(
        url("series-create"),
        {
            "title": "Alpha workshops",
            "aims": "Look at our practice.",
            "planned_sessions": 6,
            "start_from": "template",
            "facilitators": [facilitator.pk],
        },
    )
    series = WorkshopSeries.objects.get(title="Alpha workshops")
    assert response.status_code == 302 and response["Location"] == series.get_absolute_url()
    assert series.sessions.count() == 6
    assert list(series.facilitators.all()) == [facilitator]


def test_a_series_with_no_sessions_is_refused_in_plain_words(site_a, client_for, facilitator):
    response = client_for(facilitator).post(
        url("series-create"), {"title": "X", "planned_sessions": 0, "start_from": "blank"}
    )
    assert response.status_code == 200
    assert "Plan between 1 and 30 sessions." in response.content.decode()
    assert not WorkshopSeries.objects.exists()


def test_a_researcher_cannot_start_a_series(site_a, client_for, researcher):
    response = client_for(researcher).post(
        url("series-create"), {"title": "X", "planned_sessions": 6, "start_from": "blank"}
    )
    assert response.status_code == 403
    assert not WorkshopSeries.objects.exists()


def test_a_facilitator_edits_a_series_and_adds_a_follow_up(world, client_for, facilitator):
    series = world["series"]
    client = client_for(facilitator)
    response = client.post(
        url("series-edit", pk=series.pk),
        {"title": "Renamed", "aims": "", "planned_sessions": 7, "facilitators": []},
    )
    assert response.status_code == 302
    series.refresh_from_db()
    assert series.title == "Renamed" and series.planned_sessions == 7
    response = client.post(url("series-add-session", pk=series.pk), {"kind": "follow-up"})
    follow_up = series.sessions.get(number=7)
    assert response["Location"] == follow_up.get_absolute_url() and follow_up.is_follow_up


def test_editing_a_series_with_an_empty_title_changes_nothing(world, client_for, facilitator):
    series = world["series"]
    response = client_for(facilitator).post(
        url("series-edit", pk=series.pk), {"title": "", "planned_sessions": 6}
    )
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    series.refresh_from_db()
    assert series.title == "DWR at Alpha"


POST_ONLY = [
    "series-add-session",
    "workshop-written-up",
    "workshop-mirror-add",
    "workshop-mirror-typed",
    "workshop-recording",
    "workshop-speakers",
    "workshop-showing",
    "activity-delete",
    "activity-move",
    "mirroritem-accept",
    "mirroritem-remove",
    "mirroritem-place",
]


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_only_views_answer_405_to_get(name, world, client_for, facilitator):
    workshop = world["workshop"]
    item = MirrorItem.objects.create(
        workshop=workshop, site=workshop.site, kind="statistic", text="3 a week"
    )
    pk = {
        "series-add-session": world["series"].pk,
        "activity-delete": workshop.activities.first().pk,
        "activity-move": workshop.activities.first().pk,
        "mirroritem-accept": item.pk,
        "mirroritem-remove": item.pk,
        "mirroritem-place": item.pk,
    }.get(name, workshop.pk)
    assert client_for(facilitator).get(url(name, pk=pk)).status_code == 405


def test_series_and_session_calendars_download_as_ics(world, client_for, viewer):
    client = client_for(viewer)
    response = client.get(url("series-ics", pk=world["series"].pk))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in response.content
    response = client.get(url("workshop-ics", pk=world["workshop"].pk))
    assert response.status_code == 200 and b"BEGIN:VCALENDAR" in response.content


# --- one session --------------------------------------------------------------------------


def test_the_session_page_shows_plan_agenda_and_flagged_attendees(world, client_for, viewer):
    workshop = world["workshop"]
    workshop.attendees.set([world["helen"], world["nadia"]])
    body = client_for(viewer).get(workshop.get_absolute_url()).content.decode()
    assert "Timed agenda" in body and "120 minutes planned" in body
    assert "No consent to being shown to colleagues" in body
    assert "1 attendee without consent" in body
    assert "Edit plan and attendees" not in body


def test_a_facilitator_plans_a_session_with_attendees(world, client_for, facilitator):
    workshop = world["workshop"]
    response = client_for(facilitator).post(
        url("workshop-edit", pk=workshop.pk),
        {
            "title": "Current practice",
            "date": "2006-05-10",
            "start_time": "09:30",
            "end_time": "11:30",
            "venue": "Team room",
            "layer_focus": ["present"],
            "target_actions": ["questioning"],
            "facilitator": facilitator.pk,
            "scribe_participant": world["wendy"].pk,
            "attendees": [world["helen"].pk, world["wendy"].pk],
        },
    )
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.date == datetime.date(2006, 5, 10) and workshop.venue == "Team room"
    assert workshop.scribe_participant == world["wendy"]
    assert set(workshop.attendees.all()) == {world["helen"], world["wendy"]}
    assert workshop.ics_sequence == 1
    body = client_for(facilitator).get(workshop.get_absolute_url()).content.decode()
    assert "of a 120-minute session" in body


def test_a_plan_ending_before_it_starts_is_refused_and_nothing_changes(
    world, client_for, facilitator
):
    workshop = world["workshop"]
    response = client_for(facilitator).post(
        url("workshop-edit", pk=workshop.pk),
        {
            "title": "Changed",
            "start_time": "12:00",
            "end_time": "10:00",
            "attendees": [world["helen"].pk],
        },
    )
    assert response.status_code == 200
    assert "The session ends before it starts." in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.title == "Current practice" and not workshop.attendees.exists()


def test_a_researcher_cannot_change_a_plan(world, client_for, researcher):
    workshop = world["workshop"]
    response = client_for(researcher).post(url("workshop-edit", pk=workshop.pk), {"title": "X"})
    assert response.status_code == 403
    workshop.refresh_from_db()
    assert workshop.title == "Current practice"


def test_agenda_items_are_added_edited_moved_and_removed(world, client_for, facilitator):
    workshop = world["workshop"]
    client = client_for(facilitator)
    response = client.post(
        url("workshop-activity-create", pk=workshop.pk),
        {"title": "Break", "minutes": 10, "second_stimulus": ""},
    )
    assert response.status_code == 302
    activity = workshop.activities.get(title="Break")
    response = client.post(
        url("activity-edit", pk=activity.pk),
        {"title": "Tea break", "minutes": 15, "second_stimulus": "timeline"},
    )
    activity.refresh_from_db()
    assert (activity.title, activity.minutes, activity.second_stimulus) == (
        "Tea break",
        15,
        "timeline",
    )
    client.post(url("activity-move", pk=activity.pk), {"direction": "up"})
    assert [a.title for a in workshop.activities.order_by("order")][-2] == "Tea break"
    client.post(url("activity-delete", pk=activity.pk))
    assert not WorkshopActivity.objects.filter(pk=activity.pk).exists()
    assert AuditEvent.objects.filter(verb="workshop.activity_delete").exists()


def test_an_agenda_item_without_minutes_is_refused(world, client_for, facilitator):
    workshop = world["workshop"]
    before = workshop.activities.count()
    response = client_for(facilitator).post(
        url("workshop-activity-create", pk=workshop.pk), {"title": "Break", "minutes": 0}
    )
    assert response.status_code == 200
    assert "Give the minutes as a number from 1 to 600." in response.content.decode()
    assert workshop.activities.count() == before


def test_marking_held_records_what_happened_apart_from_the_plan(world, client_for, facilitator):
    workshop = world["workshop"]
    skipped = workshop.activities.order_by("order").last()
    client = client_for(facilitator)
    response = client.post(
        url("workshop-held", pk=workshop.pk),
        {
            "present": [world["helen"].pk],
            "held_notes": "Lively.",
            "deviations": "We skipped the summary.",
            "skipped": [skipped.pk],
        },
    )
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.HELD and workshop.held_notes == "Lively."
    body = client.get(workshop.get_absolute_url()).content.decode()
    assert "What actually happened" in body and "Skipped" in body
    client.post(url("workshop-written-up", pk=workshop.pk))
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.WRITTEN_UP


def test_marking_held_without_notes_is_refused_and_the_session_stays_planned(
    world, client_for, facilitator
):
    workshop = world["workshop"]
    response = client_for(facilitator).post(url("workshop-held", pk=workshop.pk), {})
    assert response.status_code == 200
    assert "Write a few words on what happened." in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.PLANNED


def test_a_planned_session_cannot_be_written_up_and_says_why(world, client_for, facilitator):
    workshop = world["workshop"]
    response = client_for(facilitator).post(url("workshop-written-up", pk=workshop.pk), follow=True)
    assert "Only a held session can be marked written up" in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.PLANNED


def test_the_summary_is_drafted_edited_and_saved(world, client_for, facilitator):
    workshop = world["workshop"]
    services.workshop_record_held(
        workshop=workshop, actor=facilitator, present=[], held_notes="We named tensions."
    )
    client = client_for(facilitator)
    body = client.get(url("workshop-summary", pk=workshop.pk) + "?draft=1").content.decode()
    assert "We named tensions." in body
    response = client.post(url("workshop-summary", pk=workshop.pk), {"next_summary": "Edited."})
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.next_summary == "Edited."
    response = client.post(url("workshop-summary", pk=workshop.pk), {"next_summary": ""})
    assert response.status_code == 200
    assert "Write the summary, or draft it again." in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.next_summary == "Edited."


# --- mirror data --------------------------------------------------------------------------


def test_the_mirror_search_shows_provenance_and_why_an_excerpt_cannot_be_chosen(
    world, client_for, facilitator
):
    response = client_for(facilitator).get(
        url("workshop-mirror", pk=world["workshop"].pk), {"theme": world["theme"].pk}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "We sit together in the same office now." in body
    assert "Interview with the team" in body
    assert "Cannot be chosen:</strong> Nadia declined consent to being shown" in body
    assert body.count("Add as mirror item") == 2
    assert "Omar" not in body and "waiting list" not in body


def test_the_mirror_search_filters_by_words_and_level(world, client_for, facilitator):
    client = client_for(facilitator)
    body = client.get(
        url("workshop-mirror", pk=world["workshop"].pk), {"q": "school nurse"}
    ).content.decode()
    assert "<mark>Strictly we shouldn&#x27;t, but I rang the school nurse.</mark>" in body
    assert ">1 excerpt<" in body
    body = client.get(
        url("workshop-mirror", pk=world["workshop"].pk), {"level": "strategic"}
    ).content.decode()
    assert "No coded excerpts match" in body


def test_a_viewer_cannot_search_for_mirror_data(world, client_for, viewer):
    assert (
        client_for(viewer).get(url("workshop-mirror", pk=world["workshop"].pk)).status_code == 403
    )


def test_a_facilitator_adds_an_excerpt_and_a_researcher_proposes_one(
    world, client_for, facilitator, researcher
):
    workshop = world["workshop"]
    response = client_for(facilitator).post(
        url("workshop-mirror-add", pk=workshop.pk), {"coding": world["codings"][0].pk}
    )
    assert response.status_code == 302
    assert workshop.mirror_items.get().status == MirrorItemStatus.ACCEPTED
    client_for(researcher).post(
        url("workshop-mirror-add", pk=workshop.pk), {"coding": world["codings"][1].pk}
    )
    assert workshop.mirror_items.filter(status=MirrorItemStatus.PROPOSED).count() == 1


def test_adding_a_blocked_or_foreign_excerpt_says_why_and_adds_nothing(
    world, client_for, facilitator
):
    client = client_for(facilitator)
    workshop = world["workshop"]
    response = client.post(
        url("workshop-mirror-add", pk=workshop.pk), {"coding": world["codings"][2].pk}, follow=True
    )
    assert "Nadia declined consent to being shown to colleagues" in response.content.decode()
    response = client.post(
        url("workshop-mirror-add", pk=workshop.pk), {"coding": world["coding_b"].pk}, follow=True
    )
    assert "Choose an excerpt of this site" in response.content.decode()
    assert not MirrorItem.objects.exists()


def test_a_statistic_is_typed_in_and_an_incomplete_one_refused(world, client_for, facilitator):
    client = client_for(facilitator)
    workshop = world["workshop"]
    response = client.post(
        url("workshop-mirror-typed", pk=workshop.pk),
        {"kind": "statistic", "text": "40% bounce back", "provenance_note": "Team audit"},
    )
    assert response.status_code == 302 and workshop.mirror_items.count() == 1
    response = client.post(
        url("workshop-mirror-typed", pk=workshop.pk), {"kind": "statistic", "text": "x"}
    )
    assert response.status_code == 200
    assert "Say where the extract or figure comes from." in response.content.decode()
    assert workshop.mirror_items.count() == 1


def _item(world, facilitator, n=0):
    return services.mirror_item_add_excerpt(
        workshop=world["workshop"], actor=facilitator, coding=world["codings"][n]
    )


def test_a_facilitator_edits_accepts_and_removes_items(world, client_for, facilitator, researcher):
    client = client_for(facilitator)
    item = _item(world, facilitator)
    response = client.post(
        url("mirroritem-edit", pk=item.pk),
        {"title": "Co-location", "facilitator_note": "Start here.", "prompts": "Who sits where?"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.prompt_list == ["Who sits where?"]
    proposed = services.mirror_item_add_excerpt(
        workshop=world["workshop"], actor=researcher, coding=world["codings"][1], proposed=True
    )
    client.post(url("mirroritem-accept", pk=proposed.pk))
    proposed.refresh_from_db()
    assert proposed.status == MirrorItemStatus.ACCEPTED
    client.post(url("mirroritem-remove", pk=item.pk))
    assert not MirrorItem.objects.filter(pk=item.pk).exists()


def test_a_researcher_cannot_accept_or_remove_items(world, client_for, facilitator, researcher):
    item = _item(world, facilitator)
    client = client_for(researcher)
    assert client.post(url("mirroritem-remove", pk=item.pk)).status_code == 403
    assert (
        client.post(url("mirroritem-place", pk=item.pk), {"surface": "ideas:past"}).status_code
        == 403
    )
    assert MirrorItem.objects.filter(pk=item.pk, surface_column="mirror").exists()


def test_an_item_is_moved_on_the_board_by_script_and_by_the_plain_form(
    world, client_for, facilitator
):
    item = _item(world, facilitator)
    client = client_for(facilitator)
    response = client.post(
        url("mirroritem-place", pk=item.pk),
        {"column": "model", "layer": "past"},
        headers={"Accept": "application/json"},
    )
    assert response.json() == {"ok": True, "surface": "Model / vision, past", "order": 0}
    response = client.post(url("mirroritem-place", pk=item.pk), {"surface": "ideas:future"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.surface_column, item.surface_layer) == ("ideas", "future")
    response = client.post(
        url("mirroritem-place", pk=item.pk),
        {"surface": "wall:past"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Choose one of the nine surfaces."
    item.refresh_from_db()
    assert item.surface_column == "ideas"


def test_the_board_shows_nine_surfaces_and_revoked_items_struck_through(
    world, client_for, facilitator, viewer, lead
):
    from sites import services as site_services
    from sites.models import ConsentDecision, ConsentScope

    _item(world, facilitator, 0)
    site_services.consent_record(
        participant=world["helen"],
        actor=lead,
        scopes=[ConsentScope.QUOTATION],
        decision=ConsentDecision.WITHDRAWN,
    )
    body = client_for(viewer).get(url("workshop-board", pk=world["workshop"].pk)).content.decode()
    assert body.count('class="surface-cell"') == 9
    assert "<del>" in body and "Helen withdrew consent to being quoted" in body
    assert 'draggable="true"' not in body  # a viewer cannot move items
    session = client_for(viewer).get(world["workshop"].get_absolute_url()).content.decode()
    assert "Revoked" in session and "It will not be shown or printed in a pack." in session


# --- the recording loop -------------------------------------------------------------------

TRANSCRIPT = (
    b"Helen: Why do we still use the old referral form?\n\n"
    b"Wendy: Strictly it doesn't work for the school.\n\n"
    b"Helen: Then we should change who holds the case.\n\n"
    b"Wendy: Let us try a joint panel next month.\n"
)


def test_a_transcript_is_imported_mapped_and_linked_from_the_session_page(
    world, client_for, facilitator, private_media, django_capture_on_commit_callbacks
):
    workshop = world["workshop"]
    services.workshop_record_held(workshop=workshop, actor=facilitator, present=[], held_notes="x")
    workshop.attendees.set([world["helen"], world["wendy"]])
    client = client_for(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("workshop-recording", pk=workshop.pk),
            {"file": SimpleUploadedFile("session1.txt", TRANSCRIPT, content_type="text/plain")},
        )
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert "joint panel" in workshop.recording.text
    response = client.post(
        url("workshop-speakers", pk=workshop.pk), {"label": "Wendy", "participant": ""}
    )
    assert response.status_code == 302
    assert not workshop.recording.segments.filter(participant=world["wendy"]).exists()
    item = _item(world, facilitator)
    response = client.post(
        url("workshop-showing", pk=workshop.pk),
        {"item": item.pk, "first_turn": 1, "last_turn": 2},
    )
    assert item.showings.get().last_turn == 1
    body = client.get(workshop.get_absolute_url()).content.decode()
    assert "Why do we still use the old referral form?" in body and "On screen:" in body


def test_an_upload_without_a_file_or_bad_turns_says_so_and_writes_nothing(
    world, client_for, facilitator
):
    workshop = world["workshop"]
    services.workshop_record_held(workshop=workshop, actor=facilitator, present=[], held_notes="x")
    client = client_for(facilitator)
    response = client.post(url("workshop-recording", pk=workshop.pk), {}, follow=True)
    assert "Choose the transcript file to import." in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.recording is None
    response = client.post(
        url("workshop-showing", pk=workshop.pk), {"first_turn": "x"}, follow=True
    )
    assert "Choose a mirror item and the turns" in response.content.decode()
    response = client.post(
        url("workshop-speakers", pk=workshop.pk), {"label": "Wendy"}, follow=True
    )
    assert "The session has no transcript yet." in response.content.decode()


# --- speed --------------------------------------------------------------------------------


def _grow(world, facilitator, items: int, attendees: int) -> Workshop:
    workshop = world["workshop"]
    site = workshop.site
    people = [
        give_full_consent(ParticipantFactory(site=site, pseudonym=f"P{workshop.pk}-{i}"))
        for i in range(attendees)
    ]
    workshop.attendees.add(*people)
    for i in range(items):
        item = MirrorItem.objects.create(
            workshop=workshop, site=site, kind="excerpt", text=f"Words {i}", source_title="S"
        )
        item.speakers.add(people[i % len(people)])
    model = ActivitySystemModel.objects.create(
        site=site, title="Today", perspective="The team", built_in=workshop
    )
    ElementEntry.objects.bulk_create(
        ElementEntry(model=model, element="rules", text=f"Rule {i}") for i in range(7)
    )
    return workshop


def test_the_session_page_runs_a_constant_number_of_queries(
    world, client_for, facilitator, django_assert_max_num_queries
):
    workshop = _grow(world, facilitator, items=40, attendees=30)
    client = client_for(facilitator)
    client.get(workshop.get_absolute_url())  # warm the session and user caches
    with django_assert_max_num_queries(30):
        response = client.get(workshop.get_absolute_url())
    assert response.content.decode().count('class="mirror-item card') == 40
    with django_assert_max_num_queries(30):
        client.get(url("workshop-board", pk=workshop.pk))
