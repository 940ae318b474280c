"""What the coding workspace shows, gathered by one selector: a source's turns (with their
speakers and consent marks), the codings the user may see on them (the blind rule applied),
and, for the full page, the codebook's codable themes, the user's recent themes and the
source's memos. `themes.rendering` draws a `Workspace`; the views call `source_workspace`
once and a renderer once.

Its parts:
- the whole source (the coding page, the turns fragment, the page after a deletion or a memo);
- the turns a new coding overlaps (`span`), with every coding on them, so the page swaps
  those turns in by id (re-rendering every turn of a long source was most of the request's
  time);
- only the codings `pks` the panel asks for, without turns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fieldwork.consent import Withheld, withheld_turns
from fieldwork.models import Segment, Source
from sites.access import SiteAccess
from sites.models import Participant, Profession

from .models import AgreementExercise, Memo
from .rendering import Turn
from .selectors import (
    WorkspaceCoding,
    blind_exercise_for,
    codebook_tree,
    source_codings,
    theme_recent_ids,
)


@dataclass
class Workspace:
    source: Source
    access: SiteAccess
    exercise: AgreementExercise | None
    codings: list[WorkspaceCoding]
    turns: list[Turn] = field(default_factory=list)
    # The source's withheld turns, for redacting the panel's quotes: empty for a reader who
    # sees withdrawn words (a lead), and for the turns around a new coding (none withheld).
    withheld: list[Withheld] = field(default_factory=list)
    # The full page only.
    themes: list[dict] = field(default_factory=list)
    recent_ids: list[int] = field(default_factory=list)
    memos: list[Memo] = field(default_factory=list)

    @property
    def sees_withdrawn(self) -> bool:
        return self.access.sees_withdrawn_words


def _withheld(source: Source, span: tuple[int, int] | None = None) -> list[Withheld]:
    """The source's withheld turns (`fieldwork.consent`), overlapping `span` when given."""
    withdrawals = Participant.objects.withdrawals()
    return withheld_turns(source_ids=[source.pk], withdrawals=withdrawals, span=span).get(
        source.pk, []
    )


def _turns(
    source: Source, span: tuple[int, int] | None = None, withheld: list[Withheld] | None = None
) -> list[Turn]:
    """The source's turns (only those overlapping `span` when given) with their speakers,
    read as plain rows: one query, and the few participants built once each."""
    qs = Segment.objects.filter(source=source)
    if span is not None:
        qs = qs.filter(start__lt=span[1], end__gt=span[0])
    withheld_by_pk = {w.segment_id: w for w in withheld or ()}
    participants: dict = {None: None}
    turns = []
    for pk, order, start, end, speaker, participant_id, pseudonym, profession in qs.values_list(
        "pk",
        "order",
        "start",
        "end",
        "speaker",
        "participant_id",
        "participant__pseudonym",
        "participant__profession__name",
    ):
        if participant_id not in participants:
            participants[participant_id] = Participant(
                pk=participant_id, pseudonym=pseudonym, profession=Profession(name=profession)
            )
        turns.append(
            Turn(order, start, end, speaker, participants[participant_id], withheld_by_pk.get(pk))
        )
    turns = sorted((t for t in turns if t.end > t.start), key=lambda t: t.start)
    if span is None and not turns and source.text:
        # A source without turns is one whole-text turn; only the turns asked for, never
        # this stand-in, when a span is given.
        turns = [Turn(0, 0, len(source.text), "", None)]
    return turns


def _codebook_choices(user) -> list[dict]:
    """The codable themes the page offers, in codebook order."""
    return [
        {
            "id": n.theme.pk,
            "name": n.theme.name,
            "path": n.path,
            "definition": n.theme.definition,
            "colour": n.theme.colour,
        }
        for n in codebook_tree(user=user, include_retired=False, counts={})
        if n.theme.codable
    ]


def source_workspace(
    *,
    source: Source,
    user,
    access: SiteAccess,
    page: bool = False,
    span: tuple[int, int] | None = None,
    pks: list[int] | None = None,
) -> Workspace:
    """What the workspace shows of `source` to `user` (with `access` from
    `get_source_for_coding`): the whole source by default, plus the page's theme choices and
    memos when `page`; the turns overlapping `span` with every coding on them; or only the
    codings among `pks`, without turns."""
    exercise = blind_exercise_for(source=source, user=user)
    blind = bool(exercise)
    if pks is not None:
        codings = source_codings(source=source, user=user, blind=blind, pks=pks)
        withheld = [] if access.sees_withdrawn_words else _withheld(source)
        return Workspace(source, access, exercise, codings, withheld=withheld)
    if span is not None:
        # A new coding never overlaps a withheld turn (the service refuses it), so the turns
        # re-rendered here carry none.
        turns = _turns(source, span) or _turns(source)
        codings = (
            source_codings(
                source=source, user=user, blind=blind, span=(turns[0].start, turns[-1].end)
            )
            if turns
            else []
        )
        return Workspace(source, access, exercise, codings, turns)
    codings = source_codings(source=source, user=user, blind=blind)
    withheld = _withheld(source)
    turns = _turns(source, withheld=withheld)
    ws = Workspace(source, access, exercise, codings, turns)
    if not access.sees_withdrawn_words:
        ws.withheld = withheld
    if page:
        ws.themes = _codebook_choices(user)
        ws.recent_ids = theme_recent_ids(user=user)
        ws.memos = list(source.memos.unblinded_for(user).select_related("author"))
    return ws
