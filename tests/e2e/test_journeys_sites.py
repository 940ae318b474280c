"""Journeys of the foundation: log in as each persona, a lead withdraws consent, an outsider
meets the 404 page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_accessibility, login

PERSONA_SITES = {
    "lead": ["Northbrook", "Riverside", "Eastmoor", "Westvale", "Southgate"],
    "researcher": ["Northbrook", "Riverside"],
    "facilitator": ["Northbrook"],
    "viewer": ["Riverside"],
    "outsider": ["Southgate"],
}
ALL_SITES = PERSONA_SITES["lead"]


@pytest.mark.parametrize("persona", list(PERSONA_SITES))
def test_each_persona_sees_only_their_sites(page, demo, persona):
    login(page, persona, demo)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    check_accessibility(page, f"home-{persona}")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sites").click()
    table = page.locator("table")
    for site in ALL_SITES:
        if site in PERSONA_SITES[persona]:
            expect(table).to_contain_text(site)
        else:
            expect(table).not_to_contain_text(site)
    check_accessibility(page, f"sites-{persona}")


def test_lead_records_a_consent_withdrawal(page, demo):
    login(page, "lead", demo)
    page.goto("/sites/northbrook/")
    check_accessibility(page, "site-detail")
    row = page.locator("#participants tbody tr").filter(has_text="Full consent").first
    name = row.locator("th a").inner_text()
    row.locator("th a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    check_accessibility(page, "participant")
    page.get_by_role("link", name="Record a consent decision").click()
    check_accessibility(page, "consent-form")
    page.get_by_label("Taking part and being recorded").check()
    page.get_by_label("Being quoted in outputs").check()
    page.get_by_label("Withdrawn").check()
    page.get_by_label("Note").fill("Asked in person at the team meeting.")
    page.get_by_role("button", name="Record consent decision").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirm")
    expect(page.get_by_role("alert")).to_contain_text("left out of")
    check_accessibility(page, "consent-confirm")
    page.get_by_role("button", name="Yes, record the withdrawal").click()
    expect(page.locator("h1 .consent-badge")).to_have_text(re.compile("Withdrawn"))
    expect(page.get_by_text("Excluded from outputs.")).to_be_visible()
    expect(page.locator(".list-group")).to_contain_text("Asked in person at the team meeting.")


def test_outsider_typing_another_sites_address_gets_the_404_page(page, demo):
    login(page, "outsider", demo)
    response = page.goto("/sites/northbrook/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main")).not_to_contain_text("Northbrook")
    check_accessibility(page, "404")
