"""Tests for fieldwork.reanchor: codings stay on the same words when field notes are edited."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest

from fieldwork import reanchor as reanchor_module
from fieldwork.reanchor import Anchor, Reanchored, offset_map, reanchor

NOTE = "Maria said the harvest was poor this year. She blamed the late rains."


def span(text: str, phrase: str) -> tuple[int, int]:
    """Offsets of the only occurrence of ``phrase`` in ``text``."""
    assert text.count(phrase) == 1, phrase
    start = text.index(phrase)
    return start, start + len(phrase)


def anchor_on(text: str, phrase: str, key: object = None) -> Anchor:
    start, end = span(text, phrase)
    return Anchor(key if key is not None else phrase, start, end)


def one(old: str, new: str, anchor: Anchor) -> Reanchored:
    (result,) = reanchor(old, new, [anchor])
    return result


def covered(text: str, result: Reanchored) -> str:
    return text[result.start : result.end]


# --- basic edits ---------------------------------------------------------------------------


def test_unchanged_text_keeps_every_coding_where_it_was() -> None:
    anchors = [anchor_on(NOTE, "harvest"), anchor_on(NOTE, "late rains.")]
    results = reanchor(NOTE, NOTE, anchors)
    assert [(r.key, r.start, r.end, r.status) for r in results] == [
        (a.key, a.start, a.end, "kept") for a in anchors
    ]


def test_insertion_before_a_coding_moves_it_by_the_inserted_length() -> None:
    new = "Yesterday, " + NOTE
    result = one(NOTE, new, anchor_on(NOTE, "harvest"))
    assert result.status == "moved"
    assert (result.start, result.end) == span(new, "harvest")
    assert result.start == span(NOTE, "harvest")[0] + len("Yesterday, ")


def test_insertion_after_a_coding_keeps_it() -> None:
    new = NOTE + " Nobody disagreed."
    result = one(NOTE, new, anchor_on(NOTE, "harvest was poor"))
    assert result.status == "kept"
    assert (result.start, result.end) == span(NOTE, "harvest was poor")


def test_insertion_strictly_inside_a_coding_extends_it() -> None:
    new = NOTE.replace("was poor", "was very poor")
    result = one(NOTE, new, anchor_on(NOTE, "the harvest was poor"))
    assert result.status == "changed"
    assert covered(new, result) == "the harvest was very poor"


def test_insertion_inside_a_word_of_a_coding_extends_it() -> None:
    new = NOTE.replace("harvest", "harvests")
    result = one(NOTE, new, anchor_on(NOTE, "harvest was"))
    assert result.status == "changed"
    assert covered(new, result) == "harvests was"


def test_insertion_exactly_at_the_start_of_a_coding_is_not_pulled_in() -> None:
    new = NOTE.replace("the harvest", "the wheat harvest")
    result = one(NOTE, new, anchor_on(NOTE, "harvest"))
    assert result.status == "moved"
    assert (result.start, result.end) == span(new, "harvest")


def test_insertion_glued_to_the_start_of_a_coded_word_is_not_pulled_in() -> None:
    new = NOTE.replace("harvest", "preharvest")
    result = one(NOTE, new, anchor_on(NOTE, "harvest was"))
    assert result.status == "moved"
    assert covered(new, result) == "harvest was"
    assert result.start == new.index("preharvest") + len("pre")


def test_insertion_exactly_at_the_end_of_a_coding_is_not_pulled_in() -> None:
    new = NOTE.replace("the harvest was", "the harvest season was")
    result = one(NOTE, new, anchor_on(NOTE, "harvest"))
    assert result.status == "kept"
    assert covered(new, result) == "harvest"


def test_insertion_glued_to_the_end_of_a_coded_word_is_not_pulled_in() -> None:
    new = NOTE.replace("harvest", "harvest-time")
    result = one(NOTE, new, anchor_on(NOTE, "the harvest"))
    assert result.status == "kept"
    assert covered(new, result) == "the harvest"


def test_deleting_part_of_a_coding_shrinks_it() -> None:
    new = NOTE.replace(" this year", "")
    result = one(NOTE, new, anchor_on(NOTE, "was poor this year."))
    assert result.status == "changed"
    assert covered(new, result) == "was poor."


def test_deleting_a_word_in_the_middle_of_a_coding_shrinks_it() -> None:
    new = NOTE.replace("the late rains", "the rains")
    result = one(NOTE, new, anchor_on(NOTE, "blamed the late rains"))
    assert result.status == "changed"
    assert covered(new, result) == "blamed the rains"


def test_deleting_all_of_a_coding_flags_it_removed_at_the_deletion_point() -> None:
    new = NOTE.replace("poor ", "")
    result = one(NOTE, new, anchor_on(NOTE, "poor"))
    assert result.status == "removed"
    assert result.start == result.end == new.index("this year")


def test_deleting_a_whole_sentence_removes_codings_inside_it_but_not_around_it() -> None:
    new = NOTE.replace(" She blamed the late rains.", "")
    anchors = [anchor_on(NOTE, "late rains"), anchor_on(NOTE, "this year.")]
    inside, before = reanchor(NOTE, new, anchors)
    assert inside.status == "removed"
    assert inside.start == inside.end == len(new)
    assert before.status == "kept"
    assert covered(new, before) == "this year."


def test_replacing_a_word_inside_a_coding_keeps_it_covering_the_replacement() -> None:
    new = NOTE.replace("poor", "disappointing")
    result = one(NOTE, new, anchor_on(NOTE, "the harvest was poor"))
    assert result.status == "changed"
    assert covered(new, result) == "the harvest was disappointing"


def test_replacing_exactly_the_coded_word_moves_the_coding_onto_the_new_word() -> None:
    new = NOTE.replace("Maria", "Ana")
    result = one(NOTE, new, anchor_on(NOTE, "Maria"))
    assert result.status == "changed"
    assert covered(new, result) == "Ana"


def test_respelling_a_coded_word_keeps_the_unchanged_letters_covered() -> None:
    old = "The colour of the soil worried them."
    new = "The color of the soil worried them."
    whole, stem = reanchor(old, new, [anchor_on(old, "colour", "w"), anchor_on(old, "colo", "s")])
    assert (whole.status, covered(new, whole)) == ("changed", "color")
    assert (stem.status, covered(new, stem)) == ("kept", "colo")


def test_deleting_a_word_before_a_coded_word_with_the_same_first_letter_leaves_it_intact() -> None:
    # A raw character diff would see "the c|at cut" -> "the c|ut" and clip the coding to "ut".
    old = "the cat cut the grass"
    new = "the cut the grass"
    result = one(old, new, anchor_on(old, "cut"))
    assert result.status == "moved"
    assert covered(new, result) == "cut"


def test_rewriting_the_whole_text_flags_every_coding() -> None:
    old = "alpha beta gamma"
    new = "völlig anderer Inhalt"
    results = reanchor(old, new, [anchor_on(old, "beta"), anchor_on(old, "alpha beta gamma")])
    assert all(r.status in {"changed", "removed"} for r in results)
    assert all(0 <= r.start <= r.end <= len(new) for r in results)


# --- code points, overlaps, bookkeeping ----------------------------------------------------


def test_offsets_are_code_points_so_an_emoji_shifts_a_coding_by_one() -> None:
    old = "🌾 Maria said the harvest 👩‍🌾 was poor"
    new = "😀 " + old
    assert len("😀") == 1 and len("👩‍🌾") == 3  # astral = 1 code point; ZWJ sequence = 3
    results = reanchor(old, new, [anchor_on(old, "harvest"), anchor_on(old, "👩‍🌾 was")])
    harvest, farmer = results
    assert harvest.status == farmer.status == "moved"
    assert harvest.start == span(old, "harvest")[0] + 2  # not + 3 as in UTF-16
    assert covered(new, harvest) == "harvest"
    assert covered(new, farmer) == "👩‍🌾 was"


def test_emoji_inserted_inside_and_next_to_codings_follow_the_boundary_rules() -> None:
    old = "we ate 🍞 and 🧀 together"
    new = "we ate 🍞🥖 and 🧀 🍷 together"
    bread, cheese, meal = reanchor(
        old, new, [anchor_on(old, "🍞"), anchor_on(old, "🧀"), anchor_on(old, "🍞 and 🧀")]
    )
    assert (bread.status, covered(new, bread)) == ("kept", "🍞")
    assert (cheese.status, covered(new, cheese)) == ("moved", "🧀")
    assert cheese.start == span(old, "🧀")[0] + 1
    assert (meal.status, covered(new, meal)) == ("changed", "🍞🥖 and 🧀")


def test_overlapping_codings_are_each_reanchored_independently() -> None:
    new = NOTE.replace("was poor", "was very poor")
    anchors = [
        anchor_on(NOTE, "the harvest was poor", "claim"),
        anchor_on(NOTE, "harvest", "crop"),
        anchor_on(NOTE, "poor this year", "judgement"),
        anchor_on(NOTE, "She blamed", "blame"),
    ]
    results = {r.key: r for r in reanchor(NOTE, new, anchors)}
    assert (results["claim"].status, covered(new, results["claim"])) == (
        "changed",
        "the harvest was very poor",
    )
    assert (results["crop"].status, covered(new, results["crop"])) == ("kept", "harvest")
    # The insertion sits exactly at this coding's start, so it is not pulled in.
    assert (results["judgement"].status, covered(new, results["judgement"])) == (
        "moved",
        "poor this year",
    )
    assert (results["blame"].status, covered(new, results["blame"])) == ("moved", "She blamed")


def test_results_come_back_in_input_order_with_their_keys_even_when_duplicated() -> None:
    anchors = [
        anchor_on(NOTE, "rains", ("coding", 2)),
        anchor_on(NOTE, "Maria", ("coding", 1)),
        anchor_on(NOTE, "rains", ("coding", 2)),
    ]
    results = reanchor(NOTE, "Today " + NOTE, iter(anchors))  # any iterable is accepted
    assert [r.key for r in results] == [a.key for a in anchors]


def test_a_coding_that_was_already_removed_stays_flagged_and_follows_the_text() -> None:
    point = NOTE.index("this")
    result = one(NOTE, "Oh. " + NOTE, Anchor("gone", point, point))
    assert (result.status, result.start, result.end) == ("removed", point + 4, point + 4)


def test_codings_on_an_empty_or_emptied_text() -> None:
    assert one("", "fresh notes", Anchor("x", 0, 0)) == Reanchored("x", 11, 11, "removed")
    assert one("old notes", "", Anchor("y", 4, 9)) == Reanchored("y", 0, 0, "removed")


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (5, 4), (0, len(NOTE) + 1)])
def test_anchors_outside_the_old_text_are_rejected(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="anchor"):
        reanchor(NOTE, NOTE + "!", [Anchor("bad", start, end)])


def test_offset_map_puts_starts_after_and_ends_before_an_insertion_at_the_same_spot() -> None:
    old, new = "ab cd", "ab XY cd"  # "XY " inserted at offset 3
    to_new = offset_map(old, new)
    assert to_new(3, True) == 6  # a range starting at "cd" starts after the insertion
    assert to_new(3, False) == 3  # a range ending before "cd" ends before it
    assert to_new(2, False) == 2
    assert [to_new(k, True) for k in (0, 1, 4, 5)] == [0, 1, 7, 8]
    assert to_new(5, False) == 8
    with pytest.raises(ValueError):
        to_new(6, True)


def test_offset_map_sends_deleted_offsets_to_the_deletion_point() -> None:
    to_new = offset_map("one two three", "one three")
    assert [to_new(k, is_start) for k in (4, 5, 6, 7) for is_start in (True, False)] == [4] * 8
    assert to_new(8, True) == 4 and to_new(8, False) == 4
    assert to_new(9, True) == 5


# --- scale and randomised checks -----------------------------------------------------------


def test_a_100k_character_note_with_three_edits_is_reanchored_correctly() -> None:
    rng = random.Random(20240611)
    # A small vocabulary makes every word repeat hundreds of times: the hard case for
    # SequenceMatcher, which the fallbacks (patience anchors, Myers) must handle.
    vocabulary = ["we", "the", "farm", "rain", "crop", "sold", "market", "she", "he", "said"]
    vocabulary += ["poor", "good", "year", "late", "it", "was"]
    words: list[str] = []
    length = -1
    while length < 100_000:
        words.append(rng.choice(vocabulary))
        length += len(words[-1]) + 1
    old = " ".join(words)
    assert len(old) >= 100_000

    def word_start(near: int) -> int:
        return old.index(" ", near) + 1

    insert_at = word_start(20_000)
    inserted = "BRAND NEW OBSERVATION. "
    delete_at = word_start(50_000)
    delete_end = word_start(delete_at + 25)  # whole words plus the space after the last one
    replace_at = word_start(80_000)
    replace_end = old.index(" ", replace_at)
    # Make the deletion unambiguous: the word after it differs from its first word, and the
    # word before it differs from its last word (else "which copy was deleted" is a toss-up).
    deleted_words = old[delete_at:delete_end].split()
    assert old[delete_end:].split(" ", 1)[0] != deleted_words[0]
    assert old[:delete_at].rsplit(" ", 2)[-2] != deleted_words[-1]

    new = (
        old[:insert_at]
        + inserted
        + old[insert_at:delete_at]
        + old[delete_end:replace_at]
        + "REPLACED"
        + old[replace_end:]
    )
    shift_1 = len(inserted)
    shift_2 = shift_1 - (delete_end - delete_at)
    shift_3 = shift_2 + len("REPLACED") - (replace_end - replace_at)

    before_all = Anchor("before", 10, word_start(300) - 1)
    between = Anchor("between", word_start(30_000), word_start(30_050) - 1)
    around_deletion = Anchor("around", word_start(delete_at - 40), delete_end + 10)
    deleted = Anchor("deleted", delete_at, delete_end - 1)
    replaced = Anchor("replaced", replace_at, replace_end)
    after_all = Anchor("after", word_start(95_000), len(old))
    anchors = [before_all, between, around_deletion, deleted, replaced, after_all]

    results = {r.key: r for r in reanchor(old, new, anchors)}

    assert results["before"] == Reanchored("before", before_all.start, before_all.end, "kept")
    assert results["between"] == Reanchored(
        "between", between.start + shift_1, between.end + shift_1, "moved"
    )
    around = results["around"]
    assert around.status == "changed"
    assert (
        covered(new, around)
        == old[around_deletion.start : delete_at] + old[delete_end : around_deletion.end]
    )
    assert results["deleted"].status == "removed"
    assert results["deleted"].start == results["deleted"].end == delete_at + shift_1
    assert (results["replaced"].status, covered(new, results["replaced"])) == (
        "changed",
        "REPLACED",
    )
    assert results["after"] == Reanchored(
        "after", after_all.start + shift_3, after_all.end + shift_3, "moved"
    )


def _random_note(rng: random.Random, separator: str) -> str:
    """About 1,500 characters in which every non-whitespace character is unique.

    Unique characters make every edit unambiguous (there is only one way to align old and new),
    so the property below is exact rather than "usually". CJK ideographs and astral emoji keep
    it honest about code points.
    """
    pool = [chr(0x4E00 + i) for i in range(1300)] + [chr(0x1F300 + i) for i in range(200)]
    rng.shuffle(pool)
    pieces: list[str] = []
    while pool:
        size = rng.randint(1, 7)
        pieces.append("".join(pool[:size]))
        del pool[:size]
    return separator.join(pieces)


@pytest.mark.parametrize("separator", [" ", ""], ids=["spaced", "unspaced"])
@pytest.mark.parametrize("budgets", ["default", "no-sequencematcher", "no-fallbacks"])
def test_random_edits_never_disturb_codings_they_do_not_touch(
    monkeypatch: pytest.MonkeyPatch, separator: str, budgets: str
) -> None:
    # Squeezing the budgets routes every diff through the fallback paths, which must keep the
    # same guarantee as the default path.
    if budgets != "default":
        monkeypatch.setattr(reanchor_module, "_MATCH_FREE", 0)
        monkeypatch.setattr(reanchor_module, "_MATCH_CALL_LIMIT", 0)
    if budgets == "no-fallbacks":
        monkeypatch.setattr(reanchor_module, "_MYERS_BUDGET", 0)
    rng = random.Random(f"{separator!r}-{budgets}")
    insert_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # disjoint from the note's characters
    for _trial in range(60):
        old = _random_note(rng, separator)
        # 1-3 non-overlapping, non-adjacent edits, each a deletion and/or an insertion.
        cuts = sorted(rng.sample(range(len(old) + 1), 2 * rng.randint(1, 3)))
        edits: list[tuple[int, int, str]] = []
        for p, q in zip(cuts[::2], cuts[1::2], strict=True):
            deleted = min(q - p, rng.choice([0, 0, 1, 3, 12, 60]))
            inserted = "".join(rng.choices(insert_alphabet, k=rng.choice([0, 1, 4, 20])))
            if deleted or inserted:
                edits.append((p, deleted, inserted))
        if any(p1 + d1 >= p2 for (p1, d1, _), (p2, _, _) in pairwise(edits)):
            continue  # adjacent edits would merge; not the case under test
        new = old
        for p, d, ins in reversed(edits):
            new = new[:p] + ins + new[p + d :]

        anchors = []
        for key in range(25):
            s, e = sorted(rng.sample(range(len(old) + 1), 2))
            # Codings start and end on characters, not on a separator.
            if old[s].isspace() or old[e - 1].isspace():
                continue
            anchors.append(Anchor(key, s, e))

        for anchor, result in zip(anchors, reanchor(old, new, anchors), strict=True):
            s, e = anchor.start, anchor.end
            assert 0 <= result.start <= result.end <= len(new)
            touched = any((d and p < e and p + d > s) or s < p < e for p, d, _ in edits)
            if touched:
                assert result.status in {"changed", "removed"}
                continue
            shift = sum(len(ins) - d for p, d, ins in edits if p + d <= s)
            assert covered(new, result) == old[s:e], (old, new, edits, anchor)
            assert (result.start, result.end) == (s + shift, e + shift)
            assert result.status == ("kept" if shift == 0 else "moved")
