"""Inter-coder agreement for qualitative coding (pure Python, no Django).

The callers decide what a *unit* of analysis is (segments, speaker turns, character positions)
and hand over ready-made per-unit data; this module only does the arithmetic:

* :func:`percentage_agreement`: share of units on which every coder gave the same value;
* :func:`cohens_kappa`: chance-corrected agreement of exactly two coders (nominal categories);
* :func:`krippendorff_alpha_nominal`: chance-corrected agreement of any number of coders,
  tolerating missing values (coincidence-matrix method, Krippendorff 2011);
* :func:`theme_agreement`: all three for one theme, from "which units did each coder code".

Undefined statistics are returned as ``None`` rather than ``nan`` or a made-up number, so that
templates and exports can show "n/a" instead of a misleading figure. Values are compared with
``==``/hashing, so ``True`` and ``1`` count as the same category.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

__all__ = [
    "ThemeAgreement",
    "cohens_kappa",
    "krippendorff_alpha_nominal",
    "percentage_agreement",
    "theme_agreement",
]


def percentage_agreement(ratings: Mapping[Hashable, Mapping[Hashable, bool]]) -> float | None:
    """Share (0..1) of units on which all coders who rated the unit gave the same value.

    ``ratings[unit][coder]`` is that coder's value for the unit (typically ``True`` = theme
    present). A unit rated by fewer than two coders cannot show agreement or disagreement and is
    left out (as in Krippendorff's alpha), rather than being counted as a trivial agreement.
    Returns ``None`` when no unit has two or more ratings (including when there are no units).

    Note that with presence/absence data this figure is inflated by units nobody coded; read it
    next to kappa/alpha, which correct for chance.
    """
    pairable = [values for values in ratings.values() if len(values) >= 2]
    if not pairable:
        return None
    agreeing = sum(1 for values in pairable if len(set(values.values())) == 1)
    return agreeing / len(pairable)


def cohens_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa for two coders who rated the same units, in the same order.

    ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the observed share of agreement and
    ``p_e`` the agreement expected by chance from each coder's own category frequencies.

    Conventions for the degenerate cases:

    * no units: ``None``;
    * ``p_e == 1`` (both coders used one and the same category for every unit) makes kappa
      0/0. Such coders necessarily agree on every unit (``p_o == 1``), and we return ``1.0``
      (perfect agreement) rather than ``None``; note that e.g. scikit-learn returns NaN here.
      Krippendorff's alpha treats the same situation as undefined (see
      :func:`krippendorff_alpha_nominal`).

    Raises ``ValueError`` if the sequences differ in length.
    """
    if len(a) != len(b):
        raise ValueError(f"coders rated different numbers of units ({len(a)} vs {len(b)})")
    n = len(a)
    if n == 0:
        return None
    # Integer arithmetic: with kappa = (n*agree - sum_k a_k*b_k) / (n^2 - sum_k a_k*b_k) the
    # p_e == 1 test is exact instead of a float compared against 1.0.
    agree = sum(1 for x, y in zip(a, b, strict=True) if x == y)
    counts_a, counts_b = Counter(a), Counter(b)
    chance = sum(count * counts_b[category] for category, count in counts_a.items())
    if chance == n * n:
        # p_e == 1 implies p_o == 1; the check only guards the stated contract.
        return 1.0 if agree == n else None
    return (n * agree - chance) / (n * n - chance)


def krippendorff_alpha_nominal(
    data: Mapping[Hashable, Mapping[Hashable, Hashable | None]],
) -> float | None:
    """Krippendorff's alpha for nominal data, any number of coders, missing values allowed.

    ``data[unit][coder]`` is the category a coder assigned to a unit; ``None`` or an absent
    coder means "not rated". Units with fewer than two values are not pairable and are dropped.
    Computed with the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
    Alpha-Reliability"): each unit with ``m_u`` values contributes ``1 / (m_u - 1)`` for every
    ordered pair of its values, and

        alpha = 1 - D_o / D_e = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c * n_k

    where ``n_c`` are the coincidence marginals and ``n`` the number of pairable values.

    Returns ``None`` when alpha is undefined: no pairable units, or ``D_e == 0`` (every
    pairable value is the same category, so there is no variation to be reliable about).
    """
    observed_disagreement = Fraction(0)  # sum over c != k of o_ck
    marginals: Counter[Hashable] = Counter()  # n_c
    for ratings in data.values():
        values = [value for value in ratings.values() if value is not None]
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        # Ordered pairs of differing values in this unit: m^2 - sum_c n_uc^2, each weighted
        # 1/(m - 1). Fractions keep the textbook examples exact (no float drift before the end).
        observed_disagreement += Fraction(m * m - sum(c * c for c in counts.values()), m - 1)
        # A unit's row of the coincidence matrix sums to n_uc * (m - 1) / (m - 1) = n_uc.
        marginals.update(counts)
    n = sum(marginals.values())
    expected_pairs = n * n - sum(c * c for c in marginals.values())  # sum over c != k of n_c n_k
    if n == 0 or expected_pairs == 0:
        return None
    return float(1 - (n - 1) * observed_disagreement / expected_pairs)


@dataclass
class ThemeAgreement:
    """Agreement between coders on where one theme applies.

    ``units``/``coders`` are the numbers considered; ``percent``, ``kappa`` (two coders only)
    and ``alpha`` are ``None`` where undefined; ``disagreements`` lists the units on which the
    coders differ, in the order the units were given.
    """

    theme_key: object
    units: int
    coders: int
    percent: float | None
    kappa: float | None
    alpha: float | None
    disagreements: list[Any] = field(default_factory=list)


def theme_agreement(
    theme_key: object,
    unit_keys: Sequence[Any],
    coder_keys: Sequence[Any],
    coded: Mapping[Any, Set[Any]],
) -> ThemeAgreement:
    """Agreement on one theme, treating each unit as present/absent for each coder.

    Every coder in ``coder_keys`` is taken to have rated every unit in ``unit_keys``: a unit in
    ``coded[coder]`` is "present", any other unit "absent" (a coder missing from ``coded`` coded
    nothing). Units in ``coded`` that are not in ``unit_keys`` are ignored, so callers may pass
    a coder's codings without first cutting them down to the units under study.

    ``kappa`` is computed only for exactly two coders; ``percent`` and ``alpha`` need at least
    two coders and are ``None`` otherwise, as is everything when there are no units.
    ``disagreements`` are the units where not all coders gave the same answer.

    Raises ``ValueError`` on duplicate unit or coder keys (they would be double-counted).
    """
    if len(set(unit_keys)) != len(unit_keys):
        raise ValueError("unit_keys contains duplicates")
    if len(set(coder_keys)) != len(coder_keys):
        raise ValueError("coder_keys contains duplicates")

    empty: frozenset[Hashable] = frozenset()
    ratings: dict[Hashable, dict[Hashable, bool]] = {
        unit: {coder: unit in coded.get(coder, empty) for coder in coder_keys} for unit in unit_keys
    }
    kappa = None
    if len(coder_keys) == 2:
        first, second = coder_keys
        kappa = cohens_kappa(
            [ratings[unit][first] for unit in unit_keys],
            [ratings[unit][second] for unit in unit_keys],
        )
    # With one coder every unit has a single rating: percent and alpha come out None by the
    # functions' own "not pairable" rules, and nothing can disagree.
    return ThemeAgreement(
        theme_key=theme_key,
        units=len(unit_keys),
        coders=len(coder_keys),
        percent=percentage_agreement(ratings),
        kappa=kappa,
        alpha=krippendorff_alpha_nominal(ratings),
        disagreements=[unit for unit in unit_keys if len(set(ratings[unit].values())) > 1],
    )
