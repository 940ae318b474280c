"""The cross-site report (issue 11): its content (the dashboard's counts, the theme pages'
excerpts, consent applied), the PDF (text read back with pypdf), the DOCX (python-docx), the
XLSX (typed cells, read with openpyxl), the selection, the page and its downloads (project
leads only), and the `cross_site_report` command.

Anonymous users and read-only POSTs are covered for the report's URLs by the generated
access matrix (tests/test_access_matrix.py: the URLs take no object, so there is no other
site's object to answer 404 for); here every other role gets 403."""

from __future__ import annotations

import datetime
import io
import re

import docx
import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx.enum.section import WD_ORIENT
from pypdf import PdfReader

from sites.models import ConsentScope
from tests.factories import ParticipantFactory, SiteFactory, UserFactory, make_source_with_turns
from tests.themes.factories import CodingFactory, ExerciseFactory, ThemeFactory
from tests.workshops.analysis_factories import ContradictionFactory, ExperimentFactory
from tests.workshops.conftest import decide
from themes.models import Coding
from workshops.models import ContradictionLevel, Element
from workshops.reports import ReportError, ReportSelection, build_report
from workshops.reports.charts import matrix_chart
from workshops.reports.content import report_content
from workshops.reports.pdf import ReportFetcher

pytestmark = pytest.mark.django_db

HELEN = "We sit together in the same office now."
WENDY = "Strictly we shouldn't, but I rang the school nurse."
OMAR = "The waiting list is the real rule here."
OMAR_QUOTE = "The waiting list is"  # the coding covers its first 20 characters


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def report_world(world, lead):
    """The workshops world (Alpha: Helen, Wendy, Nadia coded with co-location; Bravo: Omar),
    plus: Helen withdraws from the study; Wendy's turn is also coded 'Divisions of labour' by
    two coders (one passage); Alpha has a contradiction, an experiment and an agreement
    exercise."""
    decide(world["helen"], ConsentScope.PARTICIPATION, day=datetime.date(2006, 6, 1))
    wendy_turn = world["source"].segments.get(participant=world["wendy"])
    labour = ThemeFactory(name="Divisions of labour")
    first, second = UserFactory(username="coder1"), UserFactory(username="coder2")
    for coder in (first, second):
        CodingFactory(
            source=world["source"],
            theme=labour,
            coder=coder,
            start=wendy_turn.start,
            end=wendy_turn.end,
        )
    site_a = world["source"].site
    contradiction = ContradictionFactory(
        site=site_a,
        level=ContradictionLevel.SECONDARY,
        element_a=Element.RULES,
        element_b=Element.DIVISION_OF_LABOUR,
        formulation="Referral thresholds vs shared caseloads",
    )
    experiment = ExperimentFactory(
        site=site_a,
        title="Joint triage on Mondays",
        start=datetime.date(2006, 2, 1),
        review_date=datetime.date(2006, 4, 1),
    )
    experiment.contradictions.add(contradiction)
    exercise = ExerciseFactory(site=site_a, name="Pilot double-coding", closed=True)
    exercise.sources.add(world["source"])
    exercise.coders.add(first, second)
    return {**world, "labour": labour, "lead": lead}


def selection(lead, **kwargs) -> ReportSelection:
    return ReportSelection(user_id=lead.pk, **kwargs)


