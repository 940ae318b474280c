"""Coding and the dashboard in real Chromium: a researcher codes a passage after an emoji
with the mouse and finds it coded at the same characters after reload; a lead filters the
dashboard by phase, opens a cell and reads the excerpt; axe-core on every page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from sites.models import Participant, Site
from tests.e2e.conftest import check_accessibility, login
from tests.factories import give_full_consent, make_source_with_turns
from themes.models import Coding

TURN = "We moved in together 🙂 and now 𝒞o-location means corridor chats replace referral forms."
PHRASE = "corridor chats"


PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}


def phrase_box(page, phrase: str, *, scroll: bool = True) -> dict:
    """Where `phrase` is on the page: the middle of its first and last characters' lines."""
    box = page.evaluate(
        """([phrase, scroll]) => {
            for (const el of document.querySelectorAll('#coding-workspace .turn-text')) {
              const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
              let node;
              while ((node = walker.nextNode())) {
                const at = node.data.indexOf(phrase);
                if (at < 0) continue;
                const where = {block: 'center', behavior: 'instant'};
                if (scroll) node.parentElement.scrollIntoView(where);
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + phrase.length);
                const rects = range.getClientRects();
                const first = rects[0], last = rects[rects.length - 1];
                return {x1: first.left + 1, y1: first.top + first.height / 2,
                        x2: last.right - 1, y2: last.top + last.height / 2};
              }
            }
            return null;
        }""",
        [phrase, scroll],
    )
    assert box, f"{phrase!r} is not on the page"
    return box


def drag_select(page, phrase: str, to_phrase: str | None = None) -> None:
    """Select `phrase` with a real mouse drag: press just inside its first character and
    release just inside its last one (or the last one of `to_phrase`, further on)."""
    box = phrase_box(page, phrase)
    if to_phrase:
        end = phrase_box(page, to_phrase, scroll=False)
        box = {**box, "x2": end["x2"], "y2": end["y2"]}
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, box["y2"], steps=5)
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()


def test_researcher_codes_text_after_an_emoji_and_it_stays_on_the_same_words(page, demo):
    site = Site.objects.get(code="northbrook")
    speaker = give_full_consent(
        Participant.objects.filter(site=site).exclude(consent_records__decision="withdrawn")[0]
    )
    source = make_source_with_turns(
        site=site,
        turns=[
            ("Interviewer", "Tell me about the move.", None),
            (speaker.pseudonym, TURN, speaker),
        ],
        title="Emoji interview",
    )
    login(page, "researcher", demo)
    page.goto(f"/themes/sources/{source.pk}/code/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Emoji interview")
    check_accessibility(page, "coding")
    # The page's own conversion from the browser's UTF-16 to code points, as Python counts.
    samples = ["plain", "🙂", "𝒞o-location", "e\u0301", "👩\u200d👧", "£5 — café"]
    counted = page.evaluate(
        "(samples) => samples.map((s) => window.codingWorkspace.codePointLength(s))", samples
    )
    assert counted == [len(sample) for sample in samples]

    drag_select(page, PHRASE)
    dialog = page.locator("#theme-picker")
    expect(dialog).to_be_visible()
    check_accessibility(page, "theme-picker")
    dialog.get_by_label("Theme", exact=True).fill("Co-location")
    dialog.get_by_label("Theme", exact=True).press("Enter")
    expect(page.locator("#coding-status")).to_contain_text("Coded with")

    coding = Coding.objects.get(source=source)
    expected_start = source.text.index(PHRASE)  # Python str indices are code points
    assert (coding.start, coding.end) == (expected_start, expected_start + len(PHRASE))
    assert coding.theme.name.startswith("Co-location")

    page.reload()
    coded = page.locator("#coding-workspace .coded")
    expect(coded.first).to_be_visible()
    assert PHRASE in " ".join(coded.all_inner_texts())
    assert "🙂" not in "".join(coded.all_inner_texts())
    check_accessibility(page, "coding-after-reload")

    coded.first.click()
    expect(page.locator("#coding-panel-body")).to_contain_text("Co-location")
    expect(page.locator("#coding-panel-body")).to_contain_text(re.compile("researcher", re.I))
    # The coding's date, in the reader's time zone, as a date rather than a raw timestamp.
    today = coding.created_at.astimezone().strftime("%Y")
    expect(page.locator("#coding-panel-body")).to_contain_text(
        re.compile(rf"Coded by .+, \d{{1,2}} [A-Z][a-z]{{2,3}} {today}, \d\d:\d\d")
    )
    # The panel quotes the coded words, takes a memo, and removes the coding.
    panel = page.locator("#coding-panel-body")
    expect(panel).to_contain_text(PHRASE)
    panel.get_by_label("Memo").fill("Names the move as a turning point.")
    panel.get_by_role("button", name="Save memo").click()
    expect(page.locator("#coding-status")).to_contain_text("Memo saved.")
    coding.refresh_from_db()
    assert coding.memo == "Names the move as a turning point."
    expect(panel.get_by_label("Memo")).to_have_value("Names the move as a turning point.")
    page.once("dialog", lambda d: d.accept())
    panel.get_by_role("button", name="Remove coding").click()
    expect(page.locator("#coding-status")).to_contain_text("removed")
    expect(page.locator("#coding-workspace .coded")).to_have_count(0)
    assert not Coding.objects.filter(source=source).exists()


