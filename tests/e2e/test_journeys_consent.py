"""Browser journey: a researcher attributes a field-note paragraph to the participant it
reports on, picking the suggestion; the paragraph then follows that participant's consent."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from sites.models import Participant
from tests.e2e.conftest import check_accessibility, login


def test_researcher_attributes_a_field_note_paragraph_through_the_suggestion(page, demo):
    withdrawn = (
        Participant.objects.excluded_by_consent()
        .filter(site__code="northbrook")
        .order_by("pk")
        .first()
    )
    assert withdrawn is not None, "the demo data has a withdrawn participant at Northbrook"
    name = withdrawn.pseudonym
    login(page, "researcher", demo)
    page.goto("/fieldwork/northbrook/observations/new/")
    page.get_by_label("Title").fill("Thursday duty desk")
    page.locator("#id_date").fill("2005-04-21")
    page.get_by_label("Field notes").fill(
        "The duty desk was quiet until the school rang about a child.\n\n"
        f"{name} said she would phone the health visitor herself, whatever the protocol says."
    )
    page.get_by_role("button", name="Save observation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thursday duty desk")
    paragraph = page.locator("#turn-1")
    expect(paragraph).to_contain_text("phone the health visitor")

    # The control on the second paragraph suggests the participant named in it, first.
    paragraph.get_by_text("Who is this about?").click()
    first = paragraph.locator(".form-check").first
    expect(first).to_contain_text(name)
    expect(first).to_contain_text("Named here")
    check_accessibility(page, "attribution-open")
    first.get_by_role("checkbox").check()
    paragraph.get_by_role("button", name=re.compile("Save who paragraph 2 is about")).click()

    expect(page.locator(".messages")).to_contain_text(f"Paragraph 2 attributed to {name}.")
    paragraph = page.locator("#turn-1")
    expect(paragraph).to_contain_text(f"About: {name}")
    # The participant withdrew: a researcher now sees the marker, not the words.
    expect(paragraph).to_contain_text("[withdrawn: participant withdrew on")
    expect(paragraph).not_to_contain_text("phone the health visitor")
    expect(page.locator("#turn-0")).to_contain_text("The duty desk was quiet")
    check_accessibility(page, "attribution-saved")
