"""Consent at the level of the text: which turns are withheld, and what each reader sees.

A turn (`Segment`) is withheld when its speaker, or any participant a researcher attributed
the paragraph to (`SegmentAttribution`), is excluded by consent
(`Participant.objects.withdrawals()`, computed per request, never stored). Every view of the
text asks here: the source page, the coding workspace, retrieval context, search, and (through
`themes.models.consent_filter`) every output. Leads see withheld words marked; every other
role sees `[withdrawn: participant withdrew on DATE]` in their place.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Segment, SegmentAttribution


def withheld_q(excluded_ids: Iterable[int]) -> Q:
    """Q on `Segment`: turns spoken by, or attributed to, one of `excluded_ids`.

    Two index paths, no join: the speaker's (participant, source, start, end) index and the
    attributions' (participant, segment) index, both starting from the few excluded ids."""
    ids = list(excluded_ids)
    attributed = SegmentAttribution.objects.filter(participant_id__in=ids).values("segment_id")
    return Q(participant_id__in=ids) | Q(pk__in=attributed)


def unmapped_q(prefix: str = "") -> Q:
    """Q on `Segment` (through `prefix`, e.g. "segments__"): a turn whose speaker label is
    mapped to nobody. Its words escape every consent check, so pages flag it."""
    return (
        ~Q(**{f"{prefix}speaker": ""})
        & Q(**{f"{prefix}participant__isnull": True})
        & Q(**{f"{prefix}researcher__isnull": True})
    )


def consented_segments(
    segments: QuerySet[Segment], excluded_ids: Iterable[int], *, keep: Q | None = None
) -> QuerySet:
    """`segments` without the withheld turns, except those matching `keep` (a lead's sites),
    from a plain id list and an uncorrelated subquery: a correlated consent subquery inside
    a full-text query is re-run for every match."""
    ids = list(excluded_ids)
    if not ids:
        return segments
    withheld = withheld_q(ids)
    if keep is not None:
        withheld &= ~keep
    return segments.exclude(withheld)


@dataclass(frozen=True)
class Withheld:
    """A withheld turn: where it is, and the date of the withdrawal that withholds it."""

    segment_id: int
    source_id: int
    start: int
    end: int
    date: datetime.date | None

    @property
    def marker(self) -> str:
        return withdrawn_marker(self.date)


def withdrawn_marker(date: datetime.date | None) -> str:
    """The words every role below lead sees in place of a withdrawn participant's words."""
    if date is None:
        return "[withdrawn: participant withdrew consent]"
    return f"[withdrawn: participant withdrew on {date.day} {date:%B %Y}]"


def withheld_turns(
    *,
    source_ids: Iterable[int],
    withdrawals: dict[int, datetime.date],
    span: tuple[int, int] | None = None,
) -> dict[int, list[Withheld]]:
    """source id -> its withheld turns (only those overlapping `span` when given), in text
    order. One query; none when nobody has withdrawn."""
    source_ids = list(source_ids)
    if not withdrawals or not source_ids:
        return {}
    rows = Segment.objects.filter(source_id__in=source_ids).filter(withheld_q(withdrawals))
    if span is not None:
        rows = rows.filter(start__lt=span[1], end__gt=span[0])
    found: dict[int, Withheld] = {}
    for pk, source_id, start, end, speaker_id, attributed_id in rows.order_by().values_list(
        "pk", "source_id", "start", "end", "participant_id", "attributions__participant_id"
    ):
        dates = [withdrawals[p] for p in (speaker_id, attributed_id) if p in withdrawals]
        earlier = found.get(pk)
        if earlier is not None:
            dates.append(earlier.date)
        known = [d for d in dates if d is not None]
        found[pk] = Withheld(pk, source_id, start, end, max(known) if known else None)
    by_source: dict[int, list[Withheld]] = {}
    for withheld in sorted(found.values(), key=lambda w: (w.source_id, w.start)):
        by_source.setdefault(withheld.source_id, []).append(withheld)
    return by_source


def split(text: str, offset: int, withheld: list[Withheld]) -> list[tuple[str, Withheld | None]]:
    """`text`, which starts at `offset` of its source, cut into plain pieces and the pieces
    lying in withheld turns."""
    pieces: list[tuple[str, Withheld | None]] = []
    position = offset
    end = offset + len(text)
    for turn in withheld:
        if turn.end <= position or turn.start >= end:
            continue
        a, b = max(turn.start, position), min(turn.end, end)
        if a > position:
            pieces.append((text[position - offset : a - offset], None))
        pieces.append((text[a - offset : b - offset], turn))
        position = b
    if position < end:
        pieces.append((text[position - offset :], None))
    return pieces


def redact(text: str, offset: int, withheld: list[Withheld]) -> str:
    """Plain text with each withheld piece replaced by the withdrawal marker."""
    if not withheld:
        return text
    return "".join(t.marker if t else piece for piece, t in split(text, offset, withheld))


def render(text: str, offset: int, withheld: list[Withheld], *, marked: bool) -> SafeString:
    """Escaped HTML of `text`: withheld pieces marked (for leads) or replaced by the marker."""
    out = []
    for piece, turn in split(text, offset, withheld):
        if turn is None:
            out.append(escape(piece))
        elif marked:
            out.append(
                f'<mark class="withdrawn-words" title="{escape(turn.marker)}">{escape(piece)}'
                f'<span class="visually-hidden"> {escape(turn.marker)}</span></mark>'
            )
        else:
            out.append(f'<span class="withdrawn-marker">{escape(turn.marker)}</span>')
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped
