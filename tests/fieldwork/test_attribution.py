"""Field-note paragraphs attributed to participants, and speakers mapped to nobody: the two
ways words used to escape the consent exclusion."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fieldwork import services
from fieldwork.models import SegmentAttribution
from sites.models import AuditEvent, ConsentDecision, ConsentScope
from tests.factories import (
    ConsentRecordFactory,
    ParticipantFactory,
    SourceFactory,
    give_full_consent,
    make_source_with_turns,
)

NOTES = (
    "The team meets in the portakabin at nine.\n\n"
    "Wendy said she rang the school nurse anyway; Helen nodded.\n\n"
    "Everyone agreed the referral form needs changing."
)


@pytest.fixture
def people(site_a):
    return {
        "helen": give_full_consent(ParticipantFactory(site=site_a, pseudonym="Helen")),
        "wendy": give_full_consent(ParticipantFactory(site=site_a, pseudonym="Wendy")),
        "amir": give_full_consent(ParticipantFactory(site=site_a, pseudonym="Amir")),
    }


@pytest.fixture
def notes(site_a, researcher, people):
    return services.observation_create(
        site=site_a, actor=researcher, title="Team meeting", date=None, notes=NOTES
    ).source


def attribute_url(source) -> str:
    return reverse("fieldwork:source-attribute", kwargs={"pk": source.pk})


def withdraw(participant):
    ConsentRecordFactory(
        participant=participant,
        scope=ConsentScope.PARTICIPATION,
        decision=ConsentDecision.WITHDRAWN,
        effective_date=datetime.date(2006, 3, 1),
    )


def attributed(source, order: int) -> set[str]:
    return set(
        SegmentAttribution.objects.filter(segment__source=source, segment__order=order).values_list(
            "participant__pseudonym", flat=True
        )
    )


# --- the service -----------------------------------------------------------------------------


def test_attributing_a_paragraph_is_audited_and_replaces_the_previous_choice(
    notes, people, researcher
):
    paragraph = notes.segments.get(order=1)
    services.segment_attribute(
        segment=paragraph, participants=[people["wendy"], people["helen"]], actor=researcher
    )
    assert attributed(notes, 1) == {"Wendy", "Helen"}
    services.segment_attribute(segment=paragraph, participants=[people["wendy"]], actor=researcher)
    assert attributed(notes, 1) == {"Wendy"}
    events = AuditEvent.objects.filter(verb="segment.attribute").order_by("pk")
    assert [e.changes["participants"] for e in events] == [
        [[], ["Helen", "Wendy"]],
        [["Helen", "Wendy"], ["Wendy"]],
    ]
    assert events[0].changes["paragraph"] == 2 and events[0].actor == researcher


def test_a_participant_of_another_site_cannot_be_attributed(notes, participant_b, researcher):
    with pytest.raises(ValidationError, match="participants of this site"):
        services.segment_attribute(
            segment=notes.segments.get(order=1), participants=[participant_b], actor=researcher
        )
    assert not SegmentAttribution.objects.exists()


def test_attributions_survive_an_edit_of_the_notes(notes, people, researcher):
    services.segment_attribute(
        segment=notes.segments.get(order=1), participants=[people["wendy"]], actor=researcher
    )
    edited = "A new first paragraph.\n\n" + NOTES.replace("nurse anyway", "nurse, anyway")
    services.source_update_text(source=notes, text=edited, actor=researcher)
    paragraph = notes.segments.get(text__startswith="Wendy said")
    assert paragraph.order == 2
    assert attributed(notes, 2) == {"Wendy"}
    assert attributed(notes, 0) == set() and attributed(notes, 1) == set()


def test_an_attributed_paragraph_deleted_from_the_notes_takes_its_attribution_with_it(
    notes, people, researcher
):
    services.segment_attribute(
        segment=notes.segments.get(order=1), participants=[people["wendy"]], actor=researcher
    )
    kept = NOTES.split("\n\n")
    services.source_update_text(source=notes, text=f"{kept[0]}\n\n{kept[2]}", actor=researcher)
    assert not SegmentAttribution.objects.exists()


def test_withdrawal_impact_counts_attributed_paragraphs(notes, people, researcher):
    from sites.services import consent_withdrawal_impact

    services.segment_attribute(
        segment=notes.segments.get(order=1), participants=[people["wendy"]], actor=researcher
    )
    assert "1 attributed field-note paragraph in 1 source" in consent_withdrawal_impact(
        people["wendy"]
    )


# --- the control on the reading view ---------------------------------------------------------


def test_the_reading_view_suggests_participants_named_in_a_paragraph_first(
    notes, people, client_for, researcher
):
    page = client_for(researcher).get(notes.get_absolute_url()).text
    second = page[page.index('id="turn-1"') : page.index('id="turn-2"')]
    labels = [second.index(f">{name}") for name in ("Helen", "Wendy", "Amir")]
    assert labels[0] < labels[2] and labels[1] < labels[2]  # the named two come first
    assert second.count("Named here") == 2
    first = page[page.index('id="turn-0"') : page.index('id="turn-1"')]
    assert "Named here" not in first


@pytest.mark.parametrize("persona", ["viewer", "facilitator"])
def test_read_only_roles_get_no_attribution_control(notes, client_for, request, persona):
    page = client_for(request.getfixturevalue(persona)).get(notes.get_absolute_url()).text
    assert "Who is this about?" not in page


def test_an_interview_with_speakers_has_no_attribution_control(
    site_a, people, client_for, researcher
):
    source = make_source_with_turns(site=site_a, turns=[("Helen", "Hello.", people["helen"])])
    assert "Who is this about?" not in client_for(researcher).get(source.get_absolute_url()).text


def test_researcher_attributes_a_paragraph(notes, people, client_for, researcher):
    response = client_for(researcher).post(
        attribute_url(notes), {"paragraph": 1, "participants": [people["wendy"].pk]}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"{notes.get_absolute_url()}#turn-1"
    assert "Paragraph 2 attributed to Wendy." in response.text
    assert "About: Wendy" in response.text
    assert attributed(notes, 1) == {"Wendy"}


def test_clearing_every_box_removes_the_attribution(notes, people, client_for, researcher):
    services.segment_attribute(
        segment=notes.segments.get(order=1), participants=[people["wendy"]], actor=researcher
    )
    response = client_for(researcher).post(attribute_url(notes), {"paragraph": 1}, follow=True)
    assert "Paragraph 2 is no longer attributed to anyone." in response.text
    assert attributed(notes, 1) == set()


def test_attributing_by_get_is_not_allowed(notes, client_for, researcher):
    assert client_for(researcher).get(attribute_url(notes)).status_code == 405


def test_anonymous_attribution_goes_to_login(notes, client):
    response = client.post(attribute_url(notes), {"paragraph": 1})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not SegmentAttribution.objects.exists()


def test_outsider_gets_404_for_another_sites_notes(notes, people, client_for, outsider):
    response = client_for(outsider).post(
        attribute_url(notes), {"paragraph": 1, "participants": [people["wendy"].pk]}
    )
    assert response.status_code == 404 and not SegmentAttribution.objects.exists()


@pytest.mark.parametrize("persona", ["viewer", "facilitator"])
def test_read_only_roles_cannot_attribute(notes, people, client_for, request, persona):
    response = client_for(request.getfixturevalue(persona)).post(
        attribute_url(notes), {"paragraph": 1, "participants": [people["wendy"].pk]}
    )
    assert response.status_code == 403 and not SegmentAttribution.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"paragraph": 9, "participants": []}, "no longer in the notes"),
        ({"paragraph": 1, "participants": ["other"]}, "Choose participants of this site"),
    ],
)
def test_bad_attribution_input_says_so_and_writes_nothing(
    notes, participant_b, client_for, researcher, data, message
):
    if data["participants"] == ["other"]:
        data = {**data, "participants": [participant_b.pk]}
    response = client_for(researcher).post(attribute_url(notes), data, follow=True)
    assert response.status_code == 200 and message in response.text
    assert not SegmentAttribution.objects.exists()
    assert not AuditEvent.objects.filter(verb="segment.attribute").exists()


def test_reading_view_query_count_does_not_grow_with_attributions(
    site_a, people, client_for, researcher, django_assert_max_num_queries
):
    withdraw(people["amir"])
    few = services.observation_create(
        site=site_a, actor=researcher, title="Few", date=None, notes=NOTES
    ).source
    many = services.observation_create(
        site=site_a, actor=researcher, title="Many", date=None, notes="\n\n".join([NOTES] * 20)
    ).source
    for source in (few, many):
        for paragraph in source.segments.all():
            services.segment_attribute(
                segment=paragraph, participants=[people["wendy"], people["amir"]], actor=researcher
            )
    client = client_for(researcher)
    with django_assert_max_num_queries(25) as small:
        client.get(few.get_absolute_url())
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(many.get_absolute_url())
    assert response.text.count("[withdrawn: participant withdrew on 1 March 2006]") == 60


# --- speakers mapped to nobody ---------------------------------------------------------------


@pytest.fixture
def unmapped(site_a, people):
    """An interview whose 'Marg' turns are mapped to nobody, and one fully mapped."""
    make_source_with_turns(
        site=site_a,
        title="Interview with Marg",
        turns=[
            ("Helen", "We sit together.", people["helen"]),
            ("Marg", "I ring the school.", None),
            ("Marg", "Every week.", None),
        ],
    )
    make_source_with_turns(
        site=site_a, title="Mapped interview", turns=[("Helen", "Fine.", people["helen"])]
    )


def test_site_page_flags_sources_with_unmapped_speakers(unmapped, client_for, viewer, site_a):
    page = client_for(viewer).get(reverse("sites:site-detail", args=[site_a.code])).text
    assert "1 source has 2 turns whose speaker is not mapped to a participant" in page
    assert "Map the speakers of “Interview with Marg” (2 turns)" in page
    assert "Mapped interview" not in page


def test_site_page_has_no_flag_when_every_speaker_is_mapped(site_a, people, client_for, viewer):
    make_source_with_turns(site=site_a, turns=[("Helen", "Fine.", people["helen"])])
    SourceFactory(site=site_a, text="")
    page = client_for(viewer).get(reverse("sites:site-detail", args=[site_a.code])).text
    assert "not mapped to a participant" not in page


def test_fieldwork_list_flags_sources_with_unmapped_speakers(
    unmapped, notes, client_for, researcher, site_a
):
    page = client_for(researcher).get(reverse("fieldwork:site-fieldwork", args=[site_a.code])).text
    assert "1 source has turns whose speaker is not mapped to a participant" in page
    assert page.count(">2 unmapped<") == 1  # the interview; field-note paragraphs have no label


def test_dashboard_says_how_many_coded_turns_have_no_mapped_speaker(
    unmapped, client_for, researcher, outsider, site_a
):
    from fieldwork.models import Source
    from tests.themes.factories import CodingFactory

    source = Source.objects.get(title="Interview with Marg")
    CodingFactory(source=source, site=site_a, start=0, end=len(source.text))  # every turn
    CodingFactory(source=source, site=site_a, start=0, end=3)  # Helen's only
    page = client_for(researcher).get(reverse("themes:dashboard")).text
    assert "2 coded turns have no mapped speaker" in page
    page = client_for(outsider).get(reverse("themes:dashboard")).text
    assert "no mapped speaker" not in page


def test_a_researcher_cannot_open_notes_holding_withheld_words_in_the_editor(
    notes, people, client_for, researcher, lead
):
    services.segment_attribute(
        segment=notes.segments.get(order=1), participants=[people["wendy"]], actor=researcher
    )
    withdraw(people["wendy"])
    client = client_for(researcher)
    page = client.get(notes.get_absolute_url()).text
    assert "Only a lead can edit these notes" in page and "Edit field notes" not in page
    edit = reverse("fieldwork:source-edit", kwargs={"pk": notes.pk})
    response = client.get(edit)
    assert response.status_code == 403 and "rang the school nurse" not in response.text
    autosave = reverse("fieldwork:observation-autosave", kwargs={"pk": notes.pk})
    assert client.post(autosave, {"notes": "x"}).status_code == 403
    notes.observation.refresh_from_db()
    assert notes.observation.draft_notes == ""
    response = client_for(lead).get(edit)
    assert response.status_code == 200 and "rang the school nurse" in response.text
