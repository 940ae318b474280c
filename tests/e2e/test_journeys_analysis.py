"""The analysis area in real Chromium: a facilitator builds a present-layer model with two
entries, sees the triangle drawn and its table, records a secondary contradiction between
the two elements and adds an experiment; axe-core on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sites.models import Role
from tests.e2e.conftest import check_accessibility, login
from tests.factories import PASSWORD, MembershipFactory, SiteFactory, UserFactory
from workshops.models import Contradiction, Experiment


@pytest.fixture
def facilitator_at_alpha(transactional_db):
    site = SiteFactory(code="alpha", name="Alpha Team")
    user = UserFactory(username="facilitator")
    MembershipFactory(user=user, site=site, role=Role.FACILITATOR)
    return user


def label(text: str) -> re.Pattern:
    """A field's label, with or without crispy's asterisk for required fields."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def add_entry(page, element: str, text: str) -> None:
    page.get_by_label(label("Element")).select_option(label=element)
    page.get_by_label(label("Entry")).fill(text)
    page.get_by_role("button", name="Add entry").click()
    expect(page.locator(".messages")).to_contain_text(f"{element} entry added")


def test_facilitator_models_the_activity_records_a_contradiction_and_an_experiment(
    page, facilitator_at_alpha
):
    login(page, "facilitator", PASSWORD)
    page.goto("/sites/alpha/")
    page.get_by_role("link", name="Analysis", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Activity-system analysis")
    check_accessibility(page, "analysis-index-empty")

    page.get_by_role("link", name="New model").click()
    check_accessibility(page, "analysis-model-form")
    page.get_by_label(label("Title")).fill("Referral & allocation")
    page.get_by_label(label("Time layer")).select_option(label="Present")
    page.get_by_label(label("Perspective")).fill("The multi-agency team")
    page.get_by_role("button", name="Save model").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral & allocation")

    add_entry(page, "Community", "Co-located team of five agencies")
    add_entry(page, "Division of labour", "Line management stays with each agency")
    diagram = page.get_by_role("img", name=re.compile("Activity-system triangle"))
    expect(diagram).to_be_visible()
    expect(diagram.locator("g.entry title")).to_have_text(
        ["Co-located team of five agencies", "Line management stays with each agency"]
    )
    table = page.locator("#entries-table")
    expect(table.locator("tr.slot-community")).to_contain_text("Co-located team of five agencies")
    expect(table.locator("tr.slot-division_of_labour")).to_contain_text("Line management")
    check_accessibility(page, "analysis-model-detail")

    page.get_by_role("link", name="Record a contradiction").click()
    check_accessibility(page, "analysis-contradiction-form")
    page.get_by_label(label("Level")).select_option(label="Secondary")
    page.get_by_label(label("Element")).select_option(label="Community")
    page.get_by_label(label("Second element")).select_option(label="Division of labour")
    page.get_by_label(label("Formulation")).fill("Co-location vs agency line management")
    page.get_by_role("button", name="Record contradiction").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Co-location vs agency line management"
    )
    expect(page.locator("#status-history")).to_contain_text("Hypothesised by researchers")
    check_accessibility(page, "analysis-contradiction-detail")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Analysis").click()
    page.get_by_role("link", name="Add an experiment").click()
    check_accessibility(page, "analysis-experiment-form")
    page.get_by_label(label("Title")).fill("Weekly joint allocation meeting")
    page.get_by_label(label("Owner")).fill("Team manager")
    page.get_by_label(label("Start")).fill("2006-05-01")
    page.get_by_label(label("Review date")).fill("2006-10-01")
    page.get_by_label(label("Contradictions")).select_option(
        label="Co-location vs agency line management"
    )
    page.get_by_role("button", name="Add experiment").click()
    experiments = page.locator("#experiments-table")
    expect(experiments).to_contain_text("Weekly joint allocation meeting")
    expect(experiments).to_contain_text("1 Oct 2006")
    expect(page.locator("#contradictions")).to_contain_text("Secondary")
    check_accessibility(page, "analysis-index")

    contradiction = Contradiction.objects.get()
    assert (contradiction.element_a, contradiction.element_b) == (
        "community",
        "division_of_labour",
    )
    assert list(Experiment.objects.get().contradictions.all()) == [contradiction]
