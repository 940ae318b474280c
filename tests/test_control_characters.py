"""A control character in anything posted is refused with a plain message; nothing is written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sites.models import Participant
from tests.factories import make_source_with_turns
from themes.models import Coding, Memo, Theme

pytestmark = pytest.mark.django_db


def test_a_pseudonym_with_a_control_character_gets_a_400_page_and_no_participant(
    client_for, researcher, site_a
):
    response = client_for(researcher).post(
        reverse("sites:participant-create", kwargs={"code": site_a.code}),
        {"pseudonym": "Hel\x01en"},
        HTTP_ACCEPT="text/html,application/xhtml+xml",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "“pseudonym” contains an invisible control character (U+0001)" in page
    assert "Nothing was saved" in page and "<h1>This could not be saved</h1>" in page
    assert not Participant.objects.filter(site=site_a).exists()


def test_a_new_theme_name_with_a_control_character_is_refused_as_plain_text(
    client_for, researcher, site_a
):
    source = make_source_with_turns(site=site_a, turns=[("Helen", "We sit together.", None)])
    response = client_for(researcher).post(
        reverse("themes:coding-create", kwargs={"pk": source.pk}),
        {"start": 0, "end": 6, "new_theme": "Shared\x1foffice", "memo": ""},
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "U+001F" in response.content.decode()
    assert not Theme.objects.exists() and not Coding.objects.exists()


def test_a_memo_with_a_control_character_is_refused_but_tabs_and_line_breaks_are_text(
    client_for, researcher, site_a
):
    source = make_source_with_turns(site=site_a, turns=[("Helen", "We sit together.", None)])
    url = reverse("themes:source-memo-create", kwargs={"pk": source.pk})
    client = client_for(researcher)
    assert client.post(url, {"text": "bad\x07bell"}).status_code == 400
    assert not Memo.objects.exists()
    assert client.post(url, {"text": "Line one\r\n\tLine two"}).status_code == 302
    assert Memo.objects.get().text == "Line one\r\n\tLine two"
