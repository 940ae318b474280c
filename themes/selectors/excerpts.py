"""Retrieval: coded passages a user may see, with their quotes, context, speakers and phases."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Aggregate,
    Case,
    CharField,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Substr

from fieldwork.consent import render as render_withheld
from fieldwork.consent import withheld_turns
from fieldwork.models import Segment, Source
from fieldwork.selectors import phase_for
from sites.access import sees_withdrawn_words
from sites.models import Participant, Profession, ResearchPhase, Site

from ..models import (
    Coding,
    Theme,
    consent_filter,
    excluded_participant_ids,
)
from ..rendering import coder_label
from .filters import ExcerptFilters, _visible

CONTEXT_CHARS = 300


def excerpt_queryset(
    *,
    user,
    filters: ExcerptFilters,
    phases: list[ResearchPhase],
    theme_ids: list[int] | None = None,
    excluded_ids: list[int] | None = None,
) -> QuerySet:
    """Coded passages the user may see, consent applied, ordered by site, source date,
    source, offset (see `passages`). A light queryset (ids and sort keys only): page it, then
    load the page with `with_phases`, so quotes are cut from the source text for that page
    only (cutting them for every match before the sort would decompress every source text)."""
    if excluded_ids is None:
        excluded_ids = excluded_participant_ids()
    qs = _visible(Coding.objects.all(), user).filter(consent_filter(excluded_ids))
    if theme_ids is not None:
        qs = qs.filter(theme_id__in=theme_ids)
    qs = qs.filter(filters.as_q(phases))
    if filters.q:
        qs = qs.annotate(quote=quote_expression()).filter(quote__icontains=filters.q)
    return passages(qs)


# What makes one passage: the same words of the same source coded with the same theme. Several
# coders applying a theme to the same words make one passage, listed and counted once.
PASSAGE_KEY = ("source_id", "start", "end", "theme_id")


class IdList(Aggregate):
    """The ids of a group's rows, comma-separated, in no particular order."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s::text, ',')",
            **extra_context,
        )


def passages(codings: QuerySet) -> QuerySet:
    """The passages of `codings`, one row each (its key and `members`, the ids of its
    codings comma-separated, for `with_phases`), ordered by site, source date, source,
    offset. Only the codings in `codings` are named, so a filter on coders or consent
    applies to each coder's coding."""
    return (
        codings.values(*PASSAGE_KEY)
        .annotate(members=IdList("pk"))
        .order_by(
            "site__name",
            F("source__date").asc(nulls_last=True),
            "source_id",
            "start",
            "end",
            "theme_id",
        )
    )


class OctetLength(Func):
    """The stored size of a text in bytes (an upper bound of its length in characters);
    PostgreSQL reads it from the TOAST pointer without fetching the text."""

    function = "OCTET_LENGTH"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="LENGTH(CAST(%(expressions)s AS BLOB))", **extra_context
        )


def quote_expression() -> Coalesce:
    """SQL for a coding's quote, `source.text[start:end]`.

    Cutting from `Source.text` reads the whole text up to the cut (PostgreSQL must count
    UTF-8 characters from the start), about 50 KB per coding. A quote inside one speaker turn
    is cut from that turn's `Segment.text` instead (a copy of exactly those characters that
    fieldwork keeps in sync); only a quote spanning turns cuts the source. COALESCE is lazy:
    the source text is only read when no turn holds the whole quote."""
    # The turn starting last at or before the quote (one step of a backward scan of the
    # (source, start) index), used when it holds the whole quote. A turn ending beyond the
    # text cannot be a copy of it: a cheap sanity check, as the byte length of a stored text
    # is known without reading it.
    in_turn = (
        Segment.objects.filter(source_id=OuterRef("source_id"), start__lte=OuterRef("start"))
        .order_by("-start")
        .annotate(
            cut=Case(
                When(
                    end__gte=OuterRef("end"),
                    end__lte=OctetLength(OuterRef("source__text")),
                    then=Substr(
                        "text",
                        OuterRef("start") - F("start") + 1,
                        OuterRef("end") - OuterRef("start"),
                    ),
                ),
                default=None,
            )
        )
    )
    return Coalesce(
        Subquery(in_turn.values("cut")[:1]),
        Substr("source__text", F("start") + 1, F("end") - F("start")),
    )


