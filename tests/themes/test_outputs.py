"""Retrieval, exports, dashboard, agreement and excerpt search: numbers, visibility,
consent exclusion (one test per output) and constant query counts."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sites.models import ConsentScope
from tests.factories import make_source_with_turns
from themes.models import AgreementExercise

from .conftest import withdraw
from .factories import CodingFactory, ThemeFactory


def code(source, theme, coder, text, occurrence=0):
    start = source.text.index(text)
    return CodingFactory(
        source=source,
        theme=theme,
        coder=coder,
        start=start,
        end=start + len(text),
        participant=source.segments.filter(start__lte=start, end__gte=start).first().participant,
    )


@pytest.fixture
def coded(world, researcher, lead):
    a, b = world["source_a"], world["source_b"]
    return {
        "helen": code(a, world["colocation"], researcher, "same office"),
        "helen2": code(a, world["colocation"], lead, "sit together"),
        "wendy": code(a, world["rules"], researcher, "Strictly we shouldn't"),
        "omar": code(b, world["rules"], lead, "referral form"),
    }


def retrieval(client, theme, **params):
    return client.get(reverse("themes:theme-detail", kwargs={"pk": theme.pk}), params)


def export(client, theme, fmt, **params):
    return client.get(reverse("themes:theme-export", kwargs={"pk": theme.pk, "fmt": fmt}), params)


def csv_rows(response) -> list[dict]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def xlsx_rows(response) -> list[tuple]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def docx_text(response) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)


# --- retrieval --------------------------------------------------------------------------


def test_retrieval_lists_excerpts_with_provenance(world, coded, client_for, lead):
    html = retrieval(client_for(lead), world["rules"]).content.decode()
    assert "Strictly we shouldn&#x27;t" in html and "referral form" in html
    assert "Wendy" in html and "Alpha Team" in html and "Bravo Team" in html
    assert "Phase 2" in html  # source date 14 Mar 2005
    assert "Show context" in html


def test_retrieval_shows_only_the_users_sites(world, coded, client_for, researcher):
    html = retrieval(client_for(researcher), world["rules"]).content.decode()
    assert "Strictly" in html
    assert "referral form" not in html
    assert "Only excerpts from your sites" in html


def test_retrieval_filters_by_speaker_profession_coder_and_words(world, coded, client_for, lead):
    client = client_for(lead)
    html = retrieval(client, world["colocation"], coder=str(coded["helen2"].coder_id)).content
    assert b'quote">sit together' in html and b'quote">same office' not in html
    html = retrieval(client, world["rules"], q="referral").content
    assert b'quote">referral form' in html and b"Strictly" not in html
    html = retrieval(client, world["rules"], phase="1").content
    assert b'quote">referral form' in html and b"Strictly" not in html
    html = retrieval(client, world["colocation"], level="strategic").content
    assert b"No coded excerpts match" in html
    html = retrieval(client, world["rules"], kind="observation").content
    assert b"No coded excerpts match these filters" in html


def test_retrieval_excludes_a_withdrawn_participant_at_once(world, coded, client_for, lead):
    client = client_for(lead)
    assert b"Strictly" in retrieval(client, world["rules"]).content
    withdraw(world["wendy"], ConsentScope.QUOTATION)
    assert b"Strictly" not in retrieval(client, world["rules"]).content


def test_retrieval_anonymous_goes_to_login(world, client):
    response = retrieval(client, world["rules"])
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_retrieval_query_count_is_constant(world, coded, client_for, lead, researcher):
    client = client_for(lead)
    retrieval(client, world["rules"])
    with CaptureQueriesContext(connection) as few:
        retrieval(client, world["rules"])
    for _ in range(30):
        code(world["source_a"], world["rules"], researcher, "rang the school nurse")
    with CaptureQueriesContext(connection) as many:
        retrieval(client, world["rules"])
    assert len(many.captured_queries) == len(few.captured_queries)


# --- exports ----------------------------------------------------------------------------


def test_csv_export_has_quotes_with_provenance(world, coded, client_for, lead):
    response = export(client_for(lead), world["rules"], "csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert [r["Quote"] for r in rows] == ["Strictly we shouldn't", "referral form"]
    assert rows[0]["Site"] == "Alpha Team" and rows[0]["Speaker"] == "Wendy"
    assert rows[0]["Phase"].startswith("Phase 2")


def test_xlsx_export_reads_back(world, coded, client_for, lead):
    rows = xlsx_rows(export(client_for(lead), world["rules"], "xlsx"))
    assert rows[0][0] == "Site" and rows[0][-2] == "Quote"
    assert {r[-2] for r in rows[1:]} == {"Strictly we shouldn't", "referral form"}


def test_docx_export_groups_quotes_by_site(world, coded, client_for, lead):
    text = docx_text(export(client_for(lead), world["rules"], "docx"))
    assert text.index("Alpha Team") < text.index("Strictly we shouldn't")
    assert text.index("Bravo Team") < text.index("referral form")
    assert "Wendy" in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx"])
def test_exports_exclude_a_withdrawn_participant(world, coded, client_for, lead, fmt):
    withdraw(world["wendy"])
    response = export(client_for(lead), world["rules"], fmt)
    content = {
        "csv": lambda r: r.content.decode("utf-8-sig"),
        "xlsx": lambda r: repr(xlsx_rows(r)),
        "docx": docx_text,
    }[fmt](response)
    assert "Strictly" not in content and "referral form" in content


def test_exports_are_audited_and_respect_visibility(world, coded, client_for, researcher):
    from sites.models import AuditEvent

    rows = csv_rows(export(client_for(researcher), world["rules"], "csv"))
    assert [r["Quote"] for r in rows] == ["Strictly we shouldn't"]
    assert AuditEvent.objects.filter(verb="excerpts.export").exists()


def test_csv_export_neutralises_formulas(world, client_for, lead, researcher):
    source = world["source_a"]
    CodingFactory(source=source, theme=world["rules"], coder=researcher, start=0, end=2)
    source.text = "=1+1 rest of text"
    source.save()
    rows = csv_rows(export(client_for(lead), world["rules"], "csv"))
    assert rows[0]["Quote"].startswith("'=")


# --- dashboard --------------------------------------------------------------------------


def matrix_numbers(html: str) -> str:
    start = html.index('id="theme-site-matrix"')
    return html[start : html.index("</table>", start)]


def test_dashboard_counts_excerpts_sources_and_participants(world, coded, client_for, lead):
    from themes.selectors import ExcerptFilters, dashboard_data

    data = dashboard_data(user=lead, filters=ExcerptFilters())
    rows = {r.node.theme.name: r for r in data.rows}
    site_names = [s.name for s in data.sites]
    a, b = site_names.index("Alpha Team"), site_names.index("Bravo Team")
    assert rows["Co-location and co-working"].cells[a] == 2
    assert rows["Rule-bending"].cells[a] == 1 and rows["Rule-bending"].cells[b] == 1
    assert rows["Rule-bending"].by_phase[:2] == [1, 1]  # Omar 2004, Wendy 2005
    sources = dashboard_data(user=lead, filters=ExcerptFilters(), measure="sources")
    assert {r.node.theme.name: r.cells[a] for r in sources.rows}["Co-location and co-working"] == 1
    people = dashboard_data(user=lead, filters=ExcerptFilters(), measure="participants")
    assert {r.node.theme.name: r.cells[a] for r in people.rows}["Co-location and co-working"] == 1
    coders = dashboard_data(user=lead, filters=ExcerptFilters(coders=[lead.pk]))
    assert {r.node.theme.name: r.cells[a] for r in coders.rows}["Co-location and co-working"] == 1


def test_dashboard_page_has_the_matrix_with_links_chart_and_table(world, coded, client_for, lead):
    response = client_for(lead).get(reverse("themes:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    matrix = matrix_numbers(html)
    assert "<caption>" in matrix and 'scope="col"' in matrix and 'scope="row"' in matrix
    assert reverse("themes:theme-detail", kwargs={"pk": world["rules"].pk}) + "?site=" in matrix
    assert "phase-chart-data" in html and 'id="theme-phase-table"' in html
    assert "chart.umd.min.js" in html
    assert "covers every site" in html


def test_dashboard_for_a_researcher_shows_only_their_sites_and_says_so(
    world, coded, client_for, researcher
):
    html = client_for(researcher).get(reverse("themes:dashboard")).content.decode()
    assert "You see only your own site" in html
    assert "Bravo Team" not in matrix_numbers(html)


def test_dashboard_excludes_a_withdrawn_participant_at_once(world, coded, lead):
    from themes.selectors import ExcerptFilters, dashboard_data

    def rules_at_alpha():
        data = dashboard_data(user=lead, filters=ExcerptFilters())
        a = [s.name for s in data.sites].index("Alpha Team")
        return {r.node.theme.name: r.cells[a] for r in data.rows}["Rule-bending"]

    assert rules_at_alpha() == 1
    withdraw(world["wendy"])
    assert rules_at_alpha() == 0


def test_a_coding_spanning_a_withdrawn_speakers_turn_is_excluded(world, lead, researcher):
    from themes.selectors import ExcerptFilters, dashboard_data

    source = world["source_a"]
    CodingFactory(  # starts in Helen's turn, runs into Wendy's: participant is Helen
        source=source,
        theme=world["colocation"],
        coder=researcher,
        start=3,
        end=source.text.index("Strictly") + 3,
        participant=world["helen"],
    )
    withdraw(world["wendy"])
    data = dashboard_data(user=lead, filters=ExcerptFilters())
    assert sum(sum(r.cells) for r in data.rows) == 0


def test_dashboard_query_count_is_constant(world, coded, client_for, lead, researcher):
    client = client_for(lead)
    url = reverse("themes:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"measure": "participants"})
    for _ in range(30):
        code(world["source_b"], world["colocation"], researcher, "means something")
        code(world["source_a"], world["rules"], lead, "child's trajectory")
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"measure": "participants"})
    assert len(many.captured_queries) == len(few.captured_queries)


def test_cooccurrence_counts_overlapping_codings_of_two_themes(world, coded, client_for, lead):
    source = world["source_a"]
    start = source.text.index("office")
    CodingFactory(source=source, theme=world["rules"], start=start - 2, end=start + 3)
    html = client_for(lead).get(reverse("themes:dashboard-cooccurrence")).content.decode()
    assert 'id="cooccurrence-matrix"' in html
    assert re.search(r'<td class="shade-5"><a href="[^"]+"[^>]*>1</a></td>', html)


# --- agreement --------------------------------------------------------------------------


@pytest.fixture
def exercise(world, researcher, lead):
    source = world["source_a"]
    ex = AgreementExercise.objects.create(site=source.site, name="Double coding")
    ex.sources.add(source)
    ex.coders.add(researcher, lead)
    return ex


def test_agreement_is_computed_per_theme_over_turns(world, exercise, researcher, lead):
    from themes.agreement import theme_agreement
    from themes.selectors import agreement_for

    source = world["source_a"]
    code(source, world["rules"], researcher, "Strictly")
    code(source, world["rules"], lead, "rang the school nurse")  # same turn: agree
    code(source, world["colocation"], researcher, "same office")  # lead did not: disagree
    result = agreement_for(exercise=exercise)
    assert result.units == 3
    rows = {r["theme"].name: r for r in result.themes}
    assert rows["Rule-bending"]["agreement"].percent == 1.0
    turns = list(source.segments.order_by("order").values_list("pk", flat=True))
    expected = theme_agreement(
        world["colocation"].pk, turns, [lead.pk, researcher.pk], {researcher.pk: {turns[0]}}
    )
    colocation = rows["Co-location and co-working"]
    assert colocation["agreement"].kappa == expected.kappa
    assert colocation["agreement"].alpha == expected.alpha
    assert [d["turn"] for d in colocation["disagreements"]] == [1]
    assert colocation["disagreements"][0]["applied"] == ["researcher"]


def test_agreement_page_states_the_unit_and_lists_disagreements(
    world, exercise, client_for, researcher, outsider
):
    code(world["source_a"], world["colocation"], researcher, "same office")
    url = reverse("themes:agreement-detail", kwargs={"pk": exercise.pk})
    html = client_for(researcher).get(url).content.decode()
    assert "Unit of analysis:" in html and "speaker turn" in html
    assert "Cohen's kappa" in html and "Krippendorff" in html
    assert "applied by researcher" in html
    assert client_for(outsider).get(url).status_code == 404


def test_agreement_leaves_out_a_withdrawn_participants_turns(world, exercise, researcher, lead):
    from themes.selectors import agreement_for

    code(world["source_a"], world["rules"], researcher, "Strictly")
    withdraw(world["wendy"])
    result = agreement_for(exercise=exercise)
    assert result.units == 2 and result.excluded_units == 1
    rows = {r["theme"].name: r for r in result.themes}
    assert "Rule-bending" not in rows  # its only coding was on the withdrawn turn


# --- excerpt search ---------------------------------------------------------------------


def test_excerpt_search_excludes_a_withdrawn_participant(world, coded, client_for, lead):
    client = client_for(lead)
    assert b"Strictly" in retrieval(client, world["rules"], q="shouldn").content
    withdraw(world["wendy"])
    assert b"Strictly" not in retrieval(client, world["rules"], q="shouldn").content


def test_a_leads_dashboard_for_fewer_sites_counts_only_those(world, coded, lead):
    from sites.models import Site
    from themes.selectors import ExcerptFilters, dashboard_data

    alpha = Site.objects.get(name="Alpha Team")
    everything = dashboard_data(user=lead, filters=ExcerptFilters())
    only_alpha = dashboard_data(user=lead, filters=ExcerptFilters(), sites=[alpha])
    a = [s.name for s in everything.sites].index("Alpha Team")
    for full, one in zip(everything.rows, only_alpha.rows, strict=True):
        assert one.cells == [full.cells[a]]
        assert sum(one.by_phase) == full.cells[a]


# --- one passage, several coders; turn and speaker; typed XLSX ----------------------------


@pytest.fixture
def double_coded(world, coded, lead):
    """'same office' coded with Co-location by the researcher (in `coded`) and by the lead."""
    lead.first_name, lead.last_name = "Lena", "Lead"
    lead.save()
    coding = code(world["source_a"], world["colocation"], lead, "same office")
    coding.memo = "The lead's reading."
    coding.save()
    return coding


def test_a_passage_coded_by_two_coders_is_listed_once_naming_both(
    world, double_coded, client_for, lead, researcher
):
    client = client_for(lead)
    names = {researcher.get_full_name() or researcher.username, "Lena Lead"}
    html = retrieval(client, world["colocation"]).content.decode()
    assert html.count('quote">same office') == 1
    assert "2 passages" in html  # 'same office' and 'sit together'
    coders = re.search(r'class="coders">coded by ([^<]+)<', html.split('quote">same office', 1)[1])
    assert set(coders.group(1).split(", ")) == names
    assert "Memo (Lena Lead):</strong> The lead&#x27;s reading." in html

    rows = [r for r in csv_rows(export(client, world["colocation"], "csv"))]
    same = [r for r in rows if r["Quote"] == "same office"]
    assert len(same) == 1 and set(same[0]["Coders"].split("; ")) == names
    assert same[0]["Memos"] == "Lena Lead: The lead's reading."

    sheet = xlsx_rows(export(client, world["colocation"], "xlsx"))
    header, body = sheet[0], sheet[1:]
    same = [r for r in body if r[header.index("Quote")] == "same office"]
    assert len(same) == 1 and set(same[0][header.index("Coders")].split("; ")) == names

    text = docx_text(export(client, world["colocation"], "docx"))
    assert text.count("same office") == 1
    provenance = text.split("same office", 1)[1].split("\n")[1]
    assert "coded by" in provenance and all(name in provenance for name in names)


def test_dashboard_counts_a_passage_coded_by_two_coders_once_and_says_what_it_counts(
    world, double_coded, client_for, lead
):
    from themes.selectors import ExcerptFilters, dashboard_data

    data = dashboard_data(user=lead, filters=ExcerptFilters())
    a = [s.name for s in data.sites].index("Alpha Team")
    row = {r.node.theme.name: r for r in data.rows}["Co-location and co-working"]
    assert row.cells[a] == 2  # 'same office' (two coders) and 'sit together'
    assert sum(row.by_phase) == 2
    html = client_for(lead).get(reverse("themes:dashboard")).content.decode()
    assert (
        "Coded passages:</strong> distinct passages (source and character range) per theme" in html
    )


def test_retrieval_and_exports_name_the_turn_and_speaker_not_character_ranges(
    world, coded, client_for, lead
):
    client = client_for(lead)
    wendy = coded["wendy"]
    html = retrieval(client, world["rules"]).content.decode()
    assert "turn 2, Wendy" in html
    assert f"{wendy.start}–{wendy.end}" not in html and "characters" not in html
    rows = csv_rows(export(client, world["rules"], "csv"))
    assert (rows[0]["Turn"], rows[0]["Speaker"]) == ("turn 2", "Wendy")
    assert "Start" not in rows[0] and "End" not in rows[0]
    text = docx_text(export(client, world["rules"], "docx"))
    assert "turn 2, Wendy" in text and "characters" not in text


def test_a_mapped_speaker_is_named_by_pseudonym_in_retrieval_exports_and_coding_page(
    world, client_for, lead, researcher
):
    source = make_source_with_turns(
        site=world["source_a"].site,
        title="Labelled interview",
        turns=[
            ("Interviewer", "Tell me about the team.", None),
            ("Interviewee", "We share one duty rota now.", world["helen"]),
        ],
    )
    coding = code(source, world["rules"], researcher, "one duty rota")
    coding.participant = None  # coded before the label was mapped
    coding.save()
    client = client_for(lead)
    html = retrieval(client, world["rules"]).content.decode()
    assert "turn 2, Helen" in html and "Interviewee" not in html
    row = csv_rows(export(client, world["rules"], "csv"))[0]
    assert row["Speaker"] == "Helen"
    assert "Interviewee" not in docx_text(export(client, world["rules"], "docx"))
    page = client.get(reverse("themes:source-code", kwargs={"pk": source.pk})).content.decode()
    speaker = re.search(r'id="turn-1-speaker">(.*?)</p>', page).group(1)
    assert "Helen" in speaker and "Interviewee" not in speaker
    # An unmapped speaker keeps the transcript's label.
    assert "Interviewer" in re.search(r'id="turn-0-speaker">(.*?)</p>', page).group(1)


def test_xlsx_has_typed_dates_column_widths_and_wrapped_quotes(world, coded, client_for, lead):
    import datetime

    from openpyxl import load_workbook

    response = export(client_for(lead), world["rules"], "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    date_col = header.index("Date") + 1
    dates = [sheet.cell(row=r, column=date_col) for r in (2, 3)]
    assert all(cell.is_date for cell in dates)
    assert {cell.value.date() for cell in dates} == {
        datetime.date(2005, 3, 14),
        datetime.date(2004, 6, 1),
    }
    widths = {
        name: sheet.column_dimensions[chr(ord("A") + i)].width for i, name in enumerate(header)
    }
    assert widths["Quote"] >= 60 and widths["Site"] >= 12 and widths["Memos"] >= 30
    quote = sheet.cell(row=2, column=header.index("Quote") + 1)
    assert quote.alignment.wrap_text
    assert sheet.freeze_panes == "A2"


def test_a_large_xlsx_streams_rows_and_reads_back_the_same(
    world, coded, client_for, lead, monkeypatch
):
    from openpyxl import load_workbook

    from themes import exports

    small = export(client_for(lead), world["rules"], "xlsx").content
    monkeypatch.setattr(exports, "IN_MEMORY_ROWS", 0)  # what a big export does
    streamed = export(client_for(lead), world["rules"], "xlsx").content

    def rows(data):
        sheet = load_workbook(io.BytesIO(data)).active
        return [[c.value for c in row] for row in sheet.iter_rows()]

    assert rows(streamed) == rows(small) and len(rows(small)) == 3


def test_xlsx_text_that_looks_like_a_formula_stays_text(world, client_for, lead, researcher):
    from openpyxl import load_workbook

    source = world["source_a"]
    source.text = "=1+1 rest of text"
    source.save()
    CodingFactory(source=source, theme=world["rules"], coder=researcher, start=0, end=4)
    response = export(client_for(lead), world["rules"], "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Quote") + 1)
    assert cell.value == "=1+1" and cell.data_type == "s"


def test_export_query_count_is_constant(world, coded, client_for, lead, researcher):
    client = client_for(lead)
    export(client, world["rules"], "csv")
    with CaptureQueriesContext(connection) as few:
        export(client, world["rules"], "csv")
    for _ in range(20):
        code(world["source_a"], world["rules"], researcher, "rang the school nurse")
        code(world["source_a"], world["rules"], lead, "rang the school nurse")
    with CaptureQueriesContext(connection) as many:
        rows = csv_rows(export(client, world["rules"], "csv"))
    assert len(many.captured_queries) == len(few.captured_queries)
    assert [r["Quote"] for r in rows].count("rang the school nurse") == 1


# --- dashboard: chart, filters, co-occurrence links ----------------------------------------


def page_json(html: str, element_id: str):
    import json

    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


def test_the_phases_chart_is_a_bar_chart(world, coded, client_for, lead):
    html = client_for(lead).get(reverse("themes:dashboard")).content.decode()
    chart = page_json(html, "phase-chart-data")
    assert chart["type"] == "bar"
    assert chart["labels"][:2] == ["Phase 1", "Phase 2"]
    from pathlib import Path

    script = (Path(__file__).parents[2] / "static/js/themes/dashboard.js").read_text()
    assert "type: data.type" in script and "tension" not in script


def test_filters_are_labelled_checkbox_lists_with_a_search_box(world, coded, client_for, lead):
    for url in (
        reverse("themes:dashboard"),
        reverse("themes:theme-detail", args=[world["rules"].pk]),
    ):
        html = client_for(lead).get(url, {"phase": "2"}).content.decode()
        assert "<select multiple" not in html and "Ctrl" not in html
        phases = re.search(r'<fieldset[^>]*id="filter-phase".*?</fieldset>', html, re.S).group(0)
        assert "<legend" in phases and "Phases</legend>" in phases
        assert 'type="search"' in phases and 'aria-label="Search phases"' in phases
        boxes = re.findall(
            r'<input class="form-check-input" type="checkbox" name="phase"[^>]*>', phases
        )
        assert len(boxes) == 2 and sum("checked" in b for b in boxes) == 1
        for box in boxes:  # every checkbox has its own label
            box_id = re.search(r'id="([^"]+)"', box).group(1)
            assert f'<label class="form-check-label small" for="{box_id}">' in phases
        assert "filters.js" in html


def test_the_site_matrix_links_only_non_zero_cells(world, coded, client_for, researcher):
    ThemeFactory(name="Not coded anywhere yet")
    html = matrix_numbers(client_for(researcher).get(reverse("themes:dashboard")).content.decode())
    assert '<td class="shade-0">0</td>' in html
    assert not re.search(r"<a [^>]*>0</a>", html)


@pytest.fixture
def overlap(world, coded, lead):
    """Rule-bending coded on 'office' text overlapping Co-location's 'same office'."""
    source = world["source_a"]
    start = source.text.index("office")
    return CodingFactory(
        source=source,
        theme=world["rules"],
        coder=lead,
        start=start - 2,
        end=start + 3,
        participant=world["helen"],
    )


