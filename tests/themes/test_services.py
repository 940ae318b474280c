from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sites.access import ApplicationError
from sites.models import AuditEvent
from themes import services
from themes.models import Coding, Memo, Theme

from .factories import CodingFactory, ThemeFactory


def test_coding_create_stores_code_points_and_speaker_and_audits(world, researcher):
    source = world["source_a"]
    turn = source.segments.get(order=1)
    coding = services.coding_create(
        source=source, theme=world["rules"], coder=researcher, start=turn.start, end=turn.end
    )
    assert coding.site == source.site
    assert coding.participant == world["wendy"]
    assert source.text[coding.start : coding.end].startswith("Strictly")
    assert AuditEvent.objects.filter(verb="coding.create", object_id=str(coding.pk)).exists()


def test_coding_outside_the_text_is_refused_without_writes(world, researcher):
    source = world["source_a"]
    for start, end in [(-1, 3), (5, 5), (10, 4), (0, len(source.text) + 1)]:
        with pytest.raises(ValidationError):
            services.coding_create(
                source=source, theme=world["rules"], coder=researcher, start=start, end=end
            )
    assert not Coding.objects.exists()


def test_folders_and_retired_themes_cannot_be_applied(world, researcher):
    folder = ThemeFactory(name="Folder", codable=False)
    retired = ThemeFactory(name="Old", retired=True)
    for theme in (folder, retired):
        with pytest.raises(ValidationError):
            services.coding_create(
                source=world["source_a"], theme=theme, coder=researcher, start=0, end=5
            )


def test_a_coding_spanning_turns_is_allowed(world, researcher):
    source = world["source_a"]
    coding = services.coding_create(
        source=source, theme=world["rules"], coder=researcher, start=5, end=len(source.text)
    )
    assert coding.participant == world["helen"]


def test_coding_delete_removes_it_and_audits(world, researcher):
    coding = CodingFactory(source=world["source_a"], theme=world["rules"])
    services.coding_delete(coding=coding, actor=researcher)
    assert not Coding.objects.exists()
    assert AuditEvent.objects.filter(verb="coding.delete").exists()


def test_memo_on_a_coding_refuses_a_stale_version(world, researcher, lead):
    coding = CodingFactory(source=world["source_a"], theme=world["rules"])
    seen = coding.updated_at.isoformat()
    services.coding_set_memo(coding=coding, actor=lead, memo="Lead's note", version=seen)
    with pytest.raises(ApplicationError):
        services.coding_set_memo(coding=coding, actor=researcher, memo="Mine", version=seen)
    coding.refresh_from_db()
    assert coding.memo == "Lead's note"


def test_theme_names_are_unique_whatever_the_case(db, lead):
    services.theme_create(actor=lead, name="Knotworking")
    with pytest.raises(ValidationError):
        services.theme_create(actor=lead, name="  knotworking ")


def test_merge_moves_codings_memos_and_subthemes_and_deletes_the_theme(world, lead):
    old, into = world["rules"], world["colocation"]
    child = ThemeFactory(name="Child", parent=old)
    CodingFactory.create_batch(3, source=world["source_a"], theme=old)
    Memo.objects.create(theme=old, text="analytic")
    services.theme_merge(theme=old, into=into, actor=lead)
    assert not Theme.objects.filter(pk=old.pk).exists()
    assert Coding.objects.filter(theme=into).count() == 3
    assert Memo.objects.get().theme == into
    child.refresh_from_db()
    assert child.parent == into
    event = AuditEvent.objects.get(verb="theme.merge")
    assert event.changes["codings_moved"] == 3


