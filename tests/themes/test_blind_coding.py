"""Blind coding is blind everywhere: while an agreement exercise is open, a coder in it sees
none of another coder's codings (or source memos) on the exercise's sources, in any output,
and cannot read or change them through any endpoint (404: for them they do not exist).
The agreement page is the only place that compares."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sites.models import AuditEvent
from themes.models import AgreementExercise, Coding, Memo
from themes.selectors import ExcerptFilters, codebook_tree, dashboard_data

from .factories import CodingFactory, MemoFactory
from .test_outputs import code, csv_rows, docx_text, export, retrieval, xlsx_rows

LEADS_QUOTE = "Strictly we shouldn"


@pytest.fixture
def blind(world, researcher, lead):
    """An open blind exercise on the Alpha interview, coded by `researcher` and `lead`. The
    lead has coded Wendy's words (Rule-bending, with a memo) and written a source memo; the
    researcher has coded Helen's words with the other theme, overlapping nothing of the
    lead's but one passage (for co-occurrence)."""
    source = world["source_a"]
    exercise = AgreementExercise.objects.create(site=source.site, name="Double", blind=True)
    exercise.sources.add(source)
    exercise.coders.add(researcher, lead)
    theirs = code(source, world["rules"], lead, "Strictly we shouldn't")
    theirs.memo = "The lead's reading of this turn."
    theirs.save()
    overlap = code(source, world["rules"], lead, "same office")
    mine = code(source, world["colocation"], researcher, "same office")
    memo = MemoFactory(source=source, author=lead, text="The lead's memo on the interview.")
    return {
        "exercise": exercise,
        "theirs": theirs,
        "overlap": overlap,
        "mine": mine,
        "memo": memo,
    }


# --- reads ------------------------------------------------------------------------------


def test_the_theme_page_hides_the_other_coders_excerpts(world, blind, client_for, researcher):
    html = retrieval(client_for(researcher), world["rules"]).content.decode()
    assert "Strictly" not in html and "coded by lead" not in html
    html = retrieval(client_for(researcher), world["colocation"]).content.decode()
    assert "same office" in html and "coded by researcher" in html
    assert "Blind coding: while your agreement exercise <a" in html
    assert ">Double</a> is open, only your own codings of its sources are listed" in html


def test_excerpt_search_hides_the_other_coders_excerpts(world, blind, client_for, researcher):
    html = retrieval(client_for(researcher), world["rules"], q="Strictly").content.decode()
    assert "coded by lead" not in html and "No coded excerpts match" in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx"])
def test_exports_leave_out_the_other_coders_excerpts(world, blind, client_for, researcher, fmt):
    client = client_for(researcher)
    content = {
        "csv": lambda r: repr(csv_rows(r)),
        "xlsx": lambda r: repr(xlsx_rows(r)),
        "docx": docx_text,
    }
    rules = content[fmt](export(client, world["rules"], fmt))
    assert "Strictly" not in rules and "lead's reading" not in rules
    colocation = content[fmt](export(client, world["colocation"], fmt))
    assert "same office" in colocation and "lead" not in colocation


def test_the_dashboard_counts_only_the_coders_own_codings_on_blind_sources(
    world, blind, researcher, lead
):
    def rules_at_alpha(user, **filters):
        data = dashboard_data(user=user, filters=ExcerptFilters(**filters))
        a = [s.name for s in data.sites].index("Alpha Team")
        return {r.node.theme.name: r.cells[a] for r in data.rows}["Rule-bending"]

    assert rules_at_alpha(researcher) == 0
    assert rules_at_alpha(researcher, coders=[lead.pk]) == 0
    # The lead codes in the exercise too, so the same rule hides the researcher's from them.
    colocation = dashboard_data(user=lead, filters=ExcerptFilters())
    assert {r.node.theme.name: r.total for r in colocation.rows}["Co-location and co-working"] == 0
    assert rules_at_alpha(lead) == 2


def test_the_codebook_counts_leave_out_the_other_coders_codings(world, blind, researcher):
    counts = {n.theme.name: n.count for n in codebook_tree(user=researcher)}
    assert counts["Rule-bending"] == 0 and counts["Co-location and co-working"] == 1


