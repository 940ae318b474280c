"""The cross-site report in real Chromium: on the demo, the project lead follows the nav link,
narrows the report to two sites, previews it (no withdrawn participant's words) and downloads
the PDF; axe-core on the form and on the preview."""

from __future__ import annotations

import io
import re
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from fieldwork.models import Segment
from sites.models import Participant, Site
from tests.e2e.conftest import check_accessibility, login

CHOSEN = ("northbrook", "southgate")


def test_lead_picks_sites_previews_and_downloads_the_cross_site_report(page, demo):
    withdrawn = Participant.objects.excluded_ids()
    # The demo's interviews draw on a phrase bank: keep the withdrawn participants' turns
    # nobody else says word for word, and their pseudonyms as provenance names speakers.
    others = {
        " ".join(t.split())
        for t in Segment.objects.exclude(participant_id__in=withdrawn).values_list(
            "text", flat=True
        )
    }
    withheld = [
        words
        for s in Segment.objects.filter(participant_id__in=withdrawn, source__site__code__in=CHOSEN)
        if len((words := " ".join(s.text.split())).split()) >= 6 and words not in others
    ]
    consenting = set(
        Participant.objects.filter(site__code__in=CHOSEN)
        .exclude(pk__in=withdrawn)
        .values_list("pseudonym", flat=True)
    )
    speakers = [
        f"· {p.pseudonym} · turn"
        for p in Participant.objects.filter(pk__in=withdrawn, site__code__in=CHOSEN)
        if p.pseudonym not in consenting  # pseudonyms repeat across sites
    ]
    assert speakers  # the demo has withdrawn participants at these sites
    names = dict(Site.objects.values_list("code", "name"))

    login(page, "lead", demo)
    page.get_by_role("link", name="Cross-site report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cross-site report")
    check_accessibility(page, "report-form")

    for code, name in names.items():
        box = page.get_by_role("checkbox", name=name, exact=True)
        if code in CHOSEN:
            expect(box).to_be_checked()
        else:
            box.uncheck()
    page.get_by_role("button", name="Preview the report").click()

    preview = page.locator("#report-preview")
    expect(preview.get_by_role("heading", name="2. Themes across sites")).to_be_visible()
    expect(preview.get_by_role("img", name="Coded passages per theme and site")).to_be_visible()
    expect(preview.get_by_role("heading", name="Appendix: methods")).to_be_visible()
    table = preview.locator("#report-matrix thead")
    expect(table).to_contain_text(names["northbrook"])
    expect(table).not_to_contain_text(names["riverside"])
    text = " ".join(preview.inner_text().split())
    for words in withheld + speakers:
        assert words not in text
    check_accessibility(page, "report-preview")

    page.get_by_role("button", name="Make the PDF").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My documents")
    row = page.locator("tr", has_text="Cross-site report (PDF)").first
    expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile("^Download cross-site-report-")).click()
    assert download.value.suggested_filename.startswith("cross-site-report-")
    data = Path(download.value.path()).read_bytes()
    pdf = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "2. Themes across sites" in pdf and names["southgate"] in pdf
    for words in withheld + speakers:
        assert words not in pdf
