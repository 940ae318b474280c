"""The audit record tells codebook changes and codings in words (themes.audit)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fieldwork import services as fieldwork_services
from themes import services
from themes.audit import WITHHELD

from .conftest import withdraw

pytestmark = pytest.mark.django_db

PROJECT = reverse("project-audit")


def listed(response) -> str:
    body = response.content.decode()
    return body.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in body else ""


def code(world, who, words, theme="colocation"):
    source = world["source_a"]
    start = source.text.index(words)
    return services.coding_create(
        source=source, theme=world[theme], coder=who, start=start, end=start + len(words)
    )


def test_codebook_changes_appear_on_the_project_page_in_words(world, client_for, lead):
    rules, colocation = world["rules"], world["colocation"]
    services.theme_update(theme=rules, actor=lead, name="Bending the rules")
    services.theme_update(theme=rules, actor=lead, parent=colocation)
    services.theme_retire(theme=rules, actor=lead)
    spare = services.theme_create(actor=lead, name="Spare theme")
    services.theme_merge(theme=spare, into=colocation, actor=lead)
    body = listed(client_for(lead).get(PROJECT))
    for words in ("edited theme", "moved theme", "retired theme", "merged a theme into"):
        assert words in body
    assert 'audit-before">Rule-bending</span>' in body
    assert 'audit-after">Bending the rules</span>' in body
    assert f'href="{colocation.get_absolute_url()}"' in body
    assert "Merged:</span> Spare theme" in body
    # ...and on no site's page.
    site_page = listed(client_for(lead).get(reverse("sites:audit-list", args=["alpha"])))
    assert "Bending the rules" not in site_page


def test_coding_ranges_are_shown_as_turn_speaker_and_quoted_words(
    world, client_for, lead, researcher
):
    coding = code(world, researcher, "We sit together in the same office now.")
    body = listed(client_for(lead).get(PROJECT, {"verb": "coding.create"}))
    assert "turn 1, Helen: “We sit together in the same office now.”" in body
    assert f"[{coding.start}, {coding.end})" not in body
    assert reverse("themes:source-code", args=[world["source_a"].pk]) in body


def test_long_quotes_are_cut_short(world, client_for, lead, researcher):
    source = world["source_a"]
    services.coding_create(
        source=source, theme=world["rules"], coder=researcher, start=0, end=len(source.text)
    )
    body = listed(client_for(lead).get(PROJECT, {"verb": "coding.create"}))
    assert "turn 1, Helen: “We sit together in the same office now. Strictly we" in body
    assert "matters to us" not in body and "…”" in body


def test_a_withdrawn_participants_words_are_not_quoted_in_the_audit(
    world, client_for, lead, researcher
):
    code(world, researcher, "I rang the school nurse", theme="rules")
    withdraw(world["wendy"])
    body = listed(client_for(lead).get(PROJECT, {"verb": "coding.create"}))
    assert f"turn 2, Wendy: {WITHHELD}" in body
    assert "school nurse" not in body


def test_a_deleted_coding_is_quoted_until_its_source_text_changes(
    world, client_for, lead, researcher
):
    coding = code(world, researcher, "the child's trajectory")
    services.coding_delete(coding=coding, actor=researcher)
    client = client_for(lead)
    body = listed(client.get(PROJECT, {"verb": "coding.delete"}))
    assert "turn 3, Helen: “the child&#x27;s trajectory”" in body
    source = world["source_a"]
    fieldwork_services.source_update_text(
        source=source, text="New words. " + source.text, actor=researcher
    )
    body = listed(client.get(PROJECT, {"verb": "coding.delete"}))
    assert "the child&#x27;s trajectory" not in body
    assert "of the text as it was then" in body


def test_erasure_is_in_the_audit_without_the_words(world, client_for, site_lead, researcher):
    from themes.erasure import participant_erase

    code(world, researcher, "I rang the school nurse", theme="rules")
    withdraw(world["wendy"])
    participant_erase(participant=world["wendy"], actor=site_lead)
    body = listed(client_for(site_lead).get(reverse("sites:audit-list", args=["alpha"])))
    assert "erased the words of participant" in body
    assert "Turns erased:</span> 1" in body and "Codings deleted:</span> 1" in body
    assert "school nurse" not in body and "Strictly" not in body