def test_lead_filters_the_dashboard_by_phase_and_reads_an_excerpt(page, demo):
    login(page, "lead", demo)
    page.goto("/themes/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, "dashboard")
    # Each filter is a labelled group of checkboxes with a search box that narrows it.
    phases = page.get_by_role("group", name="Phases")
    search = phases.get_by_role("searchbox", name="Search phases")
    search.fill("ethno")
    options = phases.get_by_role("checkbox")
    expect(options.filter(visible=True)).to_have_count(1)
    # Keyboard only: Tab from the search box to the one choice shown, Space ticks it.
    search.press("Tab")
    page.keyboard.press("Space")
    expect(
        phases.get_by_role("checkbox", name=re.compile("Ethnographic fieldwork"))
    ).to_be_checked()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"phase"))
    matrix = page.locator("#theme-site-matrix")
    expect(matrix).to_be_visible()
    check_accessibility(page, "dashboard-filtered")
    cell = matrix.locator("tbody td a").filter(has_text=re.compile(r"^[1-9]\d*$")).first
    label = cell.get_attribute("aria-label")
    cell.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    quotes = page.locator("blockquote")
    expect(quotes.first).to_be_visible()
    assert quotes.first.inner_text().strip(), f"empty excerpt behind {label}"
    check_accessibility(page, "theme-excerpts")


def test_codebook_memos_and_agreement_pages_are_accessible(page, demo):
    login(page, "lead", demo)
    for url in (
        "/themes/codebook/",
        "/themes/agreement/",
        "/themes/sites/northbrook/memos/",
        "/fieldwork/",
        "/fieldwork/search/?q=referral",
    ):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_accessibility(page, url.strip("/").replace("/", "-"))
    page.goto("/themes/agreement/")
    first = page.locator("main a[href*='/themes/agreement/']").first
    if first.count():
        first.click()
        expect(page.locator("main")).to_contain_text(re.compile("kappa|alpha", re.I))
        check_accessibility(page, "agreement-detail")


def interview(site_code: str = "northbrook", title: str = "Two-turn interview"):
    """An interview whose interviewee's label ("Interviewee") is mapped to a participant."""
    site = Site.objects.get(code=site_code)
    speaker = give_full_consent(
        Participant.objects.filter(site=site).exclude(consent_records__decision="withdrawn")[0]
    )
    source = make_source_with_turns(
        site=site,
        turns=[
            ("Interviewer", "How did the team change after the move?", None),
            ("Interviewee", TURN, speaker),
        ],
        title=title,
    )
    return source, speaker


