from __future__ import annotations

import pytest
from django.urls import reverse

from sites.models import AuditEvent
from themes.models import Coding, Memo, Theme

from .factories import CodingFactory, ThemeFactory


def test_merging_says_how_many_codings_moved_and_how_many_were_folded(
    world, client_for, lead, researcher
):
    old, into = world["rules"], ThemeFactory(name="Rules")
    source = world["source_a"]
    for start in (0, 10):
        CodingFactory(source=source, theme=into, coder=researcher, start=start, end=start + 5)
        CodingFactory(source=source, theme=old, coder=researcher, start=start, end=start + 5)
    CodingFactory(source=source, theme=old, coder=researcher, start=20, end=25)
    client = client_for(lead)
    response = client.post(
        reverse("themes:theme-merge", kwargs={"pk": old.pk}), {"into": into.pk}, follow=True
    )
    html = response.content.decode()
    assert "“Rule-bending” merged into “Rules”: 1 coding moved." in html
    assert "2 codings repeated a coding the same coder had made" in html
    assert "so they were folded into that one (memos kept)." in html
    assert Coding.objects.filter(theme=into).count() == 3
    # The margin shows the theme once per passage.
    workspace = client.get(reverse("themes:source-code", kwargs={"pk": source.pk})).content
    assert workspace.decode().count('data-coding="') == 3


def test_a_merge_without_repeats_says_nothing_about_folding(world, client_for, lead):
    CodingFactory(source=world["source_a"], theme=world["rules"], start=0, end=5)
    response = client_for(lead).post(
        reverse("themes:theme-merge", kwargs={"pk": world["rules"].pk}),
        {"into": world["colocation"].pk},
        follow=True,
    )
    html = response.content.decode()
    assert "1 coding moved." in html and "folded" not in html


# --- STYLE point 12 for the codebook's writing views --------------------------------------


def edit_data(theme, **changes):
    data = {
        "name": theme.name,
        "definition": theme.definition,
        "inclusion": "",
        "exclusion": "",
        "example": "",
        "colour": theme.colour,
        "codable": "on",
        "order": theme.order,
        "parent": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_lead_renames_a_theme_and_the_audit_says_so(world, client_for, lead):
    theme = world["rules"]
    url = reverse("themes:theme-edit", kwargs={"pk": theme.pk})
    response = client_for(lead).post(url, edit_data(theme, name="Rule bending"))
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.name == "Rule bending"
    assert AuditEvent.objects.filter(verb="theme.update", object_id=str(theme.pk)).exists()


def test_a_theme_edit_with_nonsense_is_shown_again_and_changes_nothing(world, client_for, lead):
    theme = world["rules"]
    url = reverse("themes:theme-edit", kwargs={"pk": theme.pk})
    response = client_for(lead).post(url, edit_data(theme, name="", colour="not a colour"))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    theme.refresh_from_db()
    assert theme.name == "Rule-bending"


def test_a_merge_into_nothing_is_refused_with_the_form_and_moves_nothing(world, client_for, lead):
    theme = world["rules"]
    before = Coding.objects.filter(theme=theme).count()
    url = reverse("themes:theme-merge", kwargs={"pk": theme.pk})
    response = client_for(lead).post(url, {"into": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert Theme.objects.filter(pk=theme.pk).exists()
    assert Coding.objects.filter(theme=theme).count() == before


def test_a_lead_retires_and_reinstates_a_theme(world, client_for, lead):
    theme = world["rules"]
    url = reverse("themes:theme-retire", kwargs={"pk": theme.pk})
    client = client_for(lead)
    assert client.post(url).status_code == 302
    theme.refresh_from_db()
    assert theme.retired
    client.post(url, {"retired": "0"})
    theme.refresh_from_db()
    assert not theme.retired


def test_a_researcher_writes_a_theme_memo(world, client_for, researcher):
    theme = world["rules"]
    url = reverse("themes:theme-memo-create", kwargs={"pk": theme.pk})
    response = client_for(researcher).post(url, {"text": "Workarounds cluster at intake."})
    assert response.status_code == 302
    assert Memo.objects.filter(theme=theme, author=researcher).count() == 1


def test_an_empty_theme_memo_says_why_and_saves_nothing(world, client_for, researcher):
    theme = world["rules"]
    url = reverse("themes:theme-memo-create", kwargs={"pk": theme.pk})
    response = client_for(researcher).post(url, {"text": "  "}, follow=True)
    assert Memo.objects.filter(theme=theme).count() == 0
    assert "memo" in response.content.decode().lower()


@pytest.mark.parametrize("name", ["themes:theme-retire", "themes:theme-memo-create"])
def test_post_only_codebook_views_answer_405_to_get(world, client_for, lead, name):
    url = reverse(name, kwargs={"pk": world["rules"].pk})
    assert client_for(lead).get(url).status_code == 405


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("themes:theme-edit", {"name": "Renamed"}),
        ("themes:theme-merge", {"into": "other"}),
        ("themes:theme-retire", {}),
    ],
)
def test_only_project_leads_change_the_codebook(
    world, client_for, researcher, facilitator, viewer, name, data
):
    theme = world["rules"]
    if data.get("into"):
        data = {"into": world["colocation"].pk}
    url = reverse(name, kwargs={"pk": theme.pk})
    events = AuditEvent.objects.count()
    for user in (researcher, facilitator, viewer):
        assert client_for(user).post(url, data).status_code == 403
    theme.refresh_from_db()
    assert theme.name == "Rule-bending" and not theme.retired
    assert AuditEvent.objects.count() == events


def test_a_viewer_may_not_write_a_theme_memo(world, client_for, viewer):
    url = reverse("themes:theme-memo-create", kwargs={"pk": world["rules"].pk})
    assert client_for(viewer).post(url, {"text": "No."}).status_code == 403
    assert not Memo.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["themes:theme-edit", "themes:theme-merge", "themes:theme-retire", "themes:theme-memo-create"],
)
def test_anonymous_users_are_sent_to_log_in(world, client, name):
    response = client.post(reverse(name, kwargs={"pk": world["rules"].pk}))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_theme_that_does_not_exist_answers_404(world, client_for, lead):
    assert (
        client_for(lead).get(reverse("themes:theme-edit", kwargs={"pk": 99999})).status_code == 404
    )