def test_merge_folds_a_coders_identical_codings_into_one_and_keeps_their_memos(
    world, lead, researcher
):
    """Nine passages coded with both Rule-bending and Rules by the same coder: after the
    merge each is coded once with Rules, not twice (the theme page counted 92, not 83)."""
    old, into = world["rules"], ThemeFactory(name="Rules")
    source = world["source_a"]
    twice = []
    for i in range(9):
        kept = CodingFactory(source=source, theme=into, coder=researcher, start=i, end=i + 5)
        repeat = CodingFactory(
            source=source, theme=old, coder=researcher, start=i, end=i + 5, memo=f"Why {i}"
        )
        twice.append((kept, repeat))
    twice[0][0].memo = "Kept memo"
    twice[0][0].save()
    # Not identical: another coder, or another range; these move and are not folded.
    CodingFactory(source=source, theme=old, coder=lead, start=0, end=5)
    CodingFactory(source=source, theme=old, coder=researcher, start=0, end=6)
    CodingFactory.create_batch(74 - 2, source=source, theme=into, coder=lead, start=20, end=30)
    assert Coding.objects.filter(theme__in=[old, into]).count() == 92
    merged = services.theme_merge(theme=old, into=into, actor=lead)
    assert (merged.into, merged.moved, merged.folded) == (into, 2, 9)
    assert Coding.objects.filter(theme=into).count() == 83
    assert not Coding.objects.filter(pk__in=[r.pk for _, r in twice]).exists()
    kept_memos = [Coding.objects.get(pk=k.pk).memo for k, _ in twice]
    assert kept_memos[0] == "Kept memo\n\nWhy 0"
    assert kept_memos[1:] == [f"Why {i}" for i in range(1, 9)]
    event = AuditEvent.objects.get(verb="theme.merge")
    assert event.changes["codings_folded"] == 9
    assert event.changes["codings_moved"] == 2
    assert event.changes["coding_memos_carried_over"] == 9


def test_merge_folds_repeats_within_the_merged_theme_and_a_shared_memo_once(world, lead):
    old, into = world["rules"], world["colocation"]
    source = world["source_a"]
    CodingFactory(source=source, theme=into, coder=lead, start=3, end=9, memo="Same")
    first = CodingFactory(source=source, theme=old, coder=lead, start=3, end=9, memo="Same")
    CodingFactory(source=source, theme=old, coder=lead, start=12, end=15, memo="A")
    CodingFactory(source=source, theme=old, coder=lead, start=12, end=15, needs_review=True)
    merged = services.theme_merge(theme=old, into=into, actor=lead)
    assert merged.folded == 2 and merged.moved == 1
    assert not Coding.objects.filter(pk=first.pk).exists()
    assert list(Coding.objects.filter(theme=into).values_list("start", "memo", "needs_review")) == [
        (3, "Same", False),
        (12, "A", True),
    ]


def test_a_theme_cannot_be_merged_into_itself_or_its_subtheme(world, lead):
    child = ThemeFactory(name="Child", parent=world["rules"])
    with pytest.raises(ApplicationError):
        services.theme_merge(theme=world["rules"], into=world["rules"], actor=lead)
    with pytest.raises(ApplicationError):
        services.theme_merge(theme=world["rules"], into=child, actor=lead)


def test_moving_a_theme_under_its_own_subtheme_is_refused(world, lead):
    child = ThemeFactory(name="Child", parent=world["rules"])
    with pytest.raises(ValidationError):
        services.theme_update(theme=world["rules"], actor=lead, parent=child)


def test_rename_and_move_are_audited(world, lead):
    folder = ThemeFactory(name="Group", codable=False)
    services.theme_update(theme=world["rules"], actor=lead, name="Bending the rules")
    services.theme_update(theme=world["rules"], actor=lead, parent=folder)
    assert AuditEvent.objects.filter(verb="theme.update").exists()
    assert AuditEvent.objects.filter(verb="theme.move").exists()


def test_retire_keeps_codings_and_is_audited(world, lead):
    CodingFactory(source=world["source_a"], theme=world["rules"])
    services.theme_retire(theme=world["rules"], actor=lead)
    world["rules"].refresh_from_db()
    assert world["rules"].retired
    assert Coding.objects.filter(theme=world["rules"]).count() == 1
    assert AuditEvent.objects.filter(verb="theme.retire").exists()


