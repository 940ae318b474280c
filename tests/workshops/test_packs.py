"""The workshop pack (DOMAIN A7): its content with consent applied, the PDF (text read back
with pypdf) and the DOCX (read back with python-docx), the static-only URL fetcher, the
preview page and downloads, and the `workshop_pack` command.

Anonymous users and other sites' members are covered for the pack's URLs by the generated
access matrix (tests/test_access_matrix.py); here: what the pages and files show, 403 for
roles that cannot plan, 404 for a format the pack does not come in."""

from __future__ import annotations

import datetime
import io

import docx
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from sites.models import ConsentDecision, ConsentScope
from tests.factories import MirrorItemFactory
from tests.workshops.conftest import decide
from workshops import services
from workshops.models import (
    ActivitySystemModel,
    Element,
    ElementEntry,
    MirrorItemKind,
    MirrorItemStatus,
    SharedObject,
    Workshop,
)
from workshops.packs import build_pack
from workshops.packs.content import WithheldWords, pack_content
from workshops.packs.pdf import StaticOnlyFetcher

pytestmark = pytest.mark.django_db

HELEN = "We sit together in the same office now."
WENDY = "Strictly we shouldn't, but I rang the school nurse."
NADIA = "Nobody knows who holds the case any more."
STATISTIC = "Four in ten referrals to the team were sent back for a different form."