def test_cooccurrence_ignores_the_other_coders_codings(world, blind, client_for, researcher):
    url = reverse("themes:dashboard-cooccurrence")
    html = client_for(researcher).get(url).content.decode()
    assert "Rule-bending" not in html
    blind["exercise"].closed = True
    blind["exercise"].save()
    html = client_for(researcher).get(url).content.decode()
    assert 'aria-label="1 pair: Co-location and co-working with Rule-bending">1</a>' in html


def test_the_dashboards_coders_filter_lists_only_coders_the_user_may_see(
    world, blind, client_for, researcher, outsider, lead
):
    from themes.selectors import coder_choices

    # The outsider codes only at site B, which the researcher cannot see.
    code(world["source_b"], world["rules"], outsider, "referral form")
    html = client_for(researcher).get(reverse("themes:dashboard")).content.decode()
    assert f'name="coder" value="{researcher.pk}"' in html
    assert f'name="coder" value="{outsider.pk}"' not in html
    assert f'name="coder" value="{lead.pk}"' not in html
    assert [name for _, name in coder_choices(user=lead)] == ["lead", "outsider"]
    blind["exercise"].closed = True
    blind["exercise"].save()
    assert [name for _, name in coder_choices(user=researcher)] == ["lead", "researcher"]


def test_a_hidden_coder_cannot_be_asked_for_through_the_filter(
    world, blind, client_for, researcher, lead
):
    html = retrieval(client_for(researcher), world["rules"], coder=str(lead.pk)).content.decode()
    assert "Strictly" not in html


def test_the_site_memos_page_hides_the_other_coders_memos(world, blind, client_for, researcher):
    mine = blind["mine"]
    mine.memo = "My own reading."
    mine.save()
    url = reverse("themes:site-memos", kwargs={"code": world["source_a"].site.code})
    html = client_for(researcher).get(url).content.decode()
    assert "My own reading." in html
    assert "lead&#x27;s reading" not in html and "lead&#x27;s memo" not in html


def test_the_workspace_and_its_panel_hide_the_other_coders_work(
    world, blind, client_for, researcher
):
    source = world["source_a"]
    client = client_for(researcher)
    html = client.get(reverse("themes:source-code", kwargs={"pk": source.pk})).content.decode()
    assert f'data-coding="{blind["mine"].pk}"' in html
    assert f'data-coding="{blind["theirs"].pk}"' not in html
    assert "lead&#x27;s memo" not in html
    ids = f"{blind['theirs'].pk},{blind['overlap'].pk},{blind['mine'].pk}"
    panel = client.get(reverse("themes:source-codings", kwargs={"pk": source.pk}), {"ids": ids})
    assert list(panel.json()["codings"]) == [str(blind["mine"].pk)]


def test_the_lead_who_started_the_exercise_without_coding_in_it_sees_everything(
    world, blind, client_for, researcher, lead, site_lead
):
    exercise = blind["exercise"]
    exercise.coders.remove(lead)
    exercise.coders.add(site_lead)
    html = retrieval(client_for(lead), world["rules"]).content.decode()
    assert "Strictly" in html and "Blind coding" not in html
    rows = csv_rows(export(client_for(lead), world["colocation"], "csv"))
    assert [r["Coders"] for r in rows] == ["researcher"]


def test_closing_the_exercise_lifts_the_blind_everywhere(world, blind, client_for, researcher):
    blind["exercise"].closed = True
    blind["exercise"].save()
    client = client_for(researcher)
    assert "coded by lead" in retrieval(client, world["rules"]).content.decode()
    assert "Strictly" in repr(csv_rows(export(client, world["rules"], "csv")))
    response = client.post(
        reverse("themes:coding-memo", kwargs={"pk": blind["theirs"].pk}), {"memo": "Agreed."}
    )
    assert response.status_code == 302
    blind["theirs"].refresh_from_db()
    assert blind["theirs"].memo == "Agreed."


