"""Reads for the themes app. Every list runs a constant number of queries, whatever the data.

Visibility: a user sees codings of the sites `Site.objects.visible_to(user)` returns, less
those an open blind exercise hides from them (`blind_filter`: on its sources, a coder in it
sees only their own), in every output but the agreement page, which compares.
Consent: every output (dashboard, retrieval, exports, agreement, excerpt search) goes through
`consent_filter`, computed per request from the consent history.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Substr

from fieldwork.consent import render as render_withheld
from fieldwork.consent import unmapped_q, withheld_turns
from fieldwork.models import Segment, Source
from fieldwork.selectors import phase_for
from sites.access import sees_withdrawn_words
from sites.models import Participant, Profession, ResearchPhase, Site, is_project_lead

from .models import (
    AgreementExercise,
    Coding,
    Memo,
    Theme,
    blind_filter,
    blind_source_ids,
    consent_filter,
    consent_filter_broad,
    excluded_participant_ids,
)
from .rendering import coder_label

CONTEXT_CHARS = 300


# --- filters ----------------------------------------------------------------------------


@dataclass
class ExcerptFilters:
    """What the dashboard, retrieval and exports can be narrowed by. Empty means 'all'."""

    sites: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    phases: list[int] = field(default_factory=list)  # phase numbers
    professions: list[int] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    coders: list[int] = field(default_factory=list)
    participant: int | None = None
    q: str = ""

    def as_q(self, phases: list[ResearchPhase]) -> Q:
        condition = Q()
        if self.sites:
            condition &= Q(site_id__in=self.sites)
        if self.kinds:
            condition &= Q(source__kind__in=self.kinds)
        if self.phases:
            wanted = Q(pk__in=[])
            for phase in phases:
                if phase.number in self.phases:
                    wanted |= Q(source__date__range=(phase.start, phase.end))
            condition &= wanted
        if self.professions:
            condition &= Q(participant__profession_id__in=self.professions)
        if self.levels:
            condition &= Q(participant__level__in=self.levels)
        if self.coders:
            condition &= Q(coder_id__in=self.coders)
        if self.participant:
            condition &= Q(participant_id=self.participant)
        return condition


def phase_case(phases: list[ResearchPhase]) -> Case:
    """SQL expression: the phase number of the coding's source (0 when undated/outside)."""
    return Case(
        *[When(source__date__range=(p.start, p.end), then=Value(p.number)) for p in phases],
        default=Value(0),
        output_field=IntegerField(),
    )


def visible_site_list(user) -> list[Site]:
    return list(Site.objects.visible_to(user).order_by("name"))


def _visible(qs: QuerySet, user, sites: list[Site] | None = None) -> QuerySet:
    """`Coding.objects.visible_to(user)` (site scope, then blind exercises), with the sites
    already read when the caller has them."""
    qs = qs.filter(blind_filter(user))
    if is_project_lead(user):
        return qs
    if sites is None:
        return qs.filter(site__in=Site.objects.visible_to(user))
    return qs.filter(site_id__in=[s.pk for s in sites])


def coder_choices(*, user, sites: list[Site] | None = None) -> list[tuple[int, str]]:
    """The coders whose codings `user` may see (their sites, less those an open blind
    exercise hides), by name: the coders filter offers no one else. One query (two without
    `sites`, the user's sites if already read: given as ids, each coder's test is a probe of
    the (site, coder) index)."""
    User = get_user_model()
    if sites is None:
        sites = visible_site_list(user)
    visible = _visible(Coding.objects.all(), user, sites).filter(coder_id=OuterRef("pk"))
    users = User.objects.filter(Exists(visible)).order_by("username")
    return [(u.pk, u.get_full_name() or u.get_username()) for u in users]


# --- codebook ---------------------------------------------------------------------------


@dataclass
class ThemeNode:
    theme: Theme
    depth: int
    count: int  # visible, consented codings of this theme
    total: int  # ... of it and its sub-themes
    path: str


def codebook_tree(
    *, user, include_retired: bool = True, counts: dict[int, int] | None = None
) -> list[ThemeNode]:
    """The codebook in tree order with counts of visible, consented codings (pass `counts`
    to reuse figures already computed, or {} when none are needed)."""
    themes = list(Theme.objects.all())
    if counts is None:
        counts = dict(
            _visible(Coding.objects.all(), user)
            .filter(consent_filter_broad(excluded_participant_ids()))
            .values("theme_id")
            .annotate(n=Count("pk"))
            .values_list("theme_id", "n")
        )
    children: dict[int | None, list[Theme]] = defaultdict(list)
    for theme in themes:
        children[theme.parent_id].append(theme)
    nodes: list[ThemeNode] = []

    def visit(parent_id, depth, prefix) -> int:
        subtotal = 0
        for theme in sorted(children.get(parent_id, []), key=lambda t: (t.order, t.name.lower())):
            path = f"{prefix} › {theme.name}" if prefix else theme.name
            node = ThemeNode(theme, depth, counts.get(theme.pk, 0), 0, path)
            if include_retired or not theme.retired:
                nodes.append(node)
            node.total = node.count + visit(theme.pk, depth + 1, path)
            subtotal += node.total
        return subtotal

    visit(None, 0, "")
    return nodes