@pytest.fixture
def pack_world(world, facilitator):
    """Session 2 of Alpha's series, with: Wendy's excerpt and a statistic (cleared); Helen's
    excerpt, and a document extract that pastes her words, then Helen withdraws from the
    study; an excerpt of Nadia's turn whose speakers
    were never recorded (Nadia declined being shown to colleagues); a proposed item; session
    1's saved summary quoting Helen; the site's model with both excerpts as evidence."""
    series = world["series"]
    one, two = series.sessions.get(number=1), series.sessions.get(number=2)
    helen_item = services.mirror_item_add_excerpt(
        workshop=two, actor=facilitator, coding=world["codings"][0]
    )
    wendy_item = services.mirror_item_add_excerpt(
        workshop=two, actor=facilitator, coding=world["codings"][1]
    )
    services.mirror_item_update(
        item=wendy_item,
        actor=facilitator,
        facilitator_note="Read it aloud twice.",
        prompts=f"Who else rings the school nurse?\nHelen said: {HELEN}\nWhat rule does it bend?",
    )
    pasted = services.mirror_item_add_typed(
        workshop=two,
        actor=facilitator,
        kind="document",
        title="Minutes of the team meeting",
        text=f"Minutes, item 4: {HELEN}",
        provenance_note="Team minutes, March 2005",
    )
    statistic = services.mirror_item_add_typed(
        workshop=two,
        actor=facilitator,
        kind="statistic",
        title="Referrals sent back",
        text=STATISTIC,
        provenance_note="Team referral log, 2005",
    )
    nadia_turn = world["source"].segments.get(participant=world["nadia"])
    stale = MirrorItemFactory(
        workshop=two,
        kind=MirrorItemKind.EXCERPT,
        text=NADIA,
        source=world["source"],
        start=nadia_turn.start,
        end=nadia_turn.end,
        source_title=world["source"].title,
    )
    proposed = MirrorItemFactory(
        workshop=two, text="A proposed figure nobody accepted", status=MirrorItemStatus.PROPOSED
    )
    first = two.activities.order_by("order").first()
    first.first_stimulus.add(helen_item, wendy_item, stale)
    services.workshop_update(workshop=two, actor=facilitator, scribe_participant=world["wendy"])
    services.workshop_attendees_set(
        workshop=two,
        actor=facilitator,
        participants=[world["helen"], world["wendy"], world["nadia"]],
    )
    services.workshop_summary_save(
        workshop=one,
        actor=facilitator,
        text=f"What happened\nHelen told us: {HELEN}\nThe team agreed to meet again.\n",
    )
    model = ActivitySystemModel.objects.create(
        site=world["series"].site, title="The team today", perspective="The team", built_in=one
    )
    entry = ElementEntry.objects.create(model=model, element=Element.INSTRUMENTS, text="Phones")
    entry.evidence_mirror_items.add(helen_item, wendy_item)
    # Later, Helen withdraws from the study altogether.
    helen = world["helen"]
    for scope in ConsentScope.values:
        decide(helen, scope, ConsentDecision.WITHDRAWN, datetime.date(2006, 6, 1))
    return {
        **world,
        "two": two,
        "one": one,
        "helen_item": helen_item,
        "wendy_item": wendy_item,
        "statistic": statistic,
        "stale": stale,
        "proposed": proposed,
        "pasted": pasted,
        "first_activity": first,
        "helen": helen,
    }


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_text(data: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
    return flat(" ".join(parts))


def assert_no_withheld_words(text: str) -> None:
    assert "same office" not in text  # Helen withdrew: not in items, summary or evidence
    assert "holds the case" not in text  # Nadia declined being shown to colleagues
    assert "A proposed figure" not in text  # not accepted


# --- content --------------------------------------------------------------------------------


def test_the_pack_leaves_out_revoked_and_unaccepted_items_and_numbers_the_rest(pack_world):
    content = pack_content(pack_world["two"])

    assert [m.pk for m in content.mirror] == [
        pack_world["wendy_item"].pk,
        pack_world["statistic"].pk,
    ]
    assert [m.ref for m in content.mirror] == ["M1", "M2"]
    agenda = content.agenda[0]
    assert agenda.first_stimulus == [f"M1 · {content.mirror[0].title}"]


def test_a_typed_item_or_a_prompt_pasting_withheld_words_is_left_out(pack_world):
    content = pack_content(pack_world["two"])

    assert pack_world["pasted"].pk not in {m.pk for m in content.mirror}
    wendy = next(m for m in content.mirror if m.pk == pack_world["wendy_item"].pk)
    assert wendy.prompts == ["Who else rings the school nurse?", "What rule does it bend?"]


def test_an_excerpt_is_revoked_by_a_blocked_speaker_in_its_turns_even_if_never_recorded(
    pack_world,
):
    assert not pack_world["stale"].speakers.exists()

    content = pack_content(pack_world["two"])

    assert pack_world["stale"].pk not in {m.pk for m in content.mirror}


def test_the_participant_list_gives_consent_in_words_with_red_flags(pack_world):
    rows = {p.pseudonym: p for p in pack_content(pack_world["two"]).participants}

    assert rows["Helen"].flags == [
        "No consent to being recorded",
        "No consent to being shown to colleagues",
    ]
    assert "Taking part and being recorded: withdrawn" in rows["Helen"].consent
    assert "Being shown to colleagues in workshops: declined" in rows["Nadia"].consent
    assert rows["Wendy"].flags == []
    assert rows["Wendy"].scribe


def test_a_summary_line_quoting_withheld_words_is_left_out_and_counted(pack_world):
    previous = pack_content(pack_world["two"]).previous

    assert previous.heading.startswith("Session 1:")
    assert "The team agreed to meet again." in previous.lines
    assert not any("same office" in line for line in previous.lines)
    assert previous.withheld_lines == 1


def test_withheld_words_match_five_words_in_a_row_whatever_the_case_and_punctuation():
    words = WithheldWords(["We sit together in the same office now.", "Who do I ring?"])

    assert words.quotes("she said: “we SIT together, in the same room”")
    assert words.quotes("Asked: who do I ring")
    assert not words.quotes("We sit in the office together.")


def test_the_site_model_evidence_keeps_cleared_quotes_only(pack_world):
    content = pack_content(pack_world["two"])

    assert content.model_title.startswith("The team today")
    [row] = content.model_entries
    assert row.text == "Phones"
    assert len(row.evidence) == 1 and "rang the school nurse" in row.evidence[0]


def test_the_conceptual_tools_are_all_there_each_with_a_text_alternative(pack_world):
    content = pack_content(pack_world["two"])

    assert [d.key for d in content.diagrams] == [
        "triangle",
        "site_model",
        "third_generation",
        "cycle",
        "timeline",
    ]
    for diagram in content.diagrams:
        assert diagram.alt and diagram.grid
        assert diagram.svg.startswith("<svg") and "<title" in diagram.svg and "<desc" in diagram.svg


def test_the_first_session_has_no_previous_summary(world):
    assert pack_content(world["workshop"]).previous is None


def test_the_pack_reads_a_fixed_number_of_queries_whatever_the_number_of_items(
    pack_world, facilitator, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40):
        pack_content(pack_world["two"])
    for n in range(10):
        services.mirror_item_add_typed(
            workshop=pack_world["two"],
            actor=facilitator,
            kind="statistic",
            title=f"Figure {n}",
            text=f"{n} referrals",
            provenance_note="Team log",
        )
    with django_assert_max_num_queries(40):
        content = pack_content(pack_world["two"])
    assert len(content.mirror) == 12


# --- the files --------------------------------------------------------------------------------


def test_the_pdf_has_the_agenda_every_cleared_quote_with_provenance_and_no_withheld_words(
    pack_world,
):
    data, pages = build_pack(pack_world["two"], "pdf")

    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert pages == len(PdfReader(io.BytesIO(data)).pages) >= 8
    assert "Timed agenda" in text
    for activity in pack_world["two"].activities.all():
        assert activity.title in text
    wendy = pack_world["wendy_item"]
    assert WENDY in text
    assert f"item {wendy.pk}, source {wendy.source_id}, coding {wendy.coding_id}" in text
    assert "Interview with the team (interview, 14 Mar 2005)" in text
    assert STATISTIC in text and "Team referral log, 2005" in text
    assert "Consent clearance" in text and "Mirror × Past" in text
    assert "The team agreed to meet again." in text
    assert_no_withheld_words(text)


def test_every_pdf_page_is_a4_with_a_page_number_and_after_the_cover_the_running_header(
    pack_world,
):
    data, pages = build_pack(pack_world["two"], "pdf")
    reader = PdfReader(io.BytesIO(data))

    for number, page in enumerate(reader.pages, start=1):
        assert (round(page.mediabox.width), round(page.mediabox.height)) == (595, 842)  # A4
        text = flat(page.extract_text())
        assert f"Page {number} of {pages}" in text
        if number > 1:
            assert "Alpha Team · Session 2:" in text


def test_the_docx_has_word_headings_tables_page_breaks_and_no_withheld_words(pack_world):
    data, pages = build_pack(pack_world["two"], "docx")

    assert pages is None
    document = docx.Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "Timed agenda",
        "Participant list",
        "Previous session's summary",
        "Mirror data (first stimuli)",
        "Conceptual tools (second stimuli)",
        "3×3 surfaces layout sheet",
        "Facilitator notes",
        "Logistics checklist",
    ]
    assert len(document.tables) >= 8
    xml = document.element.xml
    assert xml.count('w:type="page"') == 7
    text = docx_text(document)
    assert "Alpha Team · Session 2:" in text
    for activity in pack_world["two"].activities.all():
        assert activity.title in text
    wendy = pack_world["wendy_item"]
    assert WENDY in text
    assert f"item {wendy.pk}, source {wendy.source_id}, coding {wendy.coding_id}" in text
    assert STATISTIC in text and "Team referral log, 2005" in text
    assert "Who else rings the school nurse?" in text
    assert "Taking part and being recorded: withdrawn" in text
    assert_no_withheld_words(text)