def test_a_selection_across_two_turns_is_coded_as_one_passage(page, demo):
    source, _speaker = interview()
    login(page, "researcher", demo)
    page.goto(f"/themes/sources/{source.pk}/code/")
    drag_select(page, "the team change", "We moved in")
    dialog = page.locator("#theme-picker")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Theme", exact=True).fill("Co-location")
    dialog.get_by_label("Theme", exact=True).press("Enter")
    expect(page.locator("#coding-status")).to_contain_text("Coded with")
    coding = Coding.objects.get(source=source)
    assert source.text[coding.start : coding.end].startswith("the team change")
    assert source.text[coding.start : coding.end].endswith("We moved in")
    # Both turns show the coding.
    expect(page.locator("#turn-0 .coded")).to_have_count(1)
    expect(page.locator("#turn-1 .coded").first).to_be_visible()


def test_a_selection_of_speaker_names_only_says_why_it_cannot_be_coded(page, demo):
    source, _speaker = interview()
    login(page, "researcher", demo)
    page.goto(f"/themes/sources/{source.pk}/code/")
    speaker = page.locator("#turn-0-speaker")
    box = speaker.bounding_box()
    page.mouse.move(box["x"] + 1, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 1, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    notice = page.locator("#coding-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Only the words of the turns can be coded")
    expect(page.locator("#theme-picker")).not_to_be_visible()
    assert not Coding.objects.filter(source=source).exists()
    check_accessibility(page, "coding-notice")


def no_horizontal_overflow(page, width: int) -> None:
    """The page itself never scrolls sideways; a wide table scrolls in its own box, which
    takes the keyboard focus."""
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    for box in page.locator(".matrix-scroll").all():
        assert box.get_attribute("tabindex") == "0"
        assert box.evaluate("e => e.getBoundingClientRect().right") <= width


def test_the_dashboard_fits_a_phone_and_a_tablet(page, demo):
    login(page, "lead", demo)
    for size in (PHONE, TABLET):
        page.set_viewport_size(size)
        page.goto("/themes/dashboard/")
        expect(page.locator("#cooccurrence-matrix")).to_be_visible()
        no_horizontal_overflow(page, size["width"])
        # The matrix is wider than a phone: it scrolls inside its own box.
        if size is PHONE:
            scroller = page.locator(".matrix-scroll").first
            assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")
        check_accessibility(page, f"dashboard-{size['width']}")


def test_the_coding_page_gives_the_text_most_of_a_phone_and_names_the_pseudonym(page, demo):
    source, speaker = interview()
    login(page, "researcher", demo)
    for size in (PHONE, TABLET):
        page.set_viewport_size(size)
        page.goto(f"/themes/sources/{source.pk}/code/")
        no_horizontal_overflow(page, size["width"])
        text_width = page.locator("#turn-1 .turn-text").evaluate(
            "e => e.getBoundingClientRect().width"
        )
        assert text_width >= 0.6 * size["width"], f"text column {text_width}px of {size}"
        if size is PHONE:
            assert text_width >= 0.85 * size["width"]
        check_accessibility(page, f"coding-{size['width']}")
    # The mapped speaker is named by the pseudonym, never the transcript's label.
    expect(page.locator("#turn-1-speaker")).to_contain_text(speaker.pseudonym)
    expect(page.locator("#turn-1-speaker")).not_to_contain_text("Interviewee")


def test_a_cooccurrence_cell_opens_the_overlapping_passages(page, demo):
    login(page, "lead", demo)
    page.goto("/themes/dashboard/")
    matrix = page.locator("#cooccurrence-matrix")
    expect(matrix).to_be_visible()
    assert matrix.locator("td.shade-0 a").count() == 0, "a zero cell is a link"
    cell = matrix.locator("tbody td a").first
    label = cell.get_attribute("aria-label")
    cell.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("overlap")
    quotes = page.locator("blockquote")
    expect(quotes.first).to_be_visible()
    assert page.locator("li.excerpt").count() >= 2, f"fewer than a pair behind {label}"
    check_accessibility(page, "cooccurrence-passages")