def excerpt_details(ids: list[int], *, context: bool = False) -> list[ExcerptCoding]:
    """The codings `ids` with quote, speaker and (when `context`) the text around the quote,
    in the order given (one query). Exports need no context, so their quotes come from
    `quote_expression`; the retrieval page cuts quote and context from the source text."""
    overlapping = Segment.objects.filter(
        source_id=OuterRef("source_id"), start__lt=OuterRef("end"), end__gt=OuterRef("start")
    )
    # The first and last turns the quote overlaps (one index probe each through the
    # (source, start) index); their speakers are read in one more query below.
    qs = Coding.objects.filter(pk__in=list(ids)).annotate(
        first_turn=Subquery(overlapping.order_by("start").values("pk")[:1]),
        last_turn=Subquery(overlapping.order_by("-start").values("pk")[:1]),
    )
    if context:
        context_start = Greatest(F("start") - CONTEXT_CHARS, Value(0))
        # One cut per row (context, quote, context), split in Python: three Substr()s of the
        # source text would cost three times as much.
        qs = qs.annotate(
            window_start=context_start,
            window=Substr(
                "source__text", context_start + 1, F("end") + CONTEXT_CHARS - context_start
            ),
        )
    else:
        qs = qs.annotate(quote=quote_expression())
    # Rows as plain values; the few distinct sites, themes, coders, participants and sources
    # are built once each: select_related would build seven model instances per excerpt,
    # which was most of an export's time.
    columns = [
        "pk",
        "source_id",
        "site_id",
        "theme_id",
        "coder_id",
        "participant_id",
        "start",
        "end",
        "memo",
        "needs_review",
        "created_at",
        "first_turn",
        "last_turn",
        "site__name",
        "theme__name",
        "theme__colour",
        "coder__username",
        "participant__pseudonym",
        "participant__level",
        "participant__profession_id",
        "participant__profession__name",
        "source__title",
        "source__kind",
        "source__date",
        "coder__first_name",
        "coder__last_name",
        *(["window_start", "window"] if context else ["quote"]),
    ]
    user_model = Coding._meta.get_field("coder").related_model
    sites: dict[int, Site] = {}
    themes: dict[int, Theme] = {}
    coders: dict[int | None, object | None] = {None: None}
    participants: dict[int | None, Participant | None] = {None: None}
    sources: dict[int, Source] = {}
    by_pk = {}
    for row in qs.order_by().values_list(*columns):
        (
            pk,
            source_id,
            site_id,
            theme_id,
            coder_id,
            participant_id,
            start,
            end,
            memo,
            needs_review,
            created_at,
            first_turn,
            last_turn,
            site_name,
            theme_name,
            theme_colour,
            coder_name,
            pseudonym,
            level,
            profession_id,
            profession_name,
            title,
            kind,
            date,
            first_name,
            last_name,
        ) = row[:26]
        if context:
            window_start, window = row[26:]
            head, tail = start - window_start, end - window_start
            before, quote, after = window[:head], window[head:tail], window[tail:]
        else:
            before, quote, after = "", row[26], ""
        site = sites.get(site_id)
        if site is None:
            site = sites[site_id] = Site(pk=site_id, name=site_name)
        theme = themes.get(theme_id)
        if theme is None:
            theme = themes[theme_id] = Theme(pk=theme_id, name=theme_name, colour=theme_colour)
        if coder_id not in coders:
            coders[coder_id] = user_model(
                pk=coder_id, username=coder_name, first_name=first_name, last_name=last_name
            )
        if participant_id not in participants:
            participants[participant_id] = Participant(
                pk=participant_id,
                pseudonym=pseudonym,
                level=level,
                profession=Profession(pk=profession_id, name=profession_name)
                if profession_id is not None
                else None,
            )
        source = sources.get(source_id)
        if source is None:
            source = sources[source_id] = Source(
                pk=source_id, site_id=site_id, title=title, kind=kind, date=date
            )
        by_pk[pk] = ExcerptCoding(
            pk=pk,
            source_id=source_id,
            site_id=site_id,
            theme_id=theme_id,
            coder_id=coder_id,
            participant_id=participant_id,
            start=start,
            end=end,
            memo=memo,
            needs_review=needs_review,
            created_at=created_at,
            turns=(first_turn, last_turn),
            site=site,
            theme=theme,
            coder=coders[coder_id],
            participant=participants[participant_id],
            source=source,
            before=before,
            quote=quote,
            after=after,
        )
    _attach_turns(by_pk.values(), participants)
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _attach_turns(codings, participants: dict) -> None:
    """Replace each coding's (first, last) turn ids with the turns (one query). A turn mapped
    to a participant is shown by the participant's pseudonym, never its raw label."""
    wanted = {pk for c in codings for pk in c.turns if pk is not None}
    turns: dict[int, TurnRef] = {}
    for pk, order, label, participant_id, pseudonym, level, profession_id, profession in (
        Segment.objects.filter(pk__in=wanted)
        .order_by()
        .values_list(
            "pk",
            "order",
            "speaker",
            "participant_id",
            "participant__pseudonym",
            "participant__level",
            "participant__profession_id",
            "participant__profession__name",
        )
    ):
        if participant_id not in participants:
            participants[participant_id] = Participant(
                pk=participant_id,
                pseudonym=pseudonym,
                level=level,
                profession=Profession(pk=profession_id, name=profession)
                if profession_id is not None
                else None,
            )
        turns[pk] = TurnRef(order + 1, label, participants[participant_id])
    for c in codings:
        first, last = (turns.get(pk) for pk in c.turns)
        c.turns = tuple(t for t in (first, last) if t is not None)
        if first is not None and first.participant is not None:
            c.participant = first.participant  # the turn's current mapping


