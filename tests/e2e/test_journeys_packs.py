"""The workshop pack in real Chromium: on the demo, the facilitator opens Northbrook's first
session, follows "Workshop pack", reads the preview (without the item revoked when its
speaker withdrew), and downloads the PDF and the DOCX; axe-core on the preview."""

from __future__ import annotations

import io
import re
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import check_accessibility, login
from workshops.models import MirrorItem, Workshop
from workshops.packs.content import pack_content


def test_facilitator_previews_and_downloads_the_workshop_pack(page, demo):
    workshop = Workshop.objects.get(site__code="northbrook", number=1)
    shown = {m.pk for m in pack_content(workshop).mirror}
    revoked = MirrorItem.objects.filter(workshop=workshop).exclude(pk__in=shown).first()
    assert revoked is not None  # the demo's item whose speaker later withdrew

    login(page, "facilitator", demo)
    page.goto(workshop.get_absolute_url())
    page.get_by_role("link", name=re.compile("Workshop pack")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Session 1: {workshop.title}")
    expect(page.get_by_role("heading", name="Timed agenda")).to_be_visible()
    expect(page.get_by_role("img", name="The expansive learning cycle")).to_be_visible()
    expect(page.locator(".pack")).not_to_contain_text(" ".join(revoked.text.split())[:40])
    check_accessibility(page, "workshop-pack")

    # The pack is made by a worker: the facilitator lands on My documents, watches the
    # progress bar reach 100% and downloads the file.
    for name, suffix, magic in (
        ("Make the PDF", ".pdf", b"%PDF"),
        ("Make the DOCX (editable)", ".docx", b"PK"),
    ):
        page.goto(workshop.get_absolute_url() + "pack/")
        page.get_by_role("button", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("My documents")
        filename = f"pack-northbrook-session-1{suffix}"
        row = page.locator("tr", has_text=f"({suffix[1:].upper()})").first
        expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
        with page.expect_download() as download:
            row.get_by_role("link", name=f"Download {filename}").click()
        assert download.value.suggested_filename == filename
        data = Path(download.value.path()).read_bytes()
        assert data.startswith(magic)
        if suffix == ".pdf":
            text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
            assert "Timed agenda" in text or "Agenda" in text
            assert " ".join(revoked.text.split())[:40] not in " ".join(text.split())
    check_accessibility(page, "my-documents")
