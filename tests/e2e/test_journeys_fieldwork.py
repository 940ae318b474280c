"""A researcher writes an observation, uploads two transcripts, watches them import, maps a
speaker, and finds a phrase by search — in real Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import check_accessibility, login

TXT = (
    "Interviewer: How do referrals reach the team now that you share an office?\n\n"
    "Marjorie: Honestly, the corridor conversation does most of the work. "
    "I just lean over and ask the educational psychologist.\n\n"
    "Interviewer: And before the move?\n\n"
    "Marjorie: We faxed a form and waited three weeks for the panel.\n"
)
VTT = (
    "WEBVTT\n\n"
    "00:00:01.000 --> 00:00:04.000\n<v Researcher>Who do you ring when a case is stuck?\n\n"
    "00:00:04.500 --> 00:00:09.000\n<v Dennis>I ring the family support worker first, "
    "she knows everyone at the school.\n"
)


def test_researcher_logs_fieldwork_imports_maps_and_searches(page, demo, tmp_path):
    login(page, "researcher", demo)
    page.goto("/fieldwork/northbrook/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, "fieldwork-list")

    # An observation, written in the browser.
    page.goto("/fieldwork/northbrook/observations/new/")
    check_accessibility(page, "observation-form")
    page.get_by_label("Title").fill("Tuesday allocation meeting")
    page.locator("#id_date").fill("2005-03-15")
    page.get_by_label("Setting").fill("Team room, shared office")
    page.get_by_label("Field notes").fill(
        "The social worker and the EP talked across the desks about a referral.\n\n"
        "Nobody was sure who held the case: a classic knotworking moment."
    )
    page.get_by_role("button", name="Save observation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tuesday allocation meeting")
    expect(page.locator("main")).to_contain_text("Nobody was sure who held the case")
    check_accessibility(page, "observation-detail")

    # Two transcripts, uploaded together.
    (tmp_path / "marjorie.txt").write_text(TXT, encoding="utf-8")
    (tmp_path / "dennis.vtt").write_text(VTT, encoding="utf-8")
    page.goto("/fieldwork/northbrook/imports/")
    check_accessibility(page, "imports")
    page.get_by_label("Transcript files").set_input_files(
        [str(tmp_path / "marjorie.txt"), str(tmp_path / "dennis.vtt")]
    )
    page.get_by_role("button", name="Import").click()
    table = page.locator("#import-table")
    for name in ("marjorie.txt", "dennis.vtt"):
        row = table.locator("tr", has_text=name)
        expect(row).to_contain_text("Imported", timeout=20_000)
        expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    check_accessibility(page, "imports-done")

    # Map the "Marjorie" label to a participant.
    table.locator("tr", has_text="marjorie.txt").get_by_role("link").last.click()
    expect(page.locator("main")).to_contain_text("corridor conversation")
    check_accessibility(page, "source-detail")
    source_url = page.url
    page.goto(source_url.rstrip("/") + "/speakers/")
    check_accessibility(page, "speakers")
    select = page.get_by_label("Who is “Marjorie”?")
    options = select.locator("option")
    participant_option = None
    for i in range(options.count()):
        value = options.nth(i).get_attribute("value") or ""
        if value.startswith("p:"):
            participant_option = options.nth(i)
            break
    assert participant_option is not None, "no participant offered for mapping"
    pseudonym = participant_option.inner_text().split(" (")[0].split(" —")[0].strip()
    select.select_option(value=participant_option.get_attribute("value"))
    page.locator("tr", has_text="Marjorie").get_by_role("button", name="Save").click()
    expect(page.locator("tr", has_text="Marjorie")).to_contain_text(pseudonym)

    # Find a phrase by search.
    page.goto("/fieldwork/search/")
    page.get_by_label("Search the fieldwork").fill('"corridor conversation"')
    page.get_by_role("button", name="Search", exact=True).click()
    hit = page.locator("mark", has_text=re.compile("corridor", re.I)).first
    expect(hit).to_be_visible()
    check_accessibility(page, "search")
    page.locator("main a", has_text="marjorie").first.click()
    expect(page).to_have_url(re.compile(r"#turn-\d+$"))


def test_unsaved_field_notes_warn_on_leaving_and_can_be_restored(page, demo):
    login(page, "researcher", demo)
    page.goto("/fieldwork/northbrook/observations/new/")
    notes = "The duty desk phone rang twice; the EP answered because nobody else was free."
    page.get_by_label("Field notes").fill(notes)
    page.get_by_label("Field notes").press("End")
    expect(page.locator("#draft-status")).to_contain_text("Draft", timeout=12_000)

    dialogs: list[str] = []

    def accept(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", accept)
    page.goto("/fieldwork/northbrook/observations/new/")
    assert "beforeunload" in dialogs, "leaving with unsaved notes gave no warning"
    restore = page.get_by_role("button", name="Restore the draft")
    expect(restore).to_be_visible()
    restore.click()
    expect(page.get_by_label("Field notes")).to_have_value(notes)
    check_accessibility(page, "observation-restore")


def test_bad_files_fail_with_a_plain_message_and_leave_no_source(page, demo, tmp_path):
    from fieldwork.models import Source

    before = Source.objects.count()
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "minutes.docx").write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")
    login(page, "researcher", demo)
    page.goto("/fieldwork/northbrook/imports/")
    files = page.get_by_label("Transcript files")
    files.set_input_files(str(tmp_path / "empty.txt"))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("main")).to_contain_text("The submitted file is empty.")
    check_accessibility(page, "imports-empty")

    page.get_by_label("Transcript files").set_input_files(str(tmp_path / "minutes.docx"))
    page.get_by_role("button", name="Import").click()
    row = page.locator("#import-table tr", has_text="minutes.docx")
    expect(row).to_contain_text(re.compile("does not match|damaged|PDF", re.I))
    check_accessibility(page, "imports-failed")
    assert Source.objects.count() == before