def test_memos_on_themes_and_sources(world, researcher):
    on_theme = services.memo_create(author=researcher, text="Analytic", theme=world["rules"])
    on_source = services.memo_create(author=researcher, text="Note", source=world["source_a"])
    assert on_theme.site is None
    assert on_source.site == world["source_a"].site
    with pytest.raises(ValidationError):
        services.memo_create(author=researcher, text="  ", source=world["source_a"])


def test_a_text_edit_reanchors_codings_and_flags_removed_ones(world, researcher):
    from fieldwork.services import source_text_change_handlers

    assert services.on_source_text_change in source_text_change_handlers
    source = world["source_a"]
    keep = services.coding_create(
        source=source, theme=world["rules"], coder=researcher, start=3, end=8
    )
    gone_start = source.text.index("Strictly")
    gone = services.coding_create(
        source=source,
        theme=world["rules"],
        coder=researcher,
        start=gone_start,
        end=gone_start + len("Strictly"),
    )
    old_text = source.text
    source.text = "Hello. " + old_text.replace("Strictly ", "")
    source.save()
    services.codings_reanchor(source=source, old_text=old_text)
    keep.refresh_from_db()
    gone.refresh_from_db()
    assert source.text[keep.start : keep.end] == old_text[3:8]
    assert gone.needs_review
    assert not keep.needs_review


def test_remapping_a_speaker_moves_the_codings_participant_with_it(world, researcher):
    from fieldwork import services as fieldwork_services

    source = world["source_a"]
    turn = source.segments.get(order=1)
    coding = services.coding_create(
        source=source, theme=world["rules"], coder=researcher, start=turn.start, end=turn.end
    )
    assert coding.participant == world["wendy"]

    fieldwork_services.source_speaker_map(
        source=source, label="Wendy", participant=world["helen"], actor=researcher
    )
    coding.refresh_from_db()
    assert coding.participant == world["helen"]

    fieldwork_services.source_speaker_map(source=source, label="Wendy", actor=researcher)
    coding.refresh_from_db()
    assert coding.participant is None


def test_merging_a_speaker_label_moves_the_codings_participant_with_it(world, researcher):
    from fieldwork import services as fieldwork_services

    source = world["source_a"]
    turn = source.segments.get(order=1)
    coding = services.coding_create(
        source=source, theme=world["rules"], coder=researcher, start=turn.start, end=turn.end
    )
    fieldwork_services.source_speaker_merge(
        source=source, label="Wendy", into="Helen", actor=researcher
    )
    coding.refresh_from_db()
    assert coding.participant == world["helen"]


def test_theme_get_or_create_returns_the_existing_theme_in_any_case_and_spacing(researcher):
    existing = ThemeFactory(name="Shared office")
    assert services.theme_get_or_create(actor=researcher, name=" shared   OFFICE ") == existing
    created = services.theme_get_or_create(actor=researcher, name="Hot-desking")
    assert created.pk != existing.pk and created.name == "Hot-desking"
    assert Theme.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_coders_adding_the_same_new_theme_at_once_all_get_the_one_theme(site_a):
    """Twenty coders type the same new theme at the same moment (the 500s of issue #9)."""
    import threading

    from django.db import connection

    from tests.factories import MembershipFactory

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises every write)")
    coders = [MembershipFactory(site=site_a, role="researcher").user for _ in range(20)]
    barrier = threading.Barrier(len(coders))
    results: list = []
    errors: list = []

    def add(coder) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results.append(services.theme_get_or_create(actor=coder, name="Hot-desking").pk)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=add, args=(c,)) for c in coders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 20 and len(set(results)) == 1
    assert Theme.objects.filter(name__iexact="hot-desking").count() == 1
