"""Inter-coder agreement of an exercise."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    F,
)

from fieldwork.consent import withheld_turns
from fieldwork.models import Segment, Source
from sites.models import Participant

from ..models import (
    AgreementExercise,
    Coding,
    Theme,
)


@dataclass
class AgreementResult:
    exercise: AgreementExercise
    coders: list
    units: int
    excluded_units: int
    themes: list  # dicts: theme, agreement (ThemeAgreement), percent (0-100), disagreements


def agreement_for(*, exercise: AgreementExercise) -> AgreementResult:
    """Per theme: the coders' unit sets, where a unit is a speaker turn (Segment) of the
    exercise's sources and a coder 'applied T to U' if any of their codings of T overlaps U.
    Turns of participants excluded by consent are left out of the units."""
    from ..agreement import theme_agreement

    coders = list(exercise.coders.order_by("username"))
    source_ids = list(exercise.sources.values_list("pk", flat=True))
    withheld = {
        w.segment_id
        for turns in withheld_turns(
            source_ids=source_ids, withdrawals=Participant.objects.withdrawals()
        ).values()
        for w in turns
    }
    segments = list(
        Segment.objects.filter(source_id__in=source_ids, end__gt=F("start"))
        .select_related("participant")
        .only("pk", "source_id", "start", "end", "order", "speaker", "participant__pseudonym")
        .order_by("source_id", "start")
    )
    titles = dict(Source.objects.filter(pk__in=source_ids).values_list("pk", "title"))
    units = [s for s in segments if s.pk not in withheld]
    by_source: dict[int, list] = defaultdict(list)
    for s in units:
        by_source[s.source_id].append(s)
    coder_ids = [c.pk for c in coders]
    codings = Coding.objects.filter(source_id__in=source_ids, coder_id__in=coder_ids).values_list(
        "source_id", "start", "end", "theme_id", "coder_id"
    )
    coded: dict[int, dict[int, set[int]]] = defaultdict(lambda: {c: set() for c in coder_ids})
    for source_id, start, end, theme_id, coder_id in codings:
        for seg in by_source.get(source_id, ()):
            if seg.start >= end:
                break
            if seg.end > start:
                coded[theme_id][coder_id].add(seg.pk)
    unit_keys = [s.pk for s in units]
    themes = {t.pk: t for t in Theme.objects.filter(pk__in=list(coded))}
    unit_by_pk = {s.pk: s for s in units}
    names = {c.pk: c.get_username() for c in coders}
    results = []
    for theme_id in sorted(coded, key=lambda pk: (themes[pk].order, themes[pk].name)):
        agreement = theme_agreement(theme_id, unit_keys, coder_ids, coded[theme_id])
        disagreements = []
        for unit in agreement.disagreements:
            seg = unit_by_pk[unit]
            disagreements.append(
                {
                    "source": titles.get(seg.source_id, ""),
                    "source_id": seg.source_id,
                    "start": seg.start,
                    "turn": seg.order + 1,
                    # A mapped speaker by pseudonym, never the transcript's label.
                    "speaker": seg.participant.pseudonym if seg.participant else seg.speaker,
                    "applied": [names[c] for c in coder_ids if unit in coded[theme_id][c]],
                    "not_applied": [names[c] for c in coder_ids if unit not in coded[theme_id][c]],
                }
            )
        results.append(
            {
                "theme": themes[theme_id],
                "agreement": agreement,
                "percent": None if agreement.percent is None else 100 * agreement.percent,
                "disagreements": disagreements,
            }
        )
    return AgreementResult(exercise, coders, len(units), len(segments) - len(units), results)
