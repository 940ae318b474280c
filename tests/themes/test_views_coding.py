from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_source_with_turns
from themes.models import AgreementExercise, Coding, Memo, Theme

from .factories import CodingFactory


def create_url(source):
    return reverse("themes:coding-create", kwargs={"pk": source.pk})


def test_workspace_shows_turns_with_code_point_offsets_and_the_picker(
    world, client_for, researcher
):
    source = world["source_a"]
    CodingFactory(source=source, theme=world["rules"], start=0, end=6, coder=researcher)
    response = client_for(researcher).get(reverse("themes:source-code", kwargs={"pk": source.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    turn = source.segments.get(order=1)
    assert f'id="turn-1" data-start="{turn.start}" data-end="{turn.end}"' in html
    assert (
        'id="theme-picker"' in html and '<label class="form-label" for="theme-filter">Theme' in html
    )
    assert 'class="coded depth-1"' in html
    assert "Rule-bending" in html  # the stripe carries the theme's name, not colour alone


def test_researcher_codes_a_selection_and_gets_the_new_stripes(world, client_for, researcher):
    source = world["source_a"]
    response = client_for(researcher).post(
        create_url(source),
        {"start": 0, "end": 6, "theme": world["colocation"].pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    payload = response.json()
    assert payload["coding"]["quote"] == "We sit"
    assert 'data-codings="' in payload["html"]
    coding = Coding.objects.get()
    assert (coding.start, coding.end, coding.coder) == (0, 6, researcher)


def test_offsets_after_an_astral_character_are_code_points(site_a, client_for, researcher, world):
    # "🧒" is one code point but two UTF-16 units: the browser converts, the server stores
    # code points, and the quote must be exactly the words after the emoji.
    source = make_source_with_turns(
        site=site_a, turns=[("Helen", "The 🧒 child's trajectory matters.", world["helen"])]
    )
    start = source.text.index("child")
    assert start == 6  # 'The ' (4) + emoji (1) + ' ' (1)
    response = client_for(researcher).post(
        create_url(source), {"start": start, "end": start + 5, "theme": world["rules"].pk}
    )
    assert response.status_code == 201
    assert response.json()["coding"]["quote"] == "child"
    html = response.json()["html"]
    # The rendered turn holds exactly the text, split at code-point boundaries.
    text_html = re.search(r'<div class="turn-text">(.*?)</div>', html).group(1)
    assert re.sub(r"<[^>]+>", "", text_html).replace("&#x27;", "'") == source.text


def test_a_new_theme_can_be_added_while_coding(world, client_for, researcher):
    response = client_for(researcher).post(
        create_url(world["source_a"]), {"start": 0, "end": 6, "new_theme": "Shared office"}
    )
    assert response.status_code == 201
    assert Theme.objects.get(name="Shared office").codings.count() == 1


def test_invalid_offsets_get_400_with_a_plain_message_and_no_writes(world, client_for, researcher):
    client = client_for(researcher)
    source = world["source_a"]
    for data in (
        {"start": 5, "end": 5, "theme": world["rules"].pk},
        {"start": 0, "end": len(source.text) + 1, "theme": world["rules"].pk},
        {"start": "x", "end": 4, "theme": world["rules"].pk},
        {"start": 0, "end": 4},
    ):
        response = client.post(create_url(source), data)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/plain")
        assert response.content
    assert not Coding.objects.exists()


def test_get_on_post_only_coding_urls_is_405(world, client_for, researcher):
    coding = CodingFactory(source=world["source_a"], theme=world["rules"])
    client = client_for(researcher)
    assert client.get(create_url(world["source_a"])).status_code == 405
    assert client.get(reverse("themes:coding-delete", kwargs={"pk": coding.pk})).status_code == 405
    assert client.get(reverse("themes:coding-memo", kwargs={"pk": coding.pk})).status_code == 405


def test_anonymous_is_sent_to_login(world, client):
    response = client.post(create_url(world["source_a"]), {"start": 0, "end": 3})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_outsider_gets_404_for_another_sites_source_and_coding(world, client_for, outsider):
    coding = CodingFactory(source=world["source_a"], theme=world["rules"])
    client = client_for(outsider)
    assert (
        client.get(reverse("themes:source-code", kwargs={"pk": coding.source_id})).status_code
        == 404
    )
    assert client.post(create_url(world["source_a"]), {"start": 0, "end": 3}).status_code == 404
    assert client.post(reverse("themes:coding-delete", kwargs={"pk": coding.pk})).status_code == 404
    assert Coding.objects.count() == 1


@pytest.mark.parametrize("persona", ["viewer", "facilitator"])
def test_read_only_roles_get_403_on_coding(world, client_for, persona, request):
    user = request.getfixturevalue(persona)
    coding = CodingFactory(source=world["source_a"], theme=world["rules"])
    client = client_for(user)
    assert (
        client.get(reverse("themes:source-code", kwargs={"pk": coding.source_id})).status_code
        == 200
    )
    data = {"start": 0, "end": 3, "theme": world["rules"].pk}
    assert client.post(create_url(world["source_a"]), data).status_code == 403
    assert client.post(reverse("themes:coding-delete", kwargs={"pk": coding.pk})).status_code == 403
    assert Coding.objects.count() == 1


def test_remove_and_memo_a_coding_without_reload(world, client_for, researcher):
    coding = CodingFactory(source=world["source_a"], theme=world["rules"])
    client = client_for(researcher)
    response = client.post(
        reverse("themes:coding-memo", kwargs={"pk": coding.pk}),
        {"memo": "Clear case", "version": coding.updated_at.isoformat()},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert response.json()["coding"]["memo"] == "Clear case"
    stale = client.post(
        reverse("themes:coding-memo", kwargs={"pk": coding.pk}),
        {"memo": "Overwrite", "version": coding.updated_at.isoformat()},
        HTTP_ACCEPT="application/json",
    )
    assert stale.status_code == 409
    response = client.post(
        reverse("themes:coding-delete", kwargs={"pk": coding.pk}), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert "html" in response.json()
    assert not Coding.objects.exists()


def test_two_coders_never_lose_each_others_work(world, client_for, researcher, lead):
    a, b = client_for(researcher), client_for(lead)
    a.post(create_url(world["source_a"]), {"start": 0, "end": 6, "theme": world["rules"].pk})
    response = b.post(
        create_url(world["source_a"]), {"start": 3, "end": 9, "theme": world["colocation"].pk}
    )
    assert Coding.objects.count() == 2
    # The second coder's response shows both codings, overlapping.
    assert "depth-2" in response.json()["html"]


def test_blind_mode_hides_other_coders_codings(world, client_for, researcher, lead):
    source = world["source_a"]
    exercise = AgreementExercise.objects.create(site=source.site, name="Double")
    exercise.sources.add(source)
    exercise.coders.add(researcher, lead)
    CodingFactory(source=source, theme=world["rules"], coder=lead, start=0, end=5)
    url = reverse("themes:source-code", kwargs={"pk": source.pk})
    html = client_for(researcher).get(url).content.decode()
    assert "Blind coding" in html and 'class="coded' not in html
    # Nor does the panel hand out the lead's coding when asked for it by id.
    lead_coding = Coding.objects.get(coder=lead)
    panel_url = reverse("themes:source-codings", kwargs={"pk": source.pk})
    data = client_for(researcher).get(panel_url, {"ids": str(lead_coding.pk)}).json()
    assert data == {"codings": {}}
    exercise.closed = True
    exercise.save()
    html = client_for(researcher).get(url).content.decode()
    assert "Blind coding" not in html and 'class="coded' in html


def test_source_memo_and_site_memo_list(world, client_for, researcher, viewer, outsider):
    source = world["source_a"]
    url = reverse("themes:source-memo-create", kwargs={"pk": source.pk})
    assert client_for(viewer).post(url, {"text": "no"}).status_code == 403
    response = client_for(researcher).post(url, {"text": "Rich interview."})
    assert response.status_code == 302
    assert Memo.objects.get().text == "Rich interview."
    client_for(researcher).post(url, {"text": ""})
    assert Memo.objects.count() == 1
    memos_url = reverse("themes:site-memos", kwargs={"code": source.site.code})
    assert "Rich interview." in client_for(researcher).get(memos_url).content.decode()
    assert client_for(outsider).get(memos_url).status_code == 404


def test_source_view_query_count_is_constant(
    world, client_for, researcher, django_assert_max_num_queries
):
    source = world["source_a"]
    client = client_for(researcher)
    url = reverse("themes:source-code", kwargs={"pk": source.pk})
    CodingFactory(source=source, theme=world["rules"], coder=researcher)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(40):
        CodingFactory(source=source, theme=world["colocation"], start=i % 30, end=i % 30 + 8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_adding_a_coding_returns_only_the_turns_it_overlaps(world, client_for, researcher):
    source = world["source_a"]
    turn = source.segments.get(order=1)
    response = client_for(researcher).post(
        create_url(source),
        {"start": turn.start + 2, "end": turn.end - 2, "theme": world["rules"].pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    payload = response.json()
    html = payload["html"]
    assert re.findall(r'<article class="turn" id="(turn-\d+)"', html) == ["turn-1"]
    assert f'data-coding="{payload["coding"]["id"]}"' in html
    assert "Rule-bending" in html


def test_adding_a_coding_in_blind_mode_returns_no_other_coders_codings(
    world, client_for, researcher, lead
):
    source = world["source_a"]
    exercise = AgreementExercise.objects.create(site=source.site, name="Double")
    exercise.sources.add(source)
    exercise.coders.add(researcher, lead)
    theirs = CodingFactory(source=source, theme=world["rules"], coder=lead, start=0, end=5)
    response = client_for(researcher).post(
        create_url(source), {"start": 2, "end": 9, "theme": world["colocation"].pk}
    )
    html = response.json()["html"]
    assert f'data-coding="{response.json()["coding"]["id"]}"' in html
    assert f'data-coding="{theirs.pk}"' not in html


def test_adding_a_coding_to_a_source_without_turns_returns_the_whole_text(
    site_a, client_for, researcher, world
):
    from fieldwork.models import Segment

    source = make_source_with_turns(site=site_a, turns=[("", "Field notes without turns.", None)])
    Segment.objects.filter(source=source).delete()
    response = client_for(researcher).post(
        create_url(source), {"start": 0, "end": 5, "theme": world["rules"].pk}
    )
    assert response.status_code == 201
    html = response.json()["html"]
    text_html = re.search(r'<div class="turn-text">(.*?)</div>', html).group(1)
    assert re.sub(r"<[^>]+>", "", text_html) == source.text


def test_panel_loads_the_clicked_codings_of_this_source_only(world, client_for, researcher):
    source = world["source_a"]
    mine = CodingFactory(
        source=source, theme=world["rules"], coder=researcher, start=0, end=5, memo="Key moment"
    )
    elsewhere = CodingFactory(theme=world["rules"], coder=researcher, start=0, end=5)
    url = reverse("themes:source-codings", kwargs={"pk": source.pk})
    response = client_for(researcher).get(url, {"ids": f"{mine.pk},{elsewhere.pk}"})
    assert response.status_code == 200
    payload = response.json()["codings"]
    assert list(payload) == [str(mine.pk)]  # a coding of another source is not this page's
    shown = payload[str(mine.pk)]
    assert shown["theme"] == world["rules"].name
    assert shown["memo"] == "Key moment"
    assert shown["quote"] == source.text[0:5]
    assert shown["created"].startswith(str(mine.created_at.year))  # ISO 8601, shown locally


def test_panel_explains_a_malformed_request(world, client_for, researcher):
    url = reverse("themes:source-codings", kwargs={"pk": world["source_a"].pk})
    client = client_for(researcher)
    response = client.get(url, {"ids": "1,two"})
    assert response.status_code == 400
    assert "numbers separated by commas" in response.content.decode()
    response = client.get(url, {"ids": ",".join(str(n) for n in range(1, 300))})
    assert response.status_code == 400
    assert "at most 200" in response.content.decode()
    assert client.get(url).json() == {"codings": {}}


def test_panel_query_count_does_not_grow_with_codings(world, client_for, researcher):
    source = world["source_a"]
    url = reverse("themes:source-codings", kwargs={"pk": source.pk})
    client = client_for(researcher)
    few = [
        CodingFactory(source=source, theme=world["rules"], coder=researcher, start=0, end=3)
        for _ in range(2)
    ]
    with CaptureQueriesContext(connection) as small:
        client.get(url, {"ids": ",".join(str(c.pk) for c in few)})
    many = few + [
        CodingFactory(source=source, theme=world["colocation"], coder=researcher, start=1, end=4)
        for _ in range(40)
    ]
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, {"ids": ",".join(str(c.pk) for c in many)})
    assert len(response.json()["codings"]) == 42
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_new_theme_name_that_exists_in_another_case_codes_with_that_theme(
    world, client_for, researcher
):
    response = client_for(researcher).post(
        create_url(world["source_a"]), {"start": 0, "end": 6, "new_theme": "  rule-BENDING "}
    )
    assert response.status_code == 201
    assert response.json()["theme"]["id"] == world["rules"].pk
    assert Theme.objects.filter(name__iexact="rule-bending").count() == 1


def test_a_memo_over_the_limit_on_a_new_coding_is_refused_and_nothing_is_saved(
    world, client_for, researcher
):
    from themes.services import MEMO_MAX_LENGTH

    response = client_for(researcher).post(
        create_url(world["source_a"]),
        {"start": 0, "end": 6, "new_theme": "Brand new", "memo": "x" * (MEMO_MAX_LENGTH + 1)},
    )
    assert response.status_code == 400
    assert f"at most {MEMO_MAX_LENGTH:,} characters" in response.content.decode()
    assert not Coding.objects.exists() and not Theme.objects.filter(name="Brand new").exists()


def test_a_too_long_source_memo_says_so_instead_of_asking_for_something(
    world, client_for, researcher
):
    from themes.services import MEMO_MAX_LENGTH

    url = reverse("themes:source-memo-create", kwargs={"pk": world["source_a"].pk})
    response = client_for(researcher).post(url, {"text": "x" * (MEMO_MAX_LENGTH + 1)}, follow=True)
    page = response.content.decode()
    assert f"at most {MEMO_MAX_LENGTH:,} characters" in page
    assert "Write something" not in page
    assert not Memo.objects.exists()


def test_the_coding_panel_json_and_new_codings_are_not_cached(world, client_for, researcher):
    client = client_for(researcher)
    source = world["source_a"]
    created = client.post(create_url(source), {"start": 0, "end": 6, "theme": world["rules"].pk})
    panel = client.get(
        reverse("themes:source-codings", kwargs={"pk": source.pk}),
        {"ids": str(created.json()["coding"]["id"])},
    )
    for response in (created, panel):
        assert "no-store" in response["Cache-Control"]
