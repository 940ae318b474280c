"""Tests for themes.agreement against textbook and hand-computed examples."""

from __future__ import annotations

import pytest

from themes.agreement import (
    ThemeAgreement,
    cohens_kappa,
    krippendorff_alpha_nominal,
    percentage_agreement,
    theme_agreement,
)

# --- percentage agreement --------------------------------------------------------------------


def test_percentage_agreement_counts_units_where_every_rater_agrees() -> None:
    ratings = {
        "u1": {"ana": True, "ben": True},
        "u2": {"ana": True, "ben": False},
        "u3": {"ana": False, "ben": False, "cy": False},
        "u4": {"ana": True, "ben": True, "cy": False},
    }
    assert percentage_agreement(ratings) == pytest.approx(2 / 4)


def test_percentage_agreement_leaves_out_units_with_a_single_rating() -> None:
    ratings = {
        "u1": {"ana": True, "ben": True},
        "u2": {"ana": True, "ben": False},
        "u3": {"ana": False, "ben": False},
        "u4": {"ana": True},  # nobody to agree or disagree with
        "u5": {},
    }
    assert percentage_agreement(ratings) == pytest.approx(2 / 3)


def test_percentage_agreement_is_none_without_pairable_units() -> None:
    assert percentage_agreement({}) is None
    assert percentage_agreement({"u1": {"ana": True}, "u2": {"ben": False}}) is None


# --- Cohen's kappa ---------------------------------------------------------------------------


def test_cohens_kappa_reproduces_the_wikipedia_worked_example() -> None:
    # 50 proposals: Yes/Yes 20, Yes/No 5, No/Yes 10, No/No 15 -> p_o = 0.7, p_e = 0.5.
    a = ["Yes"] * 20 + ["Yes"] * 5 + ["No"] * 10 + ["No"] * 15
    b = ["Yes"] * 20 + ["No"] * 5 + ["Yes"] * 10 + ["No"] * 15
    assert cohens_kappa(a, b) == pytest.approx(0.4)


def test_cohens_kappa_hand_example_with_three_categories() -> None:
    # p_o = 4/6; coder a: x2 y2 z2, coder b: x2 y3 z1 -> p_e = (4 + 6 + 2) / 36 = 1/3.
    a = ["x", "x", "y", "y", "z", "z"]
    b = ["x", "y", "y", "y", "z", "x"]
    assert cohens_kappa(a, b) == pytest.approx((2 / 3 - 1 / 3) / (1 - 1 / 3))
    assert cohens_kappa(b, a) == pytest.approx(0.5)


def test_cohens_kappa_is_one_for_perfect_agreement() -> None:
    assert cohens_kappa([1, 2, 3, 1, 2], [1, 2, 3, 1, 2]) == pytest.approx(1.0)


def test_cohens_kappa_is_minus_one_for_systematic_disagreement() -> None:
    assert cohens_kappa([True, False, True, False], [False, True, False, True]) == -1.0


def test_cohens_kappa_is_one_when_both_coders_used_a_single_identical_category() -> None:
    # p_e == 1 makes the formula 0/0; by the documented convention this is perfect agreement.
    assert cohens_kappa(["absent"] * 7, ["absent"] * 7) == 1.0


def test_cohens_kappa_is_zero_when_one_coder_never_varies() -> None:
    # p_o == p_e == 3/5: agreement no better than chance.
    assert cohens_kappa([False] * 5, [False, False, True, False, True]) == pytest.approx(0.0)


def test_cohens_kappa_is_none_without_units_and_rejects_unequal_lengths() -> None:
    assert cohens_kappa([], []) is None
    with pytest.raises(ValueError, match="different numbers"):
        cohens_kappa([1, 2], [1])


# --- Krippendorff's alpha --------------------------------------------------------------------

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
# twelve units, missing values; nominal alpha = 0.743.
KRIPPENDORFF_2011_C = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def by_unit(columns: dict[str, list[object]]) -> dict[int, dict[str, object]]:
    """Turn per-coder columns into ``data[unit][coder]``."""
    units = len(next(iter(columns.values())))
    return {
        unit: {coder: values[unit] for coder, values in columns.items()} for unit in range(units)
    }


def test_krippendorff_alpha_reproduces_the_four_coder_example_with_missing_values() -> None:
    alpha = krippendorff_alpha_nominal(by_unit(KRIPPENDORFF_2011_C))
    assert alpha == pytest.approx(0.743, abs=0.001)
    # Exactly: n = 40 pairable values, marginals n_1..n_5 = 9, 13, 10, 5, 3, and the off-diagonal
    # coincidences sum to 8, so alpha = 1 - 39 * 8 / (40^2 - 81 - 169 - 100 - 25 - 9) = 113/152.
    assert alpha == pytest.approx(113 / 152)


def test_krippendorff_alpha_reproduces_the_two_coder_binary_example() -> None:
    data = by_unit({"A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0], "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]})
    assert krippendorff_alpha_nominal(data) == pytest.approx(0.095, abs=0.001)


