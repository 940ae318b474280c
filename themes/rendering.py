"""HTML for the coding workspace's turns, built in Python for speed (a source may carry
hundreds of codings; the template engine would spend most of the page's time here).

Each turn: `<article class="turn" id="turn-<order>" data-start data-end>` with the turn's text
in `.turn-text`, split into plain text and `<span class="coded">` pieces. The text nodes
inside `.turn-text` concatenate to exactly `source.text[start:end]`, so the browser can map a
selection to code-point offsets by walking them.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from fieldwork.models import Segment, Source

from .models import Coding


@dataclass
class Turn:
    order: int
    start: int
    end: int
    speaker: str
    participant: object | None


def source_turns(source: Source, segments: list[Segment]) -> list[Turn]:
    turns = [
        Turn(s.order, s.start, s.end, s.speaker, s.participant)
        for s in sorted(segments, key=lambda s: s.start)
        if s.end > s.start
    ]
    if not turns and source.text:
        turns = [Turn(0, 0, len(source.text), "", None)]
    return turns


def _stripe(coding: Coding) -> str:
    return format_html(
        '<li><button type="button" class="stripe" data-coding="{}" '
        'style="border-left-color: {}" title="{} by {}">{}{}</button></li>',
        coding.pk,
        coding.theme.colour,
        coding.theme.name,
        coding.coder or "—",
        coding.theme.name,
        mark_safe(' <span class="badge text-bg-warning">review</span>')
        if coding.needs_review
        else "",
    )


def turns_html(source: Source, turns: list[Turn], codings: list[Coding]) -> SafeString:
    text = source.text
    codings = sorted(codings, key=lambda c: (c.start, c.end))
    starts = [c.start for c in codings]
    out: list[str] = []
    for turn in turns:
        # Codings overlapping the turn: start < turn.end and end > turn.start.
        hi = bisect_left(starts, turn.end)
        here = [c for c in codings[:hi] if c.end > turn.start]
        cuts = {turn.start, turn.end}
        for c in here:
            cuts.add(max(c.start, turn.start))
            cuts.add(min(c.end, turn.end))
        cuts = sorted(cuts)
        pieces: list[str] = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            active = [c for c in here if c.start <= a and c.end >= b]
            chunk = escape(text[a:b])
            if not active:
                pieces.append(chunk)
                continue
            names = ", ".join(c.theme.name for c in active)
            pieces.append(
                f'<span class="coded depth-{min(len(active), 4)}" '
                f'data-codings="{" ".join(str(c.pk) for c in active)}" '
                f'style="--coding-colour: {escape(active[0].theme.colour)}" '
                f'title="{escape(names)}">{chunk}</span>'
            )
        speaker = escape(turn.speaker or ("Text" if turn.order == 0 else ""))
        if turn.participant is not None:
            speaker = format_html(
                '{} <span class="text-body-secondary small">({})</span>',
                turn.speaker or turn.participant.pseudonym,
                turn.participant.profession.name,
            )
        stripes = "".join(_stripe(c) for c in here)
        out.append(
            f'<article class="turn" id="turn-{turn.order}" data-start="{turn.start}" '
            f'data-end="{turn.end}" tabindex="-1" aria-labelledby="turn-{turn.order}-speaker">'
            f'<div class="turn-body"><p class="turn-speaker" id="turn-{turn.order}-speaker">'
            f"{speaker or 'Turn ' + str(turn.order + 1)}</p>"
            f'<div class="turn-text">{"".join(pieces)}</div></div>'
            f'<div class="turn-margin"><ul class="stripes list-unstyled" '
            f'aria-label="Themes in this turn">{stripes}</ul></div></article>'
        )
    return mark_safe("".join(out))


def coding_payload(coding: Coding, text: str) -> dict:
    quote = text[coding.start : coding.end]
    if len(quote) > 300:
        quote = quote[:300] + "…"
    return {
        "id": coding.pk,
        "theme": coding.theme.name,
        "theme_id": coding.theme_id,
        "colour": coding.theme.colour,
        "coder": (coding.coder.get_full_name() or coding.coder.get_username())
        if coding.coder
        else "—",
        "created": coding.created_at.strftime("%d %b %Y %H:%M"),
        "memo": coding.memo,
        "version": coding.updated_at.isoformat(),
        "start": coding.start,
        "end": coding.end,
        "quote": quote,
        "needs_review": coding.needs_review,
    }