def pdf_text(data: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


# --- content -----------------------------------------------------------------------------


def test_counts_equal_a_plain_query_of_distinct_consented_passages(report_world, lead):
    content = report_content(selection(lead), user=lead)
    helen_turn = report_world["source"].segments.get(participant=report_world["helen"])
    for row in content.themes:
        for site, count in zip(content.sites, row.cells, strict=True):
            plain = {
                (c.source_id, c.start, c.end)
                for c in Coding.objects.filter(theme_id=row.theme_id, site=site)
                if not (c.source_id == helen_turn.source_id and c.start < helen_turn.end)
                or c.end <= helen_turn.start
            }
            assert count == len(plain), (row.name, site.name)
    by_name = {r.name: r for r in content.themes}
    # Two coders on Wendy's words make one passage; Helen's withdrawn turn is not counted.
    assert by_name["Divisions of labour"].total == 1
    assert by_name["Co-location and co-working"].cells == [2, 1]


def test_quotes_carry_full_provenance_and_no_withdrawn_words(report_world, lead):
    content = report_content(selection(lead), user=lead)
    quotes = [q for s in content.sections for g in s.sites for q in g.quotes]
    texts = [q.text for q in quotes]
    assert WENDY in texts and OMAR_QUOTE in texts
    assert not any(HELEN in t for t in texts)
    wendy = next(q for q in quotes if q.text == WENDY and q.coders == ["coder1", "coder2"])
    assert wendy.source == "Interview with the team"
    assert wendy.date == datetime.date(2005, 3, 14)
    assert wendy.speaker == "Wendy"
    assert wendy.turn == "turn 2"
    assert "Interview with the team" in wendy.provenance and "coder1, coder2" in wendy.provenance
    assert report_world["helen"].pk not in content.participant_ids
    assert report_world["wendy"].pk in content.participant_ids
    assert content.excluded_participants == 1
    assert content.excluded_codings == 1


def test_site_work_lists_series_contradictions_and_experiments(report_world, lead):
    content = report_content(selection(lead, sites=("alpha",)), user=lead)
    [alpha] = content.site_work
    assert alpha.series[0].title == "DWR at Alpha"
    assert alpha.series[0].held == 0 and alpha.series[0].planned >= 1
    [c] = alpha.contradictions
    assert c.formulation == "Referral thresholds vs shared caseloads"
    assert c.elements == "Rules ↔ Division of labour" and c.experiments == 1
    assert [e.title for e in alpha.experiments] == ["Joint triage on Mondays"]
    assert {a.exercise for a in content.agreement} == {"Pilot double-coding"}
    assert {c.name for c in content.coders} >= {"coder1", "coder2"}


@pytest.mark.parametrize(
    ("kwargs", "quoted", "absent"),
    [
        ({"sites": ("bravo",)}, OMAR_QUOTE, WENDY),
        ({"sites": ("alpha",)}, WENDY, OMAR_QUOTE),
        ({"kinds": ("observation",)}, None, WENDY),
        ({"phases": (2,)}, None, WENDY),
        ({"phases": (1,)}, WENDY, None),
    ],
)
def test_selection_filters_sites_kinds_and_phases(report_world, lead, kwargs, quoted, absent):
    content = report_content(selection(lead, **kwargs), user=lead)
    texts = [q.text for s in content.sections for g in s.sites for q in g.quotes]
    if quoted:
        assert quoted in texts
    else:
        assert content.is_empty
    if absent:
        assert absent not in texts


def test_theme_filter_keeps_only_the_chosen_themes(report_world, lead):
    labour = report_world["labour"]
    content = report_content(selection(lead, themes=(labour.pk,)), user=lead)
    assert [r.name for r in content.themes] == ["Divisions of labour"]
    by_name = report_content(selection(lead, themes=("divisions of labour",)), user=lead)
    assert [r.theme_id for r in by_name.themes] == [labour.pk]


def test_unknown_site_phase_theme_or_kind_is_a_plain_error(report_world, lead):
    for kwargs, message in (
        ({"sites": ("nowhere",)}, "There is no site with code nowhere."),
        ({"phases": (9,)}, "There is no research phase 9."),
        ({"themes": ("Astrology",)}, "There is no codable theme Astrology."),
        ({"kinds": ("podcast",)}, "There is no source kind podcast"),
    ):
        with pytest.raises(ReportError, match=re.escape(message)):
            build_report(selection(lead, **kwargs), "xlsx")


def test_only_a_project_lead_can_build_the_report(report_world, researcher, site_lead):
    for user in (researcher, site_lead):
        with pytest.raises(ReportError, match="Only project leads"):
            build_report(selection(user), "pdf")


def test_query_count_does_not_grow_with_themes_and_sites(report_world, lead):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            report_content(selection(lead), user=lead)
        return len(queries)

    count()  # the lead's role is cached on the user object by the first build
    before = count()
    coder = UserFactory()
    for n in range(3):
        site = SiteFactory(code=f"extra{n}", name=f"Extra {n}")
        person = ParticipantFactory(site=site, pseudonym=f"Person {n}")
        source = make_source_with_turns(
            site=site,
            title=f"Notes {n}",
            date=datetime.date(2005, 5, 1),
            turns=[(f"Person {n}", f"Words number {n} about the shared office.", person)],
        )
        theme = ThemeFactory(name=f"Extra theme {n}")
        CodingFactory(source=source, theme=theme, coder=coder, start=0, end=12)
        ContradictionFactory(site=site)
        ExperimentFactory(site=site)
    after = count()
    content = report_content(selection(lead), user=lead)
    assert len(content.sites) == 5 and len(content.themes) == 5
    assert after == before, f"{before} queries for 2 sites and 2 themes, {after} for 5 and 5"


def test_progress_is_reported_in_order_up_to_done(report_world, lead):
    calls = []
    build_report(selection(lead), "xlsx", lambda step, percent: calls.append((step, percent)))
    percents = [p for _, p in calls]
    assert percents == sorted(percents) and percents[-1] == 100 and len(calls) >= 6
    assert calls[-1][0] == "Done"


# --- files -------------------------------------------------------------------------------


def test_pdf_has_the_sections_and_quotes_and_none_of_the_withdrawn_words(report_world, lead):
    result = build_report(selection(lead), "pdf")
    assert result.content.startswith(b"%PDF") and result.content_type == "application/pdf"
    assert result.filename.startswith("cross-site-report-") and result.filename.endswith(".pdf")
    text = pdf_text(result.content)
    for heading in (
        "1. The study and this selection",
        "2. Themes across sites",
        "3. Themes over the research phases",
        "4. Themes: the most telling excerpts per site",
        "5. The sites' workshops, contradictions and experiments",
        "Contradictions register",
        "Appendix: methods",
        "Inter-coder agreement",
    ):
        assert heading in text, heading
    assert WENDY in text
    assert "Interview with the team" in text and "coder1, coder2" in text
    assert "Referral thresholds vs shared caseloads" in text
    assert "Joint triage on Mondays" in text
    assert HELEN not in text and "same office" not in text
    assert result.page_count == len(PdfReader(io.BytesIO(result.content)).pages) >= 5
    assert "Page 2 of" in text
    sizes = [
        (round(p.mediabox.width), round(p.mediabox.height))
        for p in PdfReader(io.BytesIO(result.content)).pages
    ]
    assert sizes[0] == (595, 842) and (842, 595) in sizes  # A4, the matrix on landscape
    assert set(result.site_ids) == {report_world["source"].site_id, report_world["omar"].site_id}
    assert report_world["helen"].pk not in result.participant_ids


def test_docx_has_headings_tables_charts_and_none_of_the_withdrawn_words(report_world, lead):
    result = build_report(selection(lead), "docx")
    document = docx.Document(io.BytesIO(result.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "2. Themes across sites" in headings
    assert "Appendix: methods" in headings
    assert any(h.startswith("4.1 ") for h in headings)
    body = flat(" ".join(p.text for p in document.paragraphs))
    cells = flat(" ".join(c.text for t in document.tables for row in t.rows for c in row.cells))
    assert WENDY in body and "coder1, coder2" in body
    assert "Referral thresholds vs shared caseloads" in cells
    assert HELEN not in body + cells and "same office" not in body + cells
    assert len(document.inline_shapes) == 2  # the two charts, as PNG
    # The matrix on a landscape section, the rest portrait.
    assert [s.orientation for s in document.sections] == [
        WD_ORIENT.PORTRAIT,
        WD_ORIENT.LANDSCAPE,
        WD_ORIENT.PORTRAIT,
    ]
    assert document.tables[1].rows[0].cells[0].text == "Theme"
    assert result.page_count is None


def test_xlsx_cells_are_typed_one_sheet_per_table(report_world, lead):
    result = build_report(selection(lead), "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(result.content))
    assert {
        "Selection",
        "Themes x sites",
        "Themes x phases",
        "Excerpts",
        "Contradictions",
        "Experiments",
        "Workshop series",
        "Coders",
        "Agreement",
    } <= set(book.sheetnames)
    matrix = book["Themes x sites"]
    assert [c.value for c in matrix[1]] == ["Theme", "Alpha Team", "Bravo Team", "All sites"]
    row = next(r for r in matrix.iter_rows(min_row=2, values_only=True) if r[0].startswith("Co-"))
    assert row[1:] == (2, 1, 3) and all(isinstance(v, int) for v in row[1:])
    assert matrix.freeze_panes == "B2"
    excerpts = book["Excerpts"]
    header = [c.value for c in excerpts[1]]
    rows = list(excerpts.iter_rows(min_row=2, values_only=True))
    dates = [r[header.index("Date")] for r in rows]
    assert all(isinstance(d, datetime.datetime) for d in dates)
    quotes = [r[header.index("Quote")] for r in rows]
    assert WENDY in quotes and not any(HELEN in q for q in quotes)
    experiments = book["Experiments"]
    exp_header = [c.value for c in experiments[1]]
    [exp] = list(experiments.iter_rows(min_row=2, values_only=True))
    assert exp[exp_header.index("Review date")] == datetime.datetime(2006, 4, 1)
    assert book["Experiments"].column_dimensions["B"].width > 10


def test_the_pdf_fetches_its_own_charts_and_static_files_only():
    fetcher = ReportFetcher()
    chart = matrix_chart(["Rules"], ["Alpha"], [[3]], title="Chart")
    assert fetcher.fetch(chart.data_url()).read().startswith(b"<svg")
    for url in ("https://example.org/x.png", "data:text/html;base64,PHA+", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_charts_draw_the_same_layout_as_svg_and_png():
    chart = matrix_chart(["Rules", "Community"], ["Alpha Team"], [[3], [0]], title="Matrix")
    svg = str(chart.svg())
    assert 'role="img"' in svg and "<title>Matrix</title>" in svg and ">3</text>" in svg
    assert 'transform="rotate(-90' in svg  # site names read upwards
    png = chart.png()
    assert png.startswith(b"\x89PNG")
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    assert image.size == (round(chart.width * 2.5), round(chart.height * 2.5))


def test_empty_selection_still_builds_with_an_empty_state(report_world, lead):
    result = build_report(selection(lead, kinds=("observation",)), "pdf")
    assert "Nothing is coded in this selection yet" in pdf_text(result.content)


# --- page --------------------------------------------------------------------------------

URL = "/reports/cross-site/"


def test_the_report_page_lives_at_its_address():
    assert reverse("reports:cross-site") == URL
    assert reverse("reports:cross-site-download", args=["pdf"]) == URL + "pdf/"


def test_lead_sees_the_form_with_everything_ticked(report_world, lead, client_for):
    response = client_for(lead).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="sites" value="alpha"' in html and "checked" in html
    assert "Choose what the report covers" in html
    assert WENDY not in html  # no preview until asked


def test_lead_previews_a_selection_and_sees_no_withdrawn_words(report_world, lead, client_for):
    response = client_for(lead).get(
        URL,
        {
            "sites": ["alpha"],
            "phases": [1, 2],
            "kinds": ["interview", "observation", "document", "workshop"],
            "themes": [t.pk for t in (report_world["theme"], report_world["labour"])],
            "excerpts": 2,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="report-preview"' in html
    assert "Strictly we shouldn&#x27;t, but I rang the school nurse." in html
    assert "same office" not in html
    assert OMAR not in html
    assert "<svg" in html and "Make the PDF" in html
    assert URL + "pdf/?sites=alpha" in html


def test_lead_downloads_each_format(report_world, lead, client_for):
    client = client_for(lead)
    query = {
        "sites": ["alpha", "bravo"],
        "phases": [1, 2],
        "themes": [report_world["theme"].pk],
        "kinds": ["interview"],
        "excerpts": 1,
    }
    for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK"), ("xlsx", b"PK")):
        response = client.get(URL + f"{fmt}/", query)
        assert response.status_code == 200, fmt
        assert response.content.startswith(magic)
        assert response["Content-Disposition"].startswith("attachment; filename=")


def test_invalid_selection_shows_plain_messages_and_no_report(report_world, lead, client_for):
    client = client_for(lead)
    response = client.get(URL, {"sites": ["nowhere"], "excerpts": "nine"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is no site nowhere." in html
    assert "Choose at least one research phase." in html
    assert "Give the number of excerpts per theme and site as a whole number." in html
    assert 'id="report-preview"' not in html
    download = client.get(URL + "pdf/", {"excerpts": 2})
    assert download.status_code == 400
    assert "Choose at least one site." in download.content.decode()


def test_download_without_a_selection_covers_everything(report_world, lead, client_for):
    response = client_for(lead).get(URL + "xlsx/")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book["Themes x sites"][1]][1:3] == ["Alpha Team", "Bravo Team"]


def test_unknown_format_is_404(report_world, lead, client_for):
    assert client_for(lead).get(URL + "csv/").status_code == 404


@pytest.mark.parametrize(
    "persona", ["researcher", "facilitator", "viewer", "site_lead", "outsider"]
)
def test_everyone_but_a_project_lead_gets_403(report_world, persona, client_for, request):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.get(URL + "pdf/", {"sites": ["alpha"]}).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_post_is_not_allowed(report_world, lead, client_for):
    assert client_for(lead).post(URL, {}).status_code == 405


def test_nav_link_for_leads_only(report_world, lead, researcher, client_for):
    assert "Cross-site report</a>" in client_for(lead).get("/sites/").content.decode()
    assert "Cross-site report</a>" not in client_for(researcher).get("/sites/").content.decode()


def test_empty_state_when_nothing_is_coded(lead, client_for):
    response = client_for(lead).get(URL)
    assert response.status_code == 200
    assert 'id="report-empty"' in response.content.decode()
    assert "Nothing is coded yet" in response.content.decode()


# --- command -----------------------------------------------------------------------------


def test_command_writes_each_format(report_world, tmp_path):
    for fmt in ("pdf", "docx", "xlsx"):
        out = tmp_path / f"report.{fmt}"
        stdout = io.StringIO()
        call_command(
            "cross_site_report",
            "--site", "alpha", "--phase", "1", "--theme", "Divisions of labour",
            "--kind", "interview", "--format", fmt, "--out", str(out), stdout=stdout,
        )  # fmt: skip
        assert out.stat().st_size > 1000
        assert "Wrote the cross-site report (1 sites)" in stdout.getvalue()
    text = pdf_text((tmp_path / "report.pdf").read_bytes())
    assert WENDY in text and OMAR not in text and HELEN not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "nowhere"], "There is no site with code nowhere."),
        (["--phase", "two"], "Give each --phase as a number"),
        (["--format", "odt"], "Choose --format pdf, docx or xlsx"),
        (["--user", "ghost"], "There is no active user 'ghost'."),
        (["--user", "researcher"], "Only project leads"),
        (["--excerpts", "9"], "Give --excerpts as a number from 1 to 5."),
    ],
)
def test_command_fails_with_a_plain_message(report_world, researcher, tmp_path, args, message):
    out = tmp_path / "report.pdf"
    base = ["--format", "pdf"] if "--format" not in args else []
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("cross_site_report", *base, *args, "--out", str(out))
    assert not out.exists()


def test_command_refuses_an_unwritable_path(report_world, tmp_path):
    with pytest.raises(CommandError, match="Could not write"):
        call_command(
            "cross_site_report", "--format", "xlsx", "--out", str(tmp_path / "no" / "r.xlsx")
        )


def test_the_page_makes_the_report_as_a_document_job(
    report_world, lead, client_for, django_capture_on_commit_callbacks
):
    from themes.models import DocumentJob, DocumentStatus

    client = client_for(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL + "xlsx/")
    assert response.status_code == 302 and response["Location"] == "/themes/documents/"
    job = DocumentJob.objects.get()
    assert (job.kind, job.status) == ("cross_site_report", DocumentStatus.SUCCEEDED)
    assert job.filename.endswith(".xlsx") and job.size > 0
    download = client.get(f"/themes/documents/{job.pk}/download/")
    assert download.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert len(workbook.sheetnames) >= 2