@dataclass(slots=True)
class TurnRef:
    """A speaker turn as provenance names it: its number (1-based) and speaker."""

    number: int
    label: str
    participant: Participant | None

    @property
    def speaker(self) -> str:
        return self.participant.pseudonym if self.participant is not None else self.label


@dataclass(slots=True)
class ExcerptCoding:
    """A coding as retrieval and exports show it: its fields, its quote (and context), and
    the provenance objects they read (plain rows: building `Coding` instances was most of an
    export's time)."""

    pk: int
    source_id: int
    site_id: int
    theme_id: int
    coder_id: int | None
    participant_id: int | None
    start: int
    end: int
    memo: str
    needs_review: bool
    created_at: datetime.datetime
    turns: tuple  # the first and last turns the quote overlaps (TurnRef), none without turns
    site: Site
    theme: Theme
    coder: object | None
    participant: Participant | None
    source: Source
    before: str
    quote: str
    after: str


@dataclass
class Excerpt:
    """One coded passage: the same words coded with the same theme, by one coder or several.
    `coding` is the first of `codings` (one per coder's coding, oldest first)."""

    coding: ExcerptCoding
    phase: ResearchPhase | None
    codings: list[ExcerptCoding] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.codings:
            self.codings = [self.coding]

    @property
    def speaker(self) -> str:
        """The speakers of the turns the passage overlaps, pseudonyms where mapped."""
        names: list[str] = []
        for turn in self.coding.turns:
            if turn.speaker and turn.speaker not in names:
                names.append(turn.speaker)
        if not names and self.coding.participant is not None:
            names.append(self.coding.participant.pseudonym)
        return ", ".join(names)

    @property
    def turn(self) -> str:
        """'turn 14' or 'turns 14–16'; empty for a source without turns."""
        turns = self.coding.turns
        if not turns:
            return ""
        first, last = turns[0].number, turns[-1].number
        return f"turn {first}" if first == last else f"turns {first}–{last}"

    @property
    def place(self) -> str:
        """Where the passage is, as a reader finds it: 'turn 14, Eileen'."""
        return ", ".join(part for part in (self.turn, self.speaker) if part)

    @property
    def coders(self) -> list[str]:
        names: list[str] = []
        for c in self.codings:
            name = coder_label(c.coder)
            if name not in names:
                names.append(name)
        return names

    @property
    def memos(self) -> list[tuple[str, str]]:
        """(coder, memo) for every coder's memo on the passage."""
        return [(coder_label(c.coder), c.memo) for c in self.codings if c.memo]


def with_phases(
    rows, phases: list[ResearchPhase], *, context: bool = False, user=None
) -> list[Excerpt]:
    """Load the passages `rows` (a slice of `excerpt_queryset`) with their phases;
    `context` adds the text around each quote (the retrieval page shows it, exports do not),
    as HTML in which words of withheld turns are marked for `user` if they lead the
    excerpt's site, else replaced by the withdrawal marker (`fieldwork.consent`). A constant
    number of queries, whatever the number of passages."""
    groups = [sorted(int(pk) for pk in str(row["members"]).split(",")) for row in rows]
    codings = excerpt_details([pk for g in groups for pk in g], context=context)
    if context:
        _consent_context(codings, user)
    loaded = {c.pk: c for c in codings}
    excerpts = []
    for group in groups:
        members = [loaded[pk] for pk in group if pk in loaded]
        if members:
            excerpts.append(Excerpt(members[0], phase_for(members[0].source.date, phases), members))
    return excerpts


def _consent_context(codings: list[ExcerptCoding], user) -> None:
    """The excerpts' context through the consent exclusion: the quote itself is consented
    (`consent_filter`), the words around it may be anyone's. Two queries."""
    withheld = withheld_turns(
        source_ids={c.source_id for c in codings}, withdrawals=Participant.objects.withdrawals()
    )
    for c in codings:
        turns = withheld.get(c.source_id, [])
        marked = sees_withdrawn_words(user, c.site_id)
        c.before = render_withheld(c.before, c.start - len(c.before), turns, marked=marked)
        c.after = render_withheld(c.after, c.end, turns, marked=marked)
