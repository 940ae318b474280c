from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fieldwork import services
from fieldwork.models import Observation, Segment, SourceKind
from fieldwork.reanchor import Anchor
from sites.models import AuditEvent, ConsentDecision, ConsentScope
from sites.services import consent_withdrawal_impact
from tests.factories import ConsentRecordFactory, ParticipantFactory, make_source_with_turns

NOTES = "Morning meeting in the team room.\n\nThe EP asked who holds the case.\n\nNobody knew."


@pytest.fixture
def recorder():
    """A fake text-change handler (as themes registers for codings), removed afterwards."""
    calls = []

    def handler(source, old_text, remap):
        calls.append((source.text, old_text, remap))

    services.source_text_change_handlers.append(handler)
    yield calls
    services.source_text_change_handlers.remove(handler)


def test_source_create_normalises_text_and_makes_paragraph_segments(site_a, researcher):
    source = services.source_create(
        site=site_a,
        kind=SourceKind.DOCUMENT,
        title="Minutes",
        actor=researcher,
        text="Cafe\u0301 meeting\r\n\r\nSecond  para\x07graph\r\n",
    )
    assert source.text == "Café meeting\n\nSecond  paragraph"
    spans = [(s.start, s.end, s.text) for s in source.segments.order_by("order")]
    assert spans == [(0, 12, "Café meeting"), (14, 31, "Second  paragraph")]
    assert AuditEvent.objects.filter(verb="source.create", object_id=str(source.pk)).exists()


def test_editing_notes_rederives_paragraphs_and_calls_the_handler_with_a_remap(
    site_a, researcher, recorder
):
    observation = services.observation_create(
        site=site_a, actor=researcher, title="Team meeting", date=None, notes=NOTES
    )
    source = observation.source
    old = source.text
    new = NOTES.replace("Morning meeting", "Long morning meeting").replace("\n\nNobody knew.", "")
    services.source_update_text(source=source, text=new, actor=researcher)

    source.refresh_from_db()
    assert source.text == new
    assert [s.text for s in source.segments.order_by("order")] == [
        "Long morning meeting in the team room.",
        "The EP asked who holds the case.",
    ]
    ((text_seen, old_seen, remap),) = recorder
    assert (text_seen, old_seen) == (new, old)
    ep = old.index("The EP")
    gone = old.index("Nobody")
    moved, removed = remap([Anchor("ep", ep, ep + 6), Anchor("gone", gone, gone + 12)])
    assert new[moved.start : moved.end] == "The EP" and moved.status == "moved"
    assert removed.status == "removed"  # flagged, never silently dropped


def test_editing_a_transcript_reanchors_its_turns_and_keeps_their_speakers(
    site_a, researcher, participant_a, recorder
):
    source = make_source_with_turns(
        site=site_a,
        turns=[
            ("I", "Who do you ring?", None),
            ("Helen", "The duty desk, always.", participant_a),
            ("I", "Thanks.", None),
        ],
    )
    new = source.text.replace("Who do you ring?", "So, who do you usually ring?").replace(
        "\n\nThanks.", ""
    )
    services.source_update_text(source=source, text=new, actor=researcher)
    turns = list(Segment.objects.filter(source=source).order_by("order"))
    assert [(t.order, t.speaker, t.participant) for t in turns] == [
        (0, "I", None),
        (1, "Helen", participant_a),
    ]
    assert [new[t.start : t.end] for t in turns] == [
        "So, who do you usually ring?",
        "The duty desk, always.",
    ]
    assert turns[1].text == "The duty desk, always."
    assert len(recorder) == 1


def test_an_unchanged_text_does_not_call_the_handlers(site_a, researcher, recorder):
    source = services.source_create(
        site=site_a, kind=SourceKind.OBSERVATION, title="x", actor=researcher, text=NOTES
    )
    services.source_update_text(source=source, text=NOTES, actor=researcher)
    assert recorder == []


def test_a_handler_that_refuses_rolls_the_whole_edit_back(site_a, researcher):
    source = services.source_create(
        site=site_a, kind=SourceKind.OBSERVATION, title="x", actor=researcher, text=NOTES
    )

    def refuse(source, old_text, remap):
        raise ValidationError("Codings would be lost.")

    services.source_text_change_handlers.append(refuse)
    try:
        with pytest.raises(ValidationError):
            services.source_update_text(source=source, text="Rewritten.", actor=researcher)
    finally:
        services.source_text_change_handlers.remove(refuse)
    source.refresh_from_db()
    assert source.text == NOTES and source.segments.count() == 3


