from __future__ import annotations

from django.db import connection
from django.urls import reverse

from fieldwork import services
from fieldwork.search import highlight, parse_websearch, search_segments
from sites.models import ConsentDecision, ConsentScope
from tests.factories import ConsentRecordFactory, ParticipantFactory

from .helpers import vtt_transcript


def seed_turns(site, user, turns, name="t.vtt"):
    return services.import_file(site=site, actor=user, name=name, data=vtt_transcript(turns))


def test_websearch_syntax_parses_phrases_exclusions_and_or():
    groups = parse_websearch('"who do I ring" -police OR referral')
    assert [[(t.text, t.negated) for t in g] for g in groups] == [
        [("who do I ring", False), ("police", True)],
        [("referral", False)],
    ]
    assert parse_websearch("-only -negative") == []


def test_highlight_escapes_text_and_marks_every_match():
    snippet = highlight("<b>Ring</b> the duty desk, ring again", ["ring"])
    assert snippet == "&lt;b&gt;<mark>Ring</mark>&lt;/b&gt; the duty desk, <mark>ring</mark> again"


def test_search_finds_turns_links_to_them_and_highlights(site_a, researcher):
    job = seed_turns(
        site_a,
        researcher,
        [
            ("Helen", "When a referral arrives I ring the duty desk."),
            ("Sam", "The police liaison officer rings me instead."),
            ("Helen", "Nobody knows who holds the case."),
        ],
    )
    results = search_segments(user=researcher, query='referral OR "holds the case"')
    assert results.total == 2
    assert {h.segment.order for h in results.hits} == {0, 2}
    hit = next(h for h in results.hits if h.segment.order == 0)
    assert hit.url == f"{job.source.get_absolute_url()}#turn-0"
    assert "<mark>referral</mark>" in hit.snippet
    excluded = search_segments(user=researcher, query="ring -police")
    assert [h.segment.order for h in excluded.hits] == [0]


def test_search_leaves_out_withdrawn_participants_and_other_sites(
    site_a, site_b, researcher, outsider
):
    helen = ParticipantFactory(site=site_a, pseudonym="Helen")
    ConsentRecordFactory(
        participant=helen, scope=ConsentScope.QUOTATION, decision=ConsentDecision.WITHDRAWN
    )
    seed_turns(
        site_a,
        researcher,
        [("Helen", "Co-location changed everything."), ("Sam", "Co-location was hard.")],
    )
    seed_turns(site_b, outsider, [("Omar", "Co-location at bravo.")])

    results = search_segments(user=researcher, query="co-location")
    assert [h.segment.speaker for h in results.hits] == ["Sam"]
    assert [
        h.segment.speaker for h in search_segments(user=outsider, query="co-location").hits
    ] == ["Omar"]


def test_search_page_shows_snippets_and_hides_other_sites(
    client_for, site_a, site_b, researcher, outsider
):
    seed_turns(site_b, outsider, [("Omar", "Bravo secret division of labour.")])
    seed_turns(site_a, researcher, [("Sam", "Alpha division of labour.")])
    response = client_for(researcher).get(reverse("fieldwork:search"), {"q": "division"})
    assert response.status_code == 200
    assert "Alpha" in response.text and "Bravo secret" not in response.text
    assert "<mark>" in response.text and "1 turn matches" in response.text
    empty = client_for(researcher).get(reverse("fieldwork:search"), {"q": "zzzz"})
    assert "Nothing matches" in empty.text


def test_search_runs_a_constant_number_of_queries(
    client_for, site_a, researcher, django_assert_max_num_queries
):
    client = client_for(researcher)
    seed_turns(site_a, researcher, [("Sam", "expertise matters")])
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("fieldwork:search"), {"q": "expertise"})
    for i in range(10):
        seed_turns(
            site_a,
            researcher,
            [("Sam", f"expertise {i}"), ("Jo", "expertise too")],
            name=f"{i}.vtt",
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("fieldwork:search"), {"q": "expertise"})


def test_postgresql_search_uses_the_stored_vector_and_its_gin_index(site_a, researcher):
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'fieldwork_segment_search_vector'"
        )
        (indexdef,) = cursor.fetchone()
        cursor.execute(
            "SELECT generation_expression FROM information_schema.columns "
            "WHERE table_name = 'fieldwork_segment' AND column_name = 'search_vector'"
        )
        (expression,) = cursor.fetchone()
    assert "gin" in indexdef.lower() and "search_vector" in indexdef
    assert "to_tsvector('english'::regconfig, text)" in expression
    seed_turns(site_a, researcher, [("Sam", "The practitioners were ringing round.")])
    assert search_segments(user=researcher, query="ring").total == 1  # stemming


def test_a_very_common_word_is_counted_up_to_a_cap_and_still_ranked(
    site_a, researcher, monkeypatch
):
    from fieldwork import search

    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "RANK_CAP", 2)
    seed_turns(
        site_a,
        researcher,
        [(("Sam", "Ali")[i % 2], f"Referral number {i} went to the panel.") for i in range(6)],
    )
    results = search_segments(user=researcher, query="referral", limit=5)
    assert results.total_capped and results.total_label == "More than 3"
    assert 1 <= len(results.hits) <= 5
    assert all("Referral" in str(hit.snippet) for hit in results.hits)