def cooccurrence_page(client, a, b, **params):
    return client.get(reverse("themes:cooccurrence-passages"), {"a": a.pk, "b": b.pk, **params})


def test_a_cooccurrence_cell_links_to_the_overlapping_passages_and_zeros_are_not_links(
    world, overlap, client_for, lead
):
    client = client_for(lead)
    html = client.get(reverse("themes:dashboard-cooccurrence")).content.decode()
    link = re.search(r'<td class="shade-5"><a href="([^"]+)"[^>]*>1</a></td>', html)
    assert link, html
    assert not re.search(r"<a [^>]*>0</a>", html)
    page = client.get(link.group(1).replace("&amp;", "&"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Where “Co-location and co-working” and “Rule-bending” overlap" in body
    quotes = re.findall(r'class="mb-0 quote">([^<]+)<', body)
    assert sorted(quotes) == sorted(
        ["same office", overlap.source.text[overlap.start : overlap.end]]
    )
    assert "referral" not in body  # Omar's passage overlaps nothing


def test_cooccurrence_passages_respect_site_scope_consent_and_filters(
    world, overlap, client_for, lead, researcher, outsider
):
    a, b = world["colocation"], world["rules"]
    assert b"same office" in cooccurrence_page(client_for(researcher), a, b).content
    assert b"same office" not in cooccurrence_page(client_for(outsider), a, b).content
    assert b"same office" not in cooccurrence_page(client_for(lead), a, b, phase="1").content
    withdraw(world["helen"], ConsentScope.QUOTATION)
    assert b"same office" not in cooccurrence_page(client_for(lead), a, b).content


def test_cooccurrence_passages_with_bad_themes_say_so(world, client_for, lead):
    client = client_for(lead)
    response = client.get(reverse("themes:cooccurrence-passages"), {"a": "x", "b": 99999})
    assert response.status_code == 400
    assert "There is no such theme in the codebook." in response.content.decode()
    theme = world["rules"]
    response = cooccurrence_page(client, theme, theme)
    assert response.status_code == 400 and b"Choose two different themes." in response.content


def test_cooccurrence_passages_query_count_is_constant(world, overlap, client_for, lead):
    client = client_for(lead)
    a, b = world["colocation"], world["rules"]
    cooccurrence_page(client, a, b)
    with CaptureQueriesContext(connection) as few:
        cooccurrence_page(client, a, b)
    source = world["source_a"]
    for _ in range(10):
        CodingFactory(source=source, theme=b, start=overlap.start, end=overlap.end + 1)
    with CaptureQueriesContext(connection) as many:
        cooccurrence_page(client, a, b)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_agreement_disagreements_name_a_mapped_speaker_by_pseudonym(
    world, client_for, researcher, lead
):
    source = make_source_with_turns(
        site=world["source_a"].site,
        title="Labelled interview",
        turns=[("Interviewee", "We share one duty rota now.", world["helen"])],
    )
    exercise = AgreementExercise.objects.create(site=source.site, name="Labels")
    exercise.sources.add(source)
    exercise.coders.add(researcher, lead)
    code(source, world["rules"], researcher, "duty rota")
    url = reverse("themes:agreement-detail", kwargs={"pk": exercise.pk})
    html = client_for(researcher).get(url).content.decode()
    assert "turn 1</a> (Helen)" in html and "Interviewee" not in html
