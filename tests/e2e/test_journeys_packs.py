"""The workshop pack in real Chromium: on the demo, the facilitator opens Northbrook's first
session, follows "Workshop pack", reads the preview (without the item revoked when its
speaker withdrew), and downloads the PDF and the DOCX; axe-core on the preview."""

from __future__ import annotations

import re

from playwright.sync_api import expect

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

    for name, suffix in (("Download PDF", ".pdf"), ("Download DOCX (editable)", ".docx")):
        with page.expect_download() as download:
            page.get_by_role("link", name=name).click()
        assert download.value.suggested_filename == f"pack-northbrook-session-1{suffix}"
