"""Journey of the workshops app: a facilitator plans a series from the template, chooses
three excerpts as mirror items, moves one on the surfaces board with the keyboard only, marks
the session held and imports its transcript; axe-core checks every page on the way."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import check_accessibility, login

TRANSCRIPT = (
    "Facilitator: Let us look at the first excerpt together.\n\n"
    "Participant: Why do we still use the old referral form?\n\n"
    "Facilitator: Where would you put that on the triangle?\n\n"
    "Participant: It is a rule from before the team existed.\n"
)


def test_a_facilitator_plans_a_series_chooses_mirror_data_and_records_the_session(page, demo):
    login(page, "facilitator", demo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workshops").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Workshops at Northbrook"))
    check_accessibility(page, "series-list")

    page.get_by_role("link", name="Start a workshop series").click()
    check_accessibility(page, "series-create")
    page.get_by_label("Title").fill("Second round at Northbrook")
    page.get_by_label("The six-session LIW-style template").check()
    page.get_by_role("button", name="Create series").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Second round at Northbrook")
    expect(page.locator("#sessions tbody tr")).to_have_count(6)
    check_accessibility(page, "series-detail")

    page.get_by_role("link", name="Current practice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Session 1: Current practice")
    check_accessibility(page, "session")

    page.get_by_role("link", name="Edit plan and attendees").click()
    check_accessibility(page, "plan")
    page.get_by_label("Date").fill("2006-09-14")
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("End time").fill("11:30")
    attendees = page.locator("#div_id_attendees input[type=checkbox]")
    for n in range(3):
        attendees.nth(n).check()
    page.get_by_role("button", name="Save plan").click()
    expect(page.locator("#attendee-table tbody tr")).to_have_count(3)
    expect(page.locator("#agenda-table caption")).to_contain_text("of a 120-minute session")

    page.get_by_role("link", name="Add an agenda item").click()
    check_accessibility(page, "agenda-item")
    page.get_by_label("Title").fill("Tea break")
    page.get_by_label("Minutes").fill("10")
    page.get_by_role("button", name="Add to the agenda").click()
    expect(page.locator("#agenda-table caption")).to_contain_text("more than the session's length")

    page.get_by_role("link", name="Find excerpts and add mirror items").click()
    check_accessibility(page, "mirror-search")
    page.get_by_label("Words").fill("the")
    page.get_by_role("button", name="Search excerpts").click()
    expect(page.locator(".excerpt-candidate").first).to_be_visible()
    check_accessibility(page, "mirror-results")
    for n in range(3):
        page.get_by_role("button", name=re.compile("^Add as mirror item")).first.click()
        expect(page.locator(".messages")).to_contain_text("as a mirror item")
        expect(page.get_by_text("Already a mirror item")).to_have_count(n + 1)

    page.get_by_role("link", name="Back to the session").click()
    expect(page.locator("#mirror .mirror-item")).to_have_count(3)
    page.get_by_role("link", name=re.compile("^Edit note and prompts")).first.click()
    check_accessibility(page, "item-edit")
    page.get_by_label("Prompts").fill("Does this happen here?")
    page.get_by_role("button", name="Save item").click()
    expect(page.locator("#mirror")).to_contain_text("Does this happen here?")

    page.get_by_role("link", name="Surfaces board").click()
    check_accessibility(page, "board")
    mirror_present = page.locator('.surface-cell[data-column="mirror"][data-layer="present"]')
    expect(mirror_present.locator(".board-item")).to_have_count(3)
    # Keyboard only: Tab to the first item, then the arrow keys.
    page.locator("#print-board").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('board-item')"):
            break
    page.keyboard.press("ArrowRight")
    model_present = page.locator('.surface-cell[data-column="model"][data-layer="present"]')
    expect(model_present.locator(".board-item")).to_have_count(1)
    expect(page.locator("#board-status")).to_have_text(re.compile("Moved to Model / vision"))
    page.keyboard.press("ArrowUp")
    model_past = page.locator('.surface-cell[data-column="model"][data-layer="past"]')
    expect(model_past.locator(".board-item")).to_have_count(1)
    page.reload()
    expect(model_past.locator(".board-item")).to_have_count(1)
    expect(mirror_present.locator(".board-item")).to_have_count(2)

    page.get_by_role("link", name="Back to the session").click()
    page.get_by_role("link", name="Mark held and record what happened").click()
    check_accessibility(page, "held")
    page.get_by_label("What happened").fill("The team questioned the referral form.")
    page.get_by_label("Departures from the plan").fill("We skipped the tea break.")
    page.get_by_label(re.compile("Tea break")).check()
    page.get_by_role("button", name="Save what happened").click()
    expect(page.locator("h1 .badge")).to_have_text("Held")
    expect(page.get_by_text("What actually happened")).to_be_visible()

    page.get_by_label("Transcript file").set_input_files(
        files=[{"name": "session-1.txt", "mimeType": "text/plain", "buffer": TRANSCRIPT.encode()}]
    )
    page.get_by_role("button", name="Import transcript").click()
    expect(page.locator(".messages")).to_contain_text("Map its speakers")
    expect(page.locator(".transcript")).to_contain_text(
        "Why do we still use the old referral form?"
    )
    expect(page.locator("#speakers tbody tr")).to_have_count(2)
    check_accessibility(page, "session-held")

    page.get_by_role("link", name="Draft the next session's summary").click()
    check_accessibility(page, "summary")
    expect(page.get_by_label("Summary for the next session")).to_have_value(
        re.compile("The team questioned the referral form.")
    )
    page.get_by_role("button", name="Save summary").click()
    expect(page.locator("#summary")).to_contain_text("Summary of session 1")


def test_a_lead_finds_every_sites_workshops_and_the_demo_revoked_item(page, demo):
    login(page, "lead", demo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workshops").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workshops")
    check_accessibility(page, "workshops-index")
    page.get_by_role("link", name="Northbrook Multi-Agency Support Team", exact=True).click()
    page.get_by_role("link", name=re.compile("Session 1: Current practice")).click()
    expect(page.locator(".mirror-revoked")).to_have_count(1)
    expect(page.locator(".mirror-revoked")).to_contain_text("withdrew consent")
    expect(page.locator(".learning-timeline")).to_contain_text("Questioning")
    check_accessibility(page, "demo-session")
    page.get_by_role("link", name="Surfaces board").click()
    expect(page.locator(".board-item.mirror-revoked")).to_have_count(1)
    check_accessibility(page, "demo-board")
    # Drag and drop: the item of the mirror × past surface onto ideas × past (same row, so
    # the page does not scroll during the drag).
    source_cell = page.locator('.surface-cell[data-column="mirror"][data-layer="past"]')
    target_cell = page.locator('.surface-cell[data-column="ideas"][data-layer="past"]')
    before = source_cell.locator(".board-item").count()
    source_cell.locator(".board-item").first.drag_to(
        target_cell, source_position={"x": 12, "y": 8}, target_position={"x": 40, "y": 60}
    )
    expect(target_cell.locator(".board-item")).to_have_count(1)
    page.reload()
    expect(target_cell.locator(".board-item")).to_have_count(1)
    expect(source_cell.locator(".board-item")).to_have_count(before - 1)

    page.get_by_role("link", name="DWR workshops at Northbrook", exact=False).first.click()
    page.get_by_role("link", name="Edit series").click()
    check_accessibility(page, "series-edit")
    page.get_by_label("Aims").fill("Look at our practice, together.")
    page.get_by_role("button", name="Save series").click()
    expect(page.locator("main")).to_contain_text("Look at our practice, together.")