def theme_recent_ids(*, user, limit: int = 8) -> list[int]:
    """Themes the user applied most recently, newest first (reads the last 200 codings)."""
    recent: list[int] = []
    for theme_id in (
        Coding.objects.filter(coder=user).order_by("-created_at").values_list("theme_id", flat=True)
    )[:200]:
        if theme_id not in recent:
            recent.append(theme_id)
            if len(recent) == limit:
                break
    return recent


# --- coding workspace -------------------------------------------------------------------


def blind_exercises_of(*, user) -> list[AgreementExercise]:
    """The open blind exercises in which `user` codes: while they last, other coders' work on
    their sources is left out of what the user sees (`blind_filter`)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        AgreementExercise.objects.filter(coders=user, blind=True, closed=False).order_by("name")
    )


def blind_exercise_for(*, source: Source, user) -> AgreementExercise | None:
    """The open blind exercise in which `user` codes `source`, if any."""
    return AgreementExercise.objects.filter(
        sources=source, coders=user, blind=True, closed=False
    ).first()


@dataclass(slots=True)
class WorkspaceCoding:
    """A coding as the workspace shows it: the fields of `Coding` that `turns_html` and
    `coding_payload` read, with its theme and coder (plain rows: a source may carry hundreds
    of codings and building model instances was a third of the page's time)."""

    pk: int
    theme_id: int
    coder_id: int | None
    start: int
    end: int
    memo: str
    needs_review: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    theme: Theme
    coder: object | None


def source_codings(
    *,
    source: Source,
    user,
    blind: bool,
    span: tuple[int, int] | None = None,
    pks: list[int] | None = None,
) -> list[WorkspaceCoding]:
    """The codings of `source` (only those overlapping `span`, a `[start, end)` range, or
    among `pks`, when given) with theme and coder attached, in text order; one query. The
    few distinct themes and coders are built once each, not once per row."""
    # `blind` (from `blind_exercise_for`) applies the one blind rule to this source alone.
    qs = Coding.objects.filter(source=source).unblinded_for(user, [source.pk] if blind else [])
    if span is not None:
        qs = qs.filter(start__lt=span[1], end__gt=span[0])
    if pks is not None:
        qs = qs.filter(pk__in=pks)
    rows = qs.order_by("start", "end", "pk").values_list(
        "pk",
        "theme_id",
        "coder_id",
        "start",
        "end",
        "memo",
        "needs_review",
        "created_at",
        "updated_at",
        "theme__name",
        "theme__colour",
        "coder__username",
        "coder__first_name",
        "coder__last_name",
    )
    user_model = Coding._meta.get_field("coder").related_model
    themes: dict[int, Theme] = {}
    coders: dict[int | None, object | None] = {None: None}
    codings = []
    for *fields, theme_name, colour, username, first_name, last_name in rows:
        theme_id, coder_id = fields[1], fields[2]
        theme = themes.get(theme_id)
        if theme is None:
            theme = themes[theme_id] = Theme(pk=theme_id, name=theme_name, colour=colour)
        if coder_id not in coders:
            coders[coder_id] = user_model(
                pk=coder_id, username=username, first_name=first_name, last_name=last_name
            )
        # `fields` are the row's leading columns, in WorkspaceCoding's field order.
        codings.append(WorkspaceCoding(*fields, theme, coders[coder_id]))  # type: ignore[call-arg]
    return codings


# --- retrieval --------------------------------------------------------------------------


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


# --- dashboard --------------------------------------------------------------------------

MEASURES = {
    "excerpts": "coded passages",
    "sources": "sources",
    "participants": "participants",
}


# What each measure counts, stated on the page.
MEASURE_UNITS = {
    "excerpts": "distinct passages (source and character range) per theme: words coded with "
    "the same theme by several coders count once",
    "sources": "distinct sources with at least one passage coded with the theme",
    "participants": "distinct participants speaking in the passages coded with the theme",
}


class DistinctPassages(Aggregate):
    """COUNT of distinct (source, start, end): a passage several coders coded counts once."""

    function = "COUNT"
    output_field = IntegerField()

    def __init__(self, **extra) -> None:
        super().__init__(F("source_id"), F("start"), F("end"), **extra)

    def as_sql(
        self, compiler, connection, function=None, template=None, arg_joiner=None, **extra_context
    ):
        # SQLite's COUNT(DISTINCT ...) takes one argument: count the joined text.
        return super().as_sql(
            compiler,
            connection,
            function=function,
            template="COUNT(DISTINCT %(expressions)s)",
            arg_joiner=" || ',' || ",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        # A row value: no text is built for each coding.
        return super().as_sql(
            compiler, connection, template="COUNT(DISTINCT (%(expressions)s))", **extra_context
        )


@dataclass
class DashboardRow:
    node: ThemeNode
    cells: list[int]  # one per site, in `sites` order
    by_phase: list[int]  # one per phase, then undated last
    total: int


@dataclass
class Dashboard:
    sites: list[Site]
    phases: list[ResearchPhase]
    rows: list[DashboardRow]
    measure: str
    maximum: int
    all_sites: bool
    undated: bool


def dashboard_data(
    *,
    user,
    filters: ExcerptFilters,
    measure: str = "excerpts",
    sites: list[Site] | None = None,
    phases: list[ResearchPhase] | None = None,
) -> Dashboard:
    """Themes × sites and themes × phases from one GROUP BY (theme, site, phase) query, or
    two for the participant measure (distinct participants do not add up across phases)."""
    sites = visible_site_list(user) if sites is None else sites
    phases = list(ResearchPhase.objects.all()) if phases is None else phases
    excluded = excluded_participant_ids()
    # A lead sees every site: no site test, which would only make the planner's estimate
    # worse (it then walks the site index instead of scanning). Rows of sites not in `sites`
    # are skipped below, so a lead's caller may still pass fewer sites.
    base = (
        _visible(Coding.objects.all(), user, sites)
        .filter(consent_filter_broad(excluded))
        .filter(filters.as_q(phases))
    )
    aggregate = {
        "excerpts": DistinctPassages(),
        "sources": Count("source_id", distinct=True),
        "participants": Count("participant_id", distinct=True),
    }[measure]
    grouped = (
        base.annotate(phase=phase_case(phases))
        .values("theme_id", "site_id", "phase")
        .annotate(n=aggregate)
        .order_by()
        .values_list("theme_id", "site_id", "phase", "n")
    )
    site_index = {s.pk: i for i, s in enumerate(sites)}
    phase_index = {p.number: i for i, p in enumerate(phases)}
    phase_index[0] = len(phases)
    cells: dict[int, list[int]] = defaultdict(lambda: [0] * len(sites))
    by_phase: dict[int, list[int]] = defaultdict(lambda: [0] * (len(phases) + 1))
    for theme_id, site_id, phase, n in grouped:
        if site_id not in site_index:
            continue
        # Sources and excerpts belong to one site and one phase, so these sums are exact;
        # so are participants over sites (a participant belongs to one site).
        cells[theme_id][site_index[site_id]] += n
        by_phase[theme_id][phase_index[phase]] += n
    if measure == "participants":
        cells = defaultdict(lambda: [0] * len(sites))
        for theme_id, site_id, n in (
            base.values("theme_id", "site_id")
            .annotate(n=aggregate)
            .order_by()
            .values_list("theme_id", "site_id", "n")
        ):
            if site_id in site_index:
                cells[theme_id][site_index[site_id]] = n
    rows = []
    for node in codebook_tree(user=user, counts={k: sum(v) for k, v in cells.items()}):
        theme = node.theme
        if theme.retired and theme.pk not in cells:
            continue
        row_cells = cells.get(theme.pk, [0] * len(sites))
        rows.append(
            DashboardRow(
                node,
                row_cells,
                by_phase.get(theme.pk, [0] * (len(phases) + 1)),
                sum(row_cells),
            )
        )
    maximum = max((max(r.cells, default=0) for r in rows), default=0)
    undated = any(r.by_phase[-1] for r in rows)
    return Dashboard(sites, phases, rows, measure, maximum, is_project_lead(user), undated)


def unmapped_coded_turns(*, user, sites: list[Site]) -> int:
    """How many coded turns (overlapped by a coding the user may see) have a speaker label
    mapped to no participant: their words escape the consent exclusion, so the dashboard
    says how many there are. One query; unmapped turns are few, each probes the codings'
    (source, start) index."""
    coded = Coding.objects.filter(
        source_id=OuterRef("source_id"), start__lt=OuterRef("end"), end__gt=OuterRef("start")
    )
    turns = Segment.objects.filter(unmapped_q())
    if not is_project_lead(user):
        turns = turns.filter(source__site_id__in=[s.pk for s in sites])
    return turns.filter(Exists(coded)).count()


def cooccurrence(
    *, user, filters: ExcerptFilters, phases: list[ResearchPhase], sites: list[Site]
) -> dict[tuple[int, int], int]:
    """(theme a, theme b) with a < b -> number of pairs of their codings on overlapping text.

    Each overlapping pair is found once: b starts inside a (ties broken by id). The filtered
    codings are materialised once with what the join needs (no ordering: the default one
    would sort them all); each a finds its b's through the (source, start) index, and b's
    membership of the filtered set is a hash join on id (ids are unique, so no de-duplication
    as `IN` would need)."""
    base = (
        Coding.objects.filter(site_id__in=[s.pk for s in sites])
        .filter(blind_filter(user))
        .filter(consent_filter_broad(excluded_participant_ids()))
        .filter(filters.as_q(phases))
        .order_by()
        .values("pk", "source_id", "theme_id", "start", "end")
    )
    sub_sql, params = base.query.sql_with_params()
    table = Coding._meta.db_table
    if connection.vendor == "postgresql":
        # LATERAL with OFFSET 0 (not flattened into a plain join) pins the plan: one index
        # range per a. Left to itself, the planner may pick a hash join on source_id, which
        # tests every pair of codings of a source (17 million at the large scale).
        pairs = f"""
            CROSS JOIN LATERAL (
                SELECT b.id, b.theme_id FROM {table} b
                WHERE b.source_id = a.source_id
                  AND b.start >= a.start AND b.start < a."end"
                  AND (b.start > a.start OR b.id > a.id)
                  AND b.theme_id <> a.theme_id
                OFFSET 0
            ) b"""  # noqa: S608 - only the model's table name; values go in as params
        materialized = "MATERIALIZED"
    else:
        pairs = f"""
            JOIN {table} b ON b.source_id = a.source_id
                 AND b.start >= a.start AND b.start < a."end"
                 AND (b.start > a.start OR b.id > a.id)
                 AND b.theme_id <> a.theme_id"""
        materialized = ""
    sql = f"""
        WITH f(id, source_id, theme_id, start, "end") AS {materialized} ({sub_sql})
        SELECT a.theme_id, b.theme_id, COUNT(*)
        FROM f a {pairs}
        JOIN f fb ON fb.id = b.id
        GROUP BY a.theme_id, b.theme_id
    """  # noqa: S608 - the ORM's own SQL for `base`, whose values go in as `params`
    result: dict[tuple[int, int], int] = defaultdict(int)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for a, b, n in cursor.fetchall():
            result[(min(a, b), max(a, b))] += n
    return dict(result)


def cooccurrence_passages(
    *, user, filters: ExcerptFilters, phases: list[ResearchPhase], theme_ids: tuple[int, int]
) -> QuerySet:
    """The passages behind one co-occurrence cell: those of either theme overlapping a
    passage of the other, both visible to the user, consented and within the filters (the
    codings the matrix counted), as rows of `passages`."""
    codings = (
        _visible(Coding.objects.all(), user)
        .filter(consent_filter(excluded_participant_ids()))
        .filter(filters.as_q(phases))
    )
    a, b = theme_ids

    def overlaps(theme_id: int) -> Exists:
        return Exists(
            codings.filter(
                theme_id=theme_id,
                source_id=OuterRef("source_id"),
                start__lt=OuterRef("end"),
                end__gt=OuterRef("start"),
            )
        )

    return passages(codings.filter((Q(theme_id=a) & overlaps(b)) | (Q(theme_id=b) & overlaps(a))))


# --- memos ------------------------------------------------------------------------------


def site_memos(*, site: Site, user) -> tuple[list[Memo], list[Coding]]:
    """The site's source memos and coding memos `user` may see (blind exercises apply)."""
    blind_sources = blind_source_ids(user)
    memos = list(
        Memo.objects.filter(site=site)
        .unblinded_for(user, blind_sources)
        .select_related("source", "author")
        .order_by("-created_at")
    )
    coding_memos = list(
        Coding.objects.filter(site=site)
        .unblinded_for(user, blind_sources)
        .exclude(memo="")
        .select_related("source", "theme", "coder")
        .defer("source__text")
        .order_by("-updated_at")[:500]
    )
    return memos, coding_memos


# --- agreement --------------------------------------------------------------------------


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
    from .agreement import theme_agreement

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