def test_an_open_but_not_blind_exercise_hides_nothing(world, blind, client_for, researcher):
    blind["exercise"].blind = False
    blind["exercise"].save()
    assert "coded by lead" in retrieval(client_for(researcher), world["rules"]).content.decode()


def test_the_agreement_page_still_compares_both_coders(world, blind, client_for, researcher):
    url = reverse("themes:agreement-detail", kwargs={"pk": blind["exercise"].pk})
    html = client_for(researcher).get(url).content.decode()
    assert "Rule-bending" in html and "lead" in html


# --- writes -----------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["", "application/json"])
def test_the_other_coders_coding_cannot_be_memoed(world, blind, client_for, researcher, accept):
    theirs = blind["theirs"]
    response = client_for(researcher).post(
        reverse("themes:coding-memo", kwargs={"pk": theirs.pk}),
        {"memo": "Overwritten", "version": theirs.updated_at.isoformat()},
        HTTP_ACCEPT=accept,
    )
    assert response.status_code == 404
    assert b"lead's reading" not in response.content
    theirs.refresh_from_db()
    assert theirs.memo == "The lead's reading of this turn."
    assert not AuditEvent.objects.filter(verb="coding.memo").exists()


@pytest.mark.parametrize("accept", ["", "application/json"])
def test_the_other_coders_coding_cannot_be_deleted(world, blind, client_for, researcher, accept):
    theirs = blind["theirs"]
    response = client_for(researcher).post(
        reverse("themes:coding-delete", kwargs={"pk": theirs.pk}), HTTP_ACCEPT=accept
    )
    assert response.status_code == 404
    assert Coding.objects.filter(pk=theirs.pk).exists()
    assert not AuditEvent.objects.filter(verb="coding.delete").exists()


def test_a_lead_coding_in_the_exercise_cannot_touch_the_other_coders_work(
    world, blind, client_for, researcher, lead
):
    mine = blind["mine"]
    their_memo = MemoFactory(source=world["source_a"], author=researcher, text="Researcher's.")
    client = client_for(lead)
    assert client.post(reverse("themes:coding-delete", kwargs={"pk": mine.pk})).status_code == 404
    response = client.post(reverse("themes:coding-memo", kwargs={"pk": mine.pk}), {"memo": "x"})
    assert response.status_code == 404
    response = client.post(reverse("themes:memo-delete", kwargs={"pk": their_memo.pk}))
    assert response.status_code == 404
    assert Coding.objects.filter(pk=mine.pk, memo="").exists()
    assert Memo.objects.filter(pk=their_memo.pk).exists()


def test_the_coder_still_memos_and_deletes_their_own_coding(world, blind, client_for, researcher):
    mine = blind["mine"]
    client = client_for(researcher)
    response = client.post(reverse("themes:coding-memo", kwargs={"pk": mine.pk}), {"memo": "Mine"})
    assert response.status_code == 302
    response = client.post(reverse("themes:coding-delete", kwargs={"pk": mine.pk}))
    assert response.status_code == 302
    assert not Coding.objects.filter(pk=mine.pk).exists()


def test_codings_outside_the_exercise_sources_stay_shared(
    world, blind, client_for, researcher, lead, site_a
):
    from tests.factories import make_source_with_turns

    other = make_source_with_turns(
        site=site_a, title="Another interview", turns=[("Helen", "Outside the exercise.", None)]
    )
    outside = CodingFactory(source=other, theme=world["rules"], coder=lead, start=0, end=7)
    html = retrieval(client_for(researcher), world["rules"]).content.decode()
    assert "Outside" in html and "Strictly" not in html
    response = client_for(researcher).post(
        reverse("themes:coding-memo", kwargs={"pk": outside.pk}), {"memo": "Seen."}
    )
    assert response.status_code == 302


def test_theme_memos_stay_project_wide_during_the_exercise(
    world, blind, client_for, researcher, lead
):
    memo = Memo.objects.create(theme=world["rules"], author=researcher, text="Analytic.")
    response = client_for(lead).post(reverse("themes:memo-delete", kwargs={"pk": memo.pk}))
    assert response.status_code == 302
    assert not Memo.objects.filter(pk=memo.pk).exists()
