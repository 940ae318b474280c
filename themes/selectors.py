"""Reads for the themes app. Every list runs a constant number of queries, whatever the data.

Visibility: a user sees codings of the sites `Site.objects.visible_to(user)` returns.
Consent: every output (dashboard, retrieval, exports, agreement, excerpt search) goes through
`consent_filter`, computed per request from the consent history.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Greatest, Substr

from fieldwork.models import Segment, Source
from sites.models import ResearchPhase, Site, is_project_lead

from .models import AgreementExercise, Coding, Memo, Theme, consent_filter, excluded_participant_ids

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


def phase_for(day: datetime.date | None, phases: list[ResearchPhase]) -> ResearchPhase | None:
    if day is None:
        return None
    return next((p for p in phases if p.start <= day <= p.end), None)


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
    if is_project_lead(user):
        return qs
    if sites is None:
        return qs.filter(site__in=Site.objects.visible_to(user))
    return qs.filter(site_id__in=[s.pk for s in sites])


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
            .filter(consent_filter(excluded_participant_ids()))
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


def blind_exercise_for(*, source: Source, user) -> AgreementExercise | None:
    """The open blind exercise in which `user` codes `source`, if any."""
    return AgreementExercise.objects.filter(
        sources=source, coders=user, blind=True, closed=False
    ).first()


def source_codings(*, source: Source, user, blind: bool) -> list[Coding]:
    qs = Coding.objects.filter(source=source).select_related("theme", "coder")
    if blind:
        qs = qs.filter(coder=user)
    return list(qs.order_by("start", "end", "pk"))


# --- retrieval --------------------------------------------------------------------------


def excerpt_queryset(
    *,
    user,
    filters: ExcerptFilters,
    phases: list[ResearchPhase],
    theme_ids: list[int] | None = None,
    excluded_ids: list[int] | None = None,
) -> QuerySet:
    """Coded excerpts the user may see, consent applied, ordered by site, source date,
    source, offset. A light queryset (ids and sort keys only): page it, then load the page
    with `excerpt_details`, so quotes are cut from the source text for that page only (cutting
    them for every match before the sort would decompress every source text)."""
    if excluded_ids is None:
        excluded_ids = excluded_participant_ids()
    qs = _visible(Coding.objects.all(), user).filter(consent_filter(excluded_ids))
    if theme_ids is not None:
        qs = qs.filter(theme_id__in=theme_ids)
    qs = qs.filter(filters.as_q(phases))
    if filters.q:
        qs = qs.annotate(
            quote=Substr("source__text", F("start") + 1, F("end") - F("start"))
        ).filter(quote__icontains=filters.q)
    return qs.order_by(
        "site__name", F("source__date").asc(nulls_last=True), "source_id", "start", "pk"
    ).values_list("pk", flat=True)


def excerpt_details(ids: list[int]) -> list[Coding]:
    """The codings `ids` with quote, context and speaker, in the order given (one query)."""
    first_speaker = Segment.objects.filter(
        source_id=OuterRef("source_id"), start__lt=OuterRef("end"), end__gt=OuterRef("start")
    ).order_by("start")
    context_start = Greatest(F("start") - CONTEXT_CHARS, Value(0))
    # One cut per row (context, quote, context), split in Python: each cut decompresses the
    # whole source text, so three separate Substr()s cost three times as much.
    qs = Coding.objects.filter(pk__in=list(ids)).annotate(
        window_start=context_start,
        window=Substr("source__text", context_start + 1, F("end") + CONTEXT_CHARS - context_start),
        speaker_label=Subquery(first_speaker.values("speaker")[:1]),
    )
    rows = qs.select_related("site", "theme", "coder", "participant__profession", "source").defer(
        "source__text"
    )
    by_pk = {}
    for c in rows:
        head, tail = c.start - c.window_start, c.end - c.window_start
        c.before, c.quote, c.after = c.window[:head], c.window[head:tail], c.window[tail:]
        by_pk[c.pk] = c
    return [by_pk[pk] for pk in ids if pk in by_pk]


@dataclass
class Excerpt:
    coding: Coding
    phase: ResearchPhase | None

    @property
    def speaker(self) -> str:
        participant = self.coding.participant
        return participant.pseudonym if participant else (self.coding.speaker_label or "")


def with_phases(ids, phases: list[ResearchPhase]) -> list[Excerpt]:
    """Load the excerpts `ids` (a slice of `excerpt_queryset`) with their phases."""
    return [Excerpt(c, phase_for(c.source.date, phases)) for c in excerpt_details(list(ids))]


# --- dashboard --------------------------------------------------------------------------

MEASURES = {
    "excerpts": "coded excerpts",
    "sources": "sources",
    "participants": "participants",
}


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
    base = (
        Coding.objects.filter(site_id__in=[s.pk for s in sites])
        .filter(consent_filter(excluded))
        .filter(filters.as_q(phases))
    )
    aggregate = {
        "excerpts": Count("pk"),
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


def cooccurrence(
    *, user, filters: ExcerptFilters, phases: list[ResearchPhase], sites: list[Site]
) -> dict[tuple[int, int], int]:
    """(theme a, theme b) with a < b -> number of pairs of their codings on overlapping text.

    Each overlapping pair is found once: b starts inside a (ties broken by id). The self-join
    uses the (source, start) index for the range."""
    base = (
        Coding.objects.filter(site_id__in=[s.pk for s in sites])
        .filter(consent_filter(excluded_participant_ids()))
        .filter(filters.as_q(phases))
        .values("pk")
    )
    sub_sql, params = base.query.sql_with_params()
    table = Coding._meta.db_table
    sql = f"""
        WITH f(coding_id) AS MATERIALIZED ({sub_sql})
        SELECT a.theme_id, b.theme_id, COUNT(*)
        FROM {table} a
        JOIN {table} b ON b.source_id = a.source_id
             AND b.start >= a.start AND b.start < a."end"
             AND (b.start > a.start OR b.id > a.id)
             AND b.theme_id <> a.theme_id
        WHERE a.id IN (SELECT f.coding_id FROM f) AND b.id IN (SELECT f.coding_id FROM f)
        GROUP BY a.theme_id, b.theme_id
    """
    if connection.vendor != "postgresql":
        sql = sql.replace(" AS MATERIALIZED ", " AS ")
    result: dict[tuple[int, int], int] = defaultdict(int)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for a, b, n in cursor.fetchall():
            result[(min(a, b), max(a, b))] += n
    return dict(result)


# --- memos ------------------------------------------------------------------------------


def site_memos(*, site: Site) -> tuple[list[Memo], list[Coding]]:
    memos = list(
        Memo.objects.filter(site=site).select_related("source", "author").order_by("-created_at")
    )
    coding_memos = list(
        Coding.objects.filter(site=site)
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
    excluded = set(excluded_participant_ids())
    segments = list(
        Segment.objects.filter(source_id__in=source_ids, end__gt=F("start"))
        .only("pk", "source_id", "start", "end", "order", "speaker", "participant_id")
        .order_by("source_id", "start")
    )
    titles = dict(Source.objects.filter(pk__in=source_ids).values_list("pk", "title"))
    units = [s for s in segments if s.participant_id not in excluded]
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
                    "speaker": seg.speaker,
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