def test_autosave_keeps_a_draft_without_touching_the_notes(site_a, researcher, recorder):
    observation = services.observation_create(
        site=site_a, actor=researcher, title="x", date=None, notes=NOTES
    )
    services.observation_autosave(observation=observation, notes="Half-typed\r\nthought")
    observation.refresh_from_db()
    assert observation.draft_notes == "Half-typed\nthought" and observation.draft_saved_at
    assert observation.source.text == NOTES and recorder == []


def test_saving_the_observation_commits_the_draft_and_the_field_log(
    site_a, researcher, participant_a
):
    observation = services.observation_create(
        site=site_a, actor=researcher, title="x", date=None, notes=NOTES
    )
    services.observation_autosave(observation=observation, notes="draft")
    services.observation_update(
        observation=observation,
        actor=researcher,
        title="Duty meeting",
        date=None,
        notes="Final notes.",
        setting="Team room",
        participants_present=[participant_a],
    )
    observation = Observation.objects.get(pk=observation.pk)
    assert observation.draft_notes == "" and observation.draft_saved_at is None
    assert observation.source.text == "Final notes." and observation.source.title == "Duty meeting"
    assert list(observation.participants_present.all()) == [participant_a]


def test_observation_refuses_participants_of_another_site(site_a, researcher, participant_b):
    with pytest.raises(ValidationError):
        services.observation_create(
            site=site_a,
            actor=researcher,
            title="x",
            date=None,
            participants_present=[participant_b],
        )


def test_speaker_labels_map_to_participants_or_researchers_and_merge(
    site_a, researcher, participant_a
):
    source = make_source_with_turns(
        site=site_a,
        turns=[("Hellen", "Typo.", None), ("Helen", "Right.", None), ("Int", "Q?", None)],
    )
    assert (
        services.source_speaker_map(
            source=source, label="Helen", participant=participant_a, actor=researcher
        )
        == 1
    )
    services.source_speaker_map(source=source, label="Int", researcher=researcher, actor=researcher)
    assert (
        services.source_speaker_merge(source=source, label="Hellen", into="Helen", actor=researcher)
        == 1
    )
    rows = list(
        source.segments.order_by("order").values_list("speaker", "participant", "researcher")
    )
    assert rows == [
        ("Helen", participant_a.pk, None),
        ("Helen", participant_a.pk, None),
        ("Int", None, researcher.pk),
    ]
    services.source_speaker_map(source=source, label="Helen", actor=researcher)  # unknown again
    assert not source.segments.filter(participant__isnull=False).exists()


def test_speaker_mapping_refuses_another_sites_participant(site_a, researcher, participant_b):
    source = make_source_with_turns(site=site_a, turns=[("Omar", "Hi.", None)])
    with pytest.raises(ValidationError):
        services.source_speaker_map(
            source=source, label="Omar", participant=participant_b, actor=researcher
        )


def test_merging_into_a_missing_label_is_refused(site_a, researcher):
    source = make_source_with_turns(site=site_a, turns=[("A", "Hi.", None)])
    with pytest.raises(ValidationError):
        services.source_speaker_merge(source=source, label="A", into="B", actor=researcher)


def test_consent_withdrawal_impact_counts_the_participants_turns(site_a):
    helen = ParticipantFactory(site=site_a, pseudonym="Helen")
    make_source_with_turns(site=site_a, turns=[("Helen", "One.", helen), ("Helen", "Two.", helen)])
    make_source_with_turns(site=site_a, turns=[("Helen", "Three.", helen)])
    ConsentRecordFactory(
        participant=helen, scope=ConsentScope.PARTICIPATION, decision=ConsentDecision.GIVEN
    )
    assert "3 speaker turns in 2 sources" in consent_withdrawal_impact(helen)


def test_pseudonymiser_prefers_the_longest_name_and_never_rereplaces():
    pseudonymise = services.Pseudonymiser(
        [("Anna", "Nurse A"), ("Anna Smith", "Nurse B"), ("Nurse", "X")]
    )
    assert pseudonymise("anna smith met Anna; Annabel stayed") == (
        "[Nurse B] met [Nurse A]; Annabel stayed"
    )
    assert pseudonymise.counts == {"Anna Smith": 1, "Anna": 1}
