"""Right to erasure and the audit record in real Chromium: a lead erases a withdrawn
participant's words after confirming, then reads the project's audit record, filters it and
finds the erasure told in words; axe-core on every page."""

from __future__ import annotations

from playwright.sync_api import expect

from sites.models import ConsentDecision, ConsentScope, Participant, Site
from tests.e2e.conftest import check_accessibility, login
from tests.factories import ConsentRecordFactory, make_source_with_turns

WORDS = "I never told anyone about the missed referral until now."


def test_lead_erases_a_withdrawn_participants_words_and_reads_the_audit(page, demo):
    site = Site.objects.get(code="northbrook")
    gail = Participant.objects.create(
        site=site, pseudonym="Gail", profession=Participant.objects.first().profession
    )
    ConsentRecordFactory(
        participant=gail, scope=ConsentScope.PARTICIPATION, decision=ConsentDecision.WITHDRAWN
    )
    make_source_with_turns(
        site=site,
        title="Interview with Gail",
        turns=[("Interviewer", "What happened next?", None), ("Gail", WORDS, gail)],
    )
    login(page, "lead", demo)
    page.goto(gail.get_absolute_url())
    page.get_by_role("link", name="Erase their words…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase Gail's words")
    expect(page.get_by_role("note")).to_contain_text("1 speaker turn in 1 source")
    check_accessibility(page, "erase-confirm")
    page.get_by_label("Type the participant's pseudonym to confirm").fill("Gial")
    page.get_by_role("button", name="Erase their words for good").click()
    expect(page.locator("main")).to_contain_text("Type the pseudonym exactly")
    check_accessibility(page, "erase-error")
    page.get_by_label("Type the participant's pseudonym to confirm").fill("Gail")
    page.get_by_role("button", name="Erase their words for good").click()
    expect(page.locator("main")).to_contain_text("Their words were erased on")
    check_accessibility(page, "erased-participant")

    page.goto("/sites/")
    page.get_by_role("link", name="Audit record of the whole project").click()
    check_accessibility(page, "project-audit")
    page.get_by_label("Action").select_option(label="erased the words of participant")
    page.get_by_role("button", name="Show events").click()
    table = page.locator("table")
    expect(table).to_contain_text("erased the words of participant")
    expect(table).to_contain_text("Turns erased: 1")
    expect(table.get_by_role("link", name="Gail")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("missed referral")
    check_accessibility(page, "project-audit-filtered")

    page.goto("/fieldwork/search/?q=missed+referral")
    expect(page.locator("main")).not_to_contain_text("I never told anyone")
