"""Consent down to the last word: withheld turns (a withdrawn speaker, or a field-note
paragraph attributed to a withdrawn participant) in every view of the text and every output.

Leads see withheld words marked; researchers, facilitators and viewers see
`[withdrawn: participant withdrew on DATE]` instead; nobody can code them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fieldwork import services as fieldwork_services
from themes.models import Coding

from .conftest import withdraw
from .test_outputs import code, csv_rows, docx_text, export, retrieval, xlsx_rows

MARKER = "[withdrawn: participant withdrew on 1 March 2006]"
WENDY_WORDS = "Strictly we shouldn"  # Wendy's turn in world["source_a"] (before the apostrophe)
NOTES = (
    "The team meets in the portakabin at nine.\n\n"
    "Wendy said she rang the school nurse anyway, whatever the protocol says.\n\n"
    "Everyone agreed the referral form needs changing."
)
PARAGRAPH = "rang the school nurse anyway"


@pytest.fixture
def notes(world, site_a, researcher):
    """Field notes at site A whose second paragraph reports what Wendy said, attributed to
    her, with a coding on it and one on the paragraph before."""
    observation = fieldwork_services.observation_create(
        site=site_a,
        actor=researcher,
        title="Team meeting",
        date=datetime.date(2005, 4, 1),
        notes=NOTES,
    )
    source = observation.source
    paragraph = source.segments.get(order=1)
    fieldwork_services.segment_attribute(
        segment=paragraph, participants=[world["wendy"]], actor=researcher
    )
    return {
        "source": source,
        "paragraph": paragraph,
        "wendy_coding": code(source, world["rules"], researcher, PARAGRAPH),
        "other_coding": code(source, world["rules"], researcher, "portakabin at nine"),
    }


@pytest.fixture
def coded(world, researcher):
    a = world["source_a"]
    return {
        "helen": code(a, world["colocation"], researcher, "same office"),
        "wendy": code(a, world["rules"], researcher, WENDY_WORDS),
    }


def workspace(client, source):
    return client.get(reverse("themes:source-code", kwargs={"pk": source.pk}))


def fragment(client, source):
    return client.get(reverse("themes:source-turns", kwargs={"pk": source.pk}))


def reading(client, source):
    return client.get(reverse("fieldwork:source-detail", kwargs={"pk": source.pk}))


def search(client, q):
    return client.get(reverse("fieldwork:search"), {"q": q})


# --- every view of the text, per role ----------------------------------------------------


@pytest.mark.parametrize("persona", ["researcher", "facilitator", "viewer"])
@pytest.mark.parametrize("view", [workspace, fragment, reading])
def test_roles_below_lead_see_the_withdrawal_marker_instead_of_the_words(
    world, coded, client_for, request, persona, view
):
    withdraw(world["wendy"])
    response = view(client_for(request.getfixturevalue(persona)), world["source_a"])
    assert response.status_code == 200
    assert MARKER in response.text
    assert WENDY_WORDS not in response.text
    assert "same office" in response.text  # Helen's words are untouched


@pytest.mark.parametrize("persona", ["lead", "site_lead"])
@pytest.mark.parametrize("view", [workspace, fragment, reading])
def test_a_lead_sees_the_withdrawn_words_marked(world, coded, client_for, request, persona, view):
    withdraw(world["wendy"])
    response = view(client_for(request.getfixturevalue(persona)), world["source_a"])
    assert WENDY_WORDS in response.text
    assert "turn-withdrawn" in response.text and "withdrawn-words" in response.text
    assert "1 March 2006" in response.text


def test_a_turn_of_a_consenting_speaker_is_not_marked(world, coded, client_for, researcher):
    response = workspace(client_for(researcher), world["source_a"])
    assert "turn-withdrawn" not in response.text and WENDY_WORDS in response.text


def test_an_attributed_field_note_paragraph_is_redacted_in_the_workspace(
    world, notes, client_for, researcher, lead
):
    withdraw(world["wendy"])
    response = workspace(client_for(researcher), notes["source"])
    assert MARKER in response.text and PARAGRAPH not in response.text
    assert "portakabin at nine" in response.text
    assert PARAGRAPH in workspace(client_for(lead), notes["source"]).text


def test_the_coding_panel_quote_of_an_old_coding_is_redacted_below_lead(
    world, coded, client_for, researcher, lead
):
    withdraw(world["wendy"])
    url = reverse("themes:source-codings", kwargs={"pk": world["source_a"].pk})
    pk = coded["wendy"].pk
    quote = client_for(researcher).get(url, {"ids": pk}).json()["codings"][str(pk)]["quote"]
    assert quote == MARKER
    quote = client_for(lead).get(url, {"ids": pk}).json()["codings"][str(pk)]["quote"]
    assert quote.startswith(WENDY_WORDS)


# --- no new codings on withheld words ------------------------------------------------------


@pytest.mark.parametrize("persona", ["researcher", "lead"])
def test_coding_a_withdrawn_turn_is_refused_with_a_plain_message_and_nothing_written(
    world, client_for, request, persona
):
    withdraw(world["wendy"])
    source = world["source_a"]
    start = source.text.index(WENDY_WORDS)
    response = client_for(request.getfixturevalue(persona)).post(
        reverse("themes:coding-create", kwargs={"pk": source.pk}),
        {"theme": world["rules"].pk, "start": start, "end": start + 8},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert response.text == (
        "These words cannot be coded: a participant they come from withdrew consent "
        "on 1 March 2006."
    )
    assert not Coding.objects.exists()


def test_a_selection_running_into_a_withdrawn_turn_is_refused(world, client_for, researcher):
    withdraw(world["wendy"])
    source = world["source_a"]
    response = client_for(researcher).post(
        reverse("themes:coding-create", kwargs={"pk": source.pk}),
        {"theme": world["rules"].pk, "start": 3, "end": source.text.index(WENDY_WORDS) + 2},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400 and not Coding.objects.exists()


def test_coding_an_attributed_paragraph_of_a_withdrawn_participant_is_refused(
    world, notes, client_for, researcher
):
    withdraw(world["wendy"])
    source = notes["source"]
    before = Coding.objects.count()
    start = source.text.index("Wendy said")
    response = client_for(researcher).post(
        reverse("themes:coding-create", kwargs={"pk": source.pk}),
        {"theme": world["rules"].pk, "start": start, "end": start + 10},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400 and "withdrew consent" in response.text
    assert Coding.objects.count() == before


def test_coding_a_consenting_speakers_turn_still_works(world, client_for, researcher):
    withdraw(world["wendy"])
    source = world["source_a"]
    start = source.text.index("same office")
    response = client_for(researcher).post(
        reverse("themes:coding-create", kwargs={"pk": source.pk}),
        {"theme": world["rules"].pk, "start": start, "end": start + 11},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    assert Coding.objects.get().participant == world["helen"]


# --- context windows, snippets, headlines ---------------------------------------------------


def test_theme_page_context_never_shows_withdrawn_words_below_lead(
    world, coded, client_for, researcher, facilitator, viewer
):
    withdraw(world["wendy"])
    for user in (researcher, facilitator, viewer):
        page = retrieval(client_for(user), world["colocation"]).text
        assert "same office" in page  # Helen's excerpt, whose context reaches Wendy's turn
        assert WENDY_WORDS not in page
        assert MARKER in page


def test_theme_page_context_marks_withdrawn_words_for_a_lead(world, coded, client_for, lead):
    withdraw(world["wendy"])
    page = retrieval(client_for(lead), world["colocation"]).text
    assert '<mark class="withdrawn-words"' in page and WENDY_WORDS in page
    # ... but never as an excerpt: Wendy's own coding is out of retrieval for leads too.
    assert WENDY_WORDS not in retrieval(client_for(lead), world["rules"]).text


def test_theme_page_context_of_field_notes_leaves_out_an_attributed_paragraph(
    world, notes, client_for, researcher
):
    withdraw(world["wendy"])
    page = retrieval(client_for(researcher), world["rules"]).text
    assert "portakabin at nine" in page  # the consented excerpt, next to Wendy's paragraph
    assert PARAGRAPH not in page and MARKER in page


def test_theme_page_query_count_does_not_grow_with_withheld_turns(
    world, coded, client_for, researcher
):
    withdraw(world["wendy"])
    client = client_for(researcher)
    retrieval(client, world["colocation"])
    with CaptureQueriesContext(connection) as few:
        retrieval(client, world["colocation"])
    for _ in range(20):
        code(world["source_a"], world["colocation"], researcher, "child's trajectory")
    with CaptureQueriesContext(connection) as many:
        retrieval(client, world["colocation"])
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("persona", ["researcher", "facilitator", "viewer"])
def test_search_never_finds_withheld_words_below_lead(world, notes, client_for, request, persona):
    client = client_for(request.getfixturevalue(persona))
    assert "nurse anyway" in search(client, "nurse anyway").text
    withdraw(world["wendy"])
    for q in ("nurse anyway", "shouldn", "protocol"):
        page = search(client, q).text
        assert "Nothing matches" in page
        assert "Wendy said" not in page and "Strictly" not in page and MARKER not in page


def test_search_shows_a_lead_the_withheld_words_marked(world, notes, client_for, lead):
    withdraw(world["wendy"])
    page = search(client_for(lead), "nurse anyway").text
    assert "nurse" in page and "Shown to leads only" in page and MARKER in page


# --- attributed paragraphs in every output ------------------------------------------------


def test_an_attributed_paragraph_leaves_retrieval_dashboard_and_exports_on_withdrawal(
    world, notes, client_for, lead, researcher
):
    from themes.selectors import ExcerptFilters, dashboard_data

    client = client_for(lead)
    theme = world["rules"]

    def dashboard_total():
        return sum(sum(r.cells) for r in dashboard_data(user=lead, filters=ExcerptFilters()).rows)

    def excerpts() -> list[str]:
        from themes.selectors import ExcerptFilters, excerpt_queryset, with_phases

        ids = excerpt_queryset(user=lead, filters=ExcerptFilters(), phases=[], theme_ids=[theme.pk])
        return [e.coding.quote for e in with_phases(ids, [])]

    assert PARAGRAPH in retrieval(client_for(researcher), theme).text
    assert PARAGRAPH in excerpts()
    assert dashboard_total() == 2
    withdraw(world["wendy"])
    assert PARAGRAPH not in retrieval(client_for(researcher), theme).text
    assert "portakabin at nine" in excerpts() and PARAGRAPH not in excerpts()
    assert dashboard_total() == 1
    quotes = [row["Quote"] for row in csv_rows(export(client, theme, "csv"))]
    assert quotes == ["portakabin at nine"]
    # XLSX and DOCX are written from the same selector (excerpt_queryset): the same rows.
    assert not any(
        PARAGRAPH in str(cell) for row in xlsx_rows(export(client, theme, "xlsx")) for cell in row
    )
    assert "portakabin at nine" in str(xlsx_rows(export(client, theme, "xlsx")))
    assert PARAGRAPH not in docx_text(export(client, theme, "docx"))


def test_an_attribution_added_after_withdrawal_takes_effect_at_once(
    world, site_a, client_for, researcher, lead
):
    withdraw(world["wendy"])
    observation = fieldwork_services.observation_create(
        site=site_a, actor=researcher, title="Later notes", date=None, notes=NOTES
    )
    source = observation.source
    code(source, world["rules"], researcher, PARAGRAPH)
    assert PARAGRAPH in retrieval(client_for(researcher), world["rules"]).text
    fieldwork_services.segment_attribute(
        segment=source.segments.get(order=1), participants=[world["wendy"]], actor=researcher
    )
    assert PARAGRAPH not in retrieval(client_for(researcher), world["rules"]).text


def test_a_coding_of_an_attributed_paragraph_takes_the_participant_for_filters(
    world, notes, researcher
):
    from themes import services as themes_services

    source = notes["source"]
    start = source.text.index("Wendy said")
    coding = themes_services.coding_create(
        source=source, theme=world["colocation"], coder=researcher, start=start, end=start + 10
    )
    assert coding.participant == world["wendy"]
    fieldwork_services.segment_attribute(segment=notes["paragraph"], participants=[], actor=None)
    coding.refresh_from_db()
    assert coding.participant is None
    fieldwork_services.segment_attribute(
        segment=notes["paragraph"], participants=[world["helen"]], actor=None
    )
    coding.refresh_from_db()
    assert coding.participant == world["helen"]


def test_agreement_units_leave_out_an_attributed_paragraph(world, notes, researcher, lead):
    from tests.themes.factories import ExerciseFactory
    from themes.selectors import agreement_for

    exercise = ExerciseFactory(site=notes["source"].site)
    exercise.sources.set([notes["source"]])
    exercise.coders.set([researcher, lead])
    assert agreement_for(exercise=exercise).units == 3
    withdraw(world["wendy"])
    result = agreement_for(exercise=exercise)
    assert (result.units, result.excluded_units) == (2, 1)


@pytest.mark.parametrize("view", [workspace, fragment])
def test_workspace_query_count_does_not_grow_with_withheld_turns(
    world, site_a, client_for, researcher, view
):
    from tests.factories import make_source_with_turns

    withdraw(world["wendy"])

    def source(n):
        turns = [("Wendy", "I rang the nurse.", world["wendy"]), ("Helen", "Fine.", world["helen"])]
        return make_source_with_turns(site=site_a, turns=turns * n)

    few, many = source(1), source(40)
    client = client_for(researcher)
    view(client, few)
    with CaptureQueriesContext(connection) as small:
        view(client, few)
    with CaptureQueriesContext(connection) as large:
        response = view(client, many)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert response.text.count(MARKER) == 40