def test_the_pdf_fetcher_serves_the_apps_static_files_and_refuses_everything_else():
    fetcher = StaticOnlyFetcher()

    css = fetcher.fetch("https://pack.invalid/static/css/pack.css")
    assert b"@page" in css.read()
    for url in (
        "http://example.com/logo.png",
        "https://example.com/static/css/pack.css",
        "file:///etc/passwd",
        "https://pack.invalid/static/../../dwr_project/settings.py",
        "https://pack.invalid/media/secret.txt",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


# --- pages ------------------------------------------------------------------------------


def pack_url(workshop: Workshop, fmt: str | None = None) -> str:
    kwargs = {"code": workshop.site.code, "pk": workshop.pk}
    if fmt:
        return reverse("workshops:workshop-pack-download", kwargs={**kwargs, "fmt": fmt})
    return reverse("workshops:workshop-pack", kwargs=kwargs)


def test_a_facilitator_previews_the_pack_with_its_download_links(
    pack_world, client_for, facilitator, django_assert_max_num_queries
):
    client = client_for(facilitator)
    with django_assert_max_num_queries(50):
        response = client.get(pack_url(pack_world["two"]))

    assert response.status_code == 200
    page = flat(response.content.decode())
    assert "Timed agenda" in page and WENDY.replace("'", "&#x27;") in page
    assert pack_url(pack_world["two"], "pdf") in page
    assert pack_url(pack_world["two"], "docx") in page
    assert_no_withheld_words(page)


def test_the_session_page_links_to_the_pack_for_those_who_plan(pack_world, client_for, facilitator):
    workshop = pack_world["two"]
    response = client_for(facilitator).get(workshop.get_absolute_url())

    assert pack_url(workshop) in response.content.decode()


@pytest.mark.parametrize(
    "fmt, content_type, magic",
    [
        ("pdf", "application/pdf", b"%PDF"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    ],
)
def test_a_site_lead_downloads_the_pack(
    pack_world, client_for, site_lead, fmt, content_type, magic
):
    response = client_for(site_lead).get(pack_url(pack_world["two"], fmt))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert f'filename="pack-alpha-session-2.{fmt}"' in response["Content-Disposition"]
    assert response.content.startswith(magic)


@pytest.mark.parametrize("persona", ["researcher", "viewer"])
def test_roles_that_cannot_plan_get_403_for_the_pack(pack_world, client_for, persona, request):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(pack_url(pack_world["two"])).status_code == 403
    assert client.get(pack_url(pack_world["two"], "pdf")).status_code == 403


def test_another_sites_member_gets_404_for_the_pack(pack_world, client_for, outsider):
    assert client_for(outsider).get(pack_url(pack_world["two"])).status_code == 404
    assert client_for(outsider).get(pack_url(pack_world["two"], "pdf")).status_code == 404


def test_a_format_the_pack_does_not_come_in_is_404_and_posting_makes_a_document(
    pack_world, client_for, facilitator, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from themes.models import DocumentJob, DocumentStatus

    client = client_for(facilitator)

    assert client.get(pack_url(pack_world["two"], "xlsx")).status_code == 404
    assert client.post(pack_url(pack_world["two"], "xlsx")).status_code == 404
    assert not DocumentJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(pack_url(pack_world["two"], "pdf"))
    assert response.status_code == 302
    assert response["Location"] == reverse("themes:documents")
    job = DocumentJob.objects.get()
    assert (job.kind, job.status, job.created_by) == (
        "workshop_pack",
        DocumentStatus.SUCCEEDED,
        facilitator,
    )
    assert job.site_ids == [pack_world["two"].site_id]
    assert job.page_count and job.page_count >= 2
    with job.open_file() as handle:
        assert handle.read(4) == b"%PDF"
    page = client.get(reverse("themes:documents"))
    assert job.filename in page.content.decode()


# --- the command --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_command_writes_the_pack(pack_world, tmp_path, fmt):
    out = tmp_path / f"pack.{fmt}"
    stdout = io.StringIO()

    call_command(
        "workshop_pack",
        str(pack_world["two"].pk),
        "--format",
        fmt,
        "--out",
        str(out),
        stdout=stdout,
    )

    assert "Wrote the pack of Alpha Team, session 2" in stdout.getvalue()
    text = pdf_text(out.read_bytes()) if fmt == "pdf" else docx_text(docx.Document(out))
    assert WENDY in text
    assert_no_withheld_words(text)


@pytest.mark.parametrize(
    "args, message",
    [
        (["999999", "--format", "pdf"], "There is no workshop session with id 999999."),
        (["abc", "--format", "pdf"], "There is no workshop session with id abc."),
        (["{pk}", "--format", "xlsx"], "Choose --format pdf or --format docx (not 'xlsx')."),
    ],
)
def test_the_command_fails_in_plain_words(pack_world, tmp_path, args, message):
    args = [a.format(pk=pack_world["two"].pk) for a in args]
    out = tmp_path / "pack.pdf"

    with pytest.raises(CommandError) as error:
        call_command("workshop_pack", *args, "--out", str(out))

    assert str(error.value) == message
    assert not out.exists()


def test_the_command_says_when_it_cannot_write_the_file(pack_world, tmp_path):
    out = tmp_path / "missing-directory" / "pack.pdf"

    with pytest.raises(CommandError, match="Could not write .*pack.pdf: No such file"):
        call_command(
            "workshop_pack", str(pack_world["two"].pk), "--format", "pdf", "--out", str(out)
        )


def test_the_third_generation_diagram_draws_the_linked_neighbour_and_the_shared_object(
    pack_world,
):
    site = pack_world["series"].site
    model = ActivitySystemModel.objects.get(site=site, title="The team today")
    school = ActivitySystemModel.objects.create(
        site=site, title="The school", perspective="A secondary school"
    )
    SharedObject.objects.create(site=site, model_a=model, model_b=school, text="A pupil at risk")

    third = next(d for d in pack_content(pack_world["two"]).diagrams if d.key == "third_generation")

    assert third.title == "Third-generation diagram: The team today and The school"
    assert (
        "A pupil at risk" in third.svg
        and "Their partially shared object: A pupil at risk." in third.alt
    )
    assert "Instruments: Phones." in third.alt


def test_the_pdf_draws_the_conceptual_tools_as_vectors_not_images(pack_world):
    data, _pages = build_pack(pack_world["two"], "pdf")
    reader = PdfReader(io.BytesIO(data))

    assert not any(page.images for page in reader.pages)
    text = pdf_text(data)
    assert "Past: events, changes" in text  # the timeline template's boxes, as text
    assert "4. Examining the model" in text  # the cycle's steps


def test_the_pack_says_whose_words_it_quotes_for_the_document_jobs(pack_world):
    content = pack_content(pack_world["two"])

    assert content.site_id == pack_world["series"].site_id
    assert content.participant_ids == {pack_world["wendy"].pk}
