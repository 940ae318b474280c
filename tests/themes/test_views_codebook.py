from __future__ import annotations

from django.urls import reverse

from themes.models import Coding

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
