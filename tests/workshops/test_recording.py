"""The recording loop: learning actions coded in a session's transcript, turns linked to the
mirror item on screen, and the drafted summary for the next session."""

from __future__ import annotations

import datetime

import pytest

from fieldwork.models import SourceKind
from sites.models import ConsentDecision, ConsentScope
from tests.factories import make_source_with_turns
from tests.themes.factories import CodingFactory, ThemeFactory
from workshops import selectors, services
from workshops.models import (
    ActivitySystemModel,
    Contradiction,
    ContradictionStatusChange,
    Element,
    Experiment,
)

from .conftest import decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(world, facilitator):
    workshop = world["workshop"]
    services.workshop_record_held(
        workshop=workshop,
        actor=facilitator,
        present=[world["helen"], world["wendy"]],
        held_notes="The team questioned the referral form.",
    )
    source = make_source_with_turns(
        site=workshop.site,
        kind=SourceKind.WORKSHOP,
        title="Session 1 recording",
        turns=[
            ("Helen", "Why do we still use the old referral form?", world["helen"]),
            ("Wendy", "We could model a joint panel instead.", world["wendy"]),
            ("Helen", "Let us try it next month.", world["helen"]),
        ],
    )
    workshop.recording = source
    workshop.save()
    questioning = ThemeFactory(name="Questioning", seed_key="questioning")
    modelling = ThemeFactory(name="Modelling", seed_key="modelling")
    turns = list(source.segments.order_by("order"))
    CodingFactory(source=source, theme=questioning, start=turns[0].start, end=turns[0].end)
    CodingFactory(source=source, theme=modelling, start=turns[1].start, end=turns[1].end)
    return workshop


def test_the_timeline_shows_learning_actions_coded_in_the_transcript_in_order(held):
    view = selectors.recording_view(workshop=held)
    assert [(m.label, m.turn_order, m.speaker) for m in view.timeline] == [
        ("Questioning", 0, "Helen"),
        ("Modelling", 1, "Wendy"),
    ]
    assert view.action_counts == [("Questioning", 1), ("Modelling", 1)]
    assert view.turns[0].actions == ["Questioning"]


def test_a_withdrawn_speakers_turns_and_coded_actions_leave_the_session_page(held, world):
    decide(world["wendy"], ConsentScope.PARTICIPATION)
    view = selectors.recording_view(workshop=held)
    assert [m.label for m in view.timeline] == ["Questioning"]
    assert [t.segment.speaker for t in view.turns] == ["Helen", "Helen"]


def test_turns_are_linked_to_the_mirror_item_on_screen(held, world, facilitator):
    item = services.mirror_item_add_excerpt(
        workshop=held, actor=facilitator, coding=world["codings"][0]
    )
    services.mirror_item_showing_add(item=item, actor=facilitator, first_turn=1, last_turn=2)
    view = selectors.recording_view(workshop=held)
    assert [t.item for t in view.turns] == [item, item, None]
    with pytest.raises(Exception, match="between 1 and 3"):
        services.mirror_item_showing_add(item=item, actor=facilitator, first_turn=2, last_turn=9)


def test_the_summary_draft_gathers_notes_contradictions_experiments_and_actions(held, facilitator):
    model = ActivitySystemModel.objects.create(
        site=held.site, title="The team today", perspective="The team", built_in=held
    )
    contradiction = Contradiction.objects.create(
        site=held.site,
        level="primary",
        model=model,
        element_a=Element.INSTRUMENTS,
        formulation="Case record as care tool vs audit instrument",
    )
    ContradictionStatusChange.objects.create(
        contradiction=contradiction,
        status="presented",
        date=held.date or datetime.date.today(),
        workshop=held,
    )
    Experiment.objects.create(
        site=held.site,
        agreed_in=held,
        title="Joint referral panel",
        owner="Team manager",
        review_date=datetime.date(2006, 7, 1),
    )
    draft = selectors.summary_draft(workshop=held)
    assert "The team questioned the referral form." in draft
    assert "Case record as care tool vs audit instrument (primary" in draft
    assert "Joint referral panel (owner: Team manager, review on 1 July 2006)" in draft
    assert "Questioning: 1" in draft and "Modelling: 1" in draft
    assert "The team today" in draft
    services.workshop_summary_save(workshop=held, actor=facilitator, text=draft + "Edited.")
    held.refresh_from_db()
    assert held.next_summary.endswith("Edited.")


def test_a_learning_action_of_a_withdrawn_speaker_is_not_counted_in_the_summary(held, world):
    decide(world["wendy"], ConsentScope.QUOTATION, ConsentDecision.WITHDRAWN)
    draft = selectors.summary_draft(workshop=held)
    assert "Questioning: 1" in draft and "Modelling" not in draft