def test_krippendorff_alpha_hand_example() -> None:
    # Pairs (1,1) (1,0) (0,0) (0,0): n = 8, n_1 = 3, n_0 = 5; one disagreeing unit adds 2.
    # alpha = 1 - (8 - 1) * 2 / (64 - 9 - 25) = 1 - 14/30.
    data = by_unit({"A": [1, 1, 0, 0], "B": [1, 0, 0, 0]})
    assert krippendorff_alpha_nominal(data) == pytest.approx(16 / 30)


def test_krippendorff_alpha_treats_absent_coders_like_none_and_drops_unpairable_units() -> None:
    with_none = by_unit(KRIPPENDORFF_2011_C)
    without = {
        unit: {coder: value for coder, value in ratings.items() if value is not None}
        for unit, ratings in with_none.items()
    }
    extra = {**without, "lonely": {"A": 7}, "empty": {}}  # 7 would otherwise change n_c
    expected = krippendorff_alpha_nominal(with_none)
    assert krippendorff_alpha_nominal(without) == pytest.approx(expected)
    assert krippendorff_alpha_nominal(extra) == pytest.approx(expected)


def test_krippendorff_alpha_is_one_for_perfect_agreement_with_variation() -> None:
    data = by_unit(
        {"A": ["x", "y", "z", "x"], "B": ["x", "y", "z", "x"], "C": ["x", "y", "z", None]}
    )
    assert krippendorff_alpha_nominal(data) == pytest.approx(1.0)


def test_krippendorff_alpha_is_none_when_undefined() -> None:
    assert krippendorff_alpha_nominal({}) is None  # no units
    assert krippendorff_alpha_nominal(by_unit({"A": [1, 2, 1]})) is None  # single coder
    # Everybody used the same category: no variation, D_e == 0.
    assert krippendorff_alpha_nominal(by_unit({"A": [1, 1, 1], "B": [1, 1, None]})) is None


# --- per theme -------------------------------------------------------------------------------

UNITS = ["u1", "u2", "u3", "u4", "u5", "u6"]


def test_theme_agreement_for_two_coders_matches_hand_computation() -> None:
    coded = {"ana": {"u1", "u2", "u3"}, "ben": {"u2", "u3", "u4"}}
    result = theme_agreement("theme-7", UNITS, ["ana", "ben"], coded)
    # ana: T T T F F F; ben: F T T T F F -> p_o = 4/6, p_e = 1/2, kappa = 1/3.
    # alpha: n = 12, n_T = n_F = 6, two disagreeing units add 2 each -> 1 - 11*4/72.
    assert result == ThemeAgreement(
        theme_key="theme-7",
        units=6,
        coders=2,
        percent=pytest.approx(4 / 6),
        kappa=pytest.approx(1 / 3),
        alpha=pytest.approx(1 - 44 / 72),
        disagreements=["u1", "u4"],
    )


def test_theme_agreement_for_three_coders_has_no_kappa() -> None:
    coded = {"ana": {"u1", "u2"}, "ben": {"u1", "u2"}, "cy": {"u1"}}
    result = theme_agreement("t", UNITS, ["ana", "ben", "cy"], coded)
    assert result.kappa is None
    assert result.percent == pytest.approx(5 / 6)
    assert result.disagreements == ["u2"]
    by_hand = {u: {c: u in coded[c] for c in coded} for u in UNITS}
    assert result.alpha == pytest.approx(krippendorff_alpha_nominal(by_hand))


def test_theme_agreement_with_a_single_coder_reports_nothing_to_compare() -> None:
    result = theme_agreement("t", UNITS, ["ana"], {"ana": {"u1"}})
    assert (result.units, result.coders) == (6, 1)
    assert (result.percent, result.kappa, result.alpha, result.disagreements) == (
        None,
        None,
        None,
        [],
    )


def test_theme_agreement_without_units_is_all_undefined() -> None:
    result = theme_agreement("t", [], ["ana", "ben"], {"ana": set(), "ben": set()})
    assert (result.units, result.percent, result.kappa, result.alpha) == (0, None, None, None)
    assert result.disagreements == []


def test_theme_agreement_when_nobody_coded_the_theme() -> None:
    # All units "absent" for both: full raw agreement, kappa 1.0 by convention, alpha undefined.
    result = theme_agreement("t", UNITS, ["ana", "ben"], {})
    assert (result.percent, result.kappa, result.alpha) == (1.0, 1.0, None)
    assert result.disagreements == []


def test_theme_agreement_ignores_units_outside_the_study_and_missing_coders_coded_nothing() -> None:
    coded = {"ana": {"u1", "elsewhere"}}  # ben has no entry: he coded nothing
    result = theme_agreement("t", ["u1", "u2"], ["ana", "ben"], coded)
    assert result.disagreements == ["u1"]
    assert result.percent == pytest.approx(1 / 2)


def test_theme_agreement_rejects_duplicate_keys() -> None:
    with pytest.raises(ValueError, match="unit_keys"):
        theme_agreement("t", ["u1", "u1"], ["ana", "ben"], {})
    with pytest.raises(ValueError, match="coder_keys"):
        theme_agreement("t", ["u1"], ["ana", "ana"], {})
