"""Everything the cross-site report prints, gathered from the database into plain values
(`ReportContent`), with the one consent exclusion applied once.

Counts are the dashboard's (`themes.selectors.dashboard_data`, distinct passages); quotes
come through the theme pages' excerpt selectors (`excerpt_queryset`, `with_phases`), so the
same visibility, blind-exercise and consent rules apply. A constant number of queries,
whatever the number of themes and sites (plus a few per agreement exercise in the methods
appendix).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import Least
from django.utils import timezone

from fieldwork.models import SourceKind
from sites.models import Participant, ResearchPhase, Site
from themes.models import Coding, Theme, excluded_codings
from themes.selectors import (
    MEASURE_UNITS,
    AgreementResult,
    ExcerptFilters,
    agreement_for,
    dashboard_data,
    excerpt_queryset,
    with_phases,
)
from workshops.models import (
    Contradiction,
    ContradictionLevel,
    ContradictionStatus,
    Element,
    Experiment,
    ExperimentStatus,
    Workshop,
    WorkshopSeries,
    WorkshopStatus,
)

from . import ReportSelection

Progress = Callable[[str, int], None]

# A quote longer than this is still shown whole, but ranks below shorter ones of the same
# agreement: a report reader takes in a few sentences, not a page.
TELLING_LENGTH = 600
STUDY = (
    "A multi-site study of learning in and for inter-agency working in children's services: "
    "ethnographic fieldwork (observations, interviews, documents) at each site, a series of "
    "Developmental Work Research (Change Laboratory) workshops in which fieldwork excerpts "
    "are mirrored back to practitioners, and cross-site analysis of the emerging themes."
)


def _date(value: datetime.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else "—"


@dataclass
class ThemeRow:
    theme_id: int
    name: str
    path: str
    depth: int
    cells: list[int]  # per site, selected sites' order
    by_phase: list[int]  # per phase, then undated
    total: int


@dataclass
class Quote:
    theme_id: int
    site_id: int
    text: str
    source: str
    source_kind: str
    date: datetime.date | None
    speaker: str
    turn: str
    coders: list[str]
    offsets: str  # "characters 120–348"
    phase: str
    participant_ids: list[int]

    @property
    def date_label(self) -> str:
        return _date(self.date)

    @property
    def provenance(self) -> str:
        parts = [
            self.source,
            self.source_kind,
            self.date_label,
            self.speaker or "speaker not recorded",
            self.turn or "no turns",
            self.offsets,
            "coded by " + ", ".join(self.coders),
        ]
        return " · ".join(p for p in parts if p)


@dataclass
class SiteQuotes:
    site: Site
    quotes: list[Quote]


@dataclass
class ThemeSection:
    row: ThemeRow
    definition: str
    sites: list[SiteQuotes]


@dataclass
class ContradictionRow:
    level: str
    formulation: str
    elements: str
    model: str
    status: str
    since: datetime.date | None
    evidence: int
    experiments: int


@dataclass
class SessionRow:
    series: str
    number: int
    title: str
    date: datetime.date | None
    status: str


@dataclass
class SeriesRow:
    title: str
    planned: int
    sessions: int
    held: int
    written_up: int
    last_held: datetime.date | None
    next_planned: datetime.date | None

    @property
    def progress(self) -> str:
        return f"{self.held} of {self.planned} planned sessions held"


@dataclass
class ExperimentRow:
    title: str
    owner: str
    agreed_in: str
    start: datetime.date | None
    review_date: datetime.date | None
    status: str
    outcome: str


@dataclass
class SiteWork:
    site: Site
    series: list[SeriesRow] = field(default_factory=list)
    sessions: list[SessionRow] = field(default_factory=list)
    contradictions: list[ContradictionRow] = field(default_factory=list)
    experiments: list[ExperimentRow] = field(default_factory=list)


@dataclass
class CoderRow:
    name: str
    codings: int
    passages: int
    sites: int


@dataclass
class AgreementRow:
    site: str
    exercise: str
    closed: bool
    coders: str
    units: int
    theme: str
    percent: float | None
    kappa: float | None
    alpha: float | None


@dataclass
class ReportContent:
    title: str
    generated: datetime.datetime
    study: str
    measure_unit: str
    sites: list[Site]
    phases: list[ResearchPhase]
    phase_labels: list[str]  # per phase column, with "Undated" last when any
    undated: bool
    themes: list[ThemeRow]  # selected themes with passages, codebook order
    empty_themes: list[str]  # selected themes with none
    kinds: list[str]
    selection_lines: list[tuple[str, str]]
    sections: list[ThemeSection]
    site_work: list[SiteWork]
    coders: list[CoderRow]
    agreement: list[AgreementRow]
    excluded_participants: int
    excluded_codings: int
    excerpts_per_site: int
    participant_ids: list[int]
    site_ids: list[int]

    @property
    def site_totals(self) -> list[int]:
        return [sum(r.cells[i] for r in self.themes) for i in range(len(self.sites))]

    @property
    def total(self) -> int:
        return sum(r.total for r in self.themes)

    @property
    def running_header(self) -> str:
        return f"{self.title} · {self.generated:%-d %B %Y}"

    @property
    def is_empty(self) -> bool:
        return not self.themes

    def phase_values(self, row: ThemeRow) -> list[int]:
        return row.by_phase if self.undated else row.by_phase[:-1]


class SelectionError(ValueError):
    """A selection naming what does not exist (a site code, a phase number, a theme)."""


@dataclass
class Resolved:
    sites: list[Site]
    phases: list[ResearchPhase]
    chosen_phases: list[ResearchPhase]
    themes: list[Theme]
    kinds: list[str]


def resolve(selection: ReportSelection) -> Resolved:
    """The selection's objects; `SelectionError` naming anything unknown. Three queries."""
    all_sites = list(Site.objects.order_by("name"))
    if selection.sites:
        by_code = {s.code: s for s in all_sites}
        unknown = [c for c in selection.sites if c not in by_code]
        if unknown:
            raise SelectionError(f"There is no site with code {', '.join(unknown)}.")
        wanted = set(selection.sites)
        sites = [s for s in all_sites if s.code in wanted]
    else:
        sites = all_sites
    phases = list(ResearchPhase.objects.order_by("number"))
    if selection.phases:
        numbers = {p.number for p in phases}
        unknown_phases = [str(n) for n in selection.phases if n not in numbers]
        if unknown_phases:
            raise SelectionError(f"There is no research phase {', '.join(unknown_phases)}.")
    chosen = [p for p in phases if not selection.phases or p.number in selection.phases]
    themes = list(Theme.objects.filter(retired=False, codable=True))
    if selection.themes:
        by_key = {}
        for t in themes:
            by_key[str(t.pk)] = t
            by_key[t.name.lower()] = t
        unknown_themes = [str(k) for k in selection.themes if str(k).lower() not in by_key]
        if unknown_themes:
            raise SelectionError(f"There is no codable theme {', '.join(unknown_themes)}.")
        ids = {by_key[str(k).lower()].pk for k in selection.themes}
        themes = [t for t in themes if t.pk in ids]
    kinds = list(selection.kinds)
    unknown_kinds = [k for k in kinds if k not in SourceKind.values]
    if unknown_kinds:
        raise SelectionError(
            f"There is no source kind {', '.join(unknown_kinds)} "
            f"(choose from {', '.join(SourceKind.values)})."
        )
    return Resolved(sites, phases, chosen, themes, kinds)


def report_content(
    selection: ReportSelection, *, user, progress: Progress | None = None
) -> ReportContent:
    """The report for `selection` as `user` (a project lead) sees it."""
    step = progress or (lambda _step, _percent: None)
    step("Reading the selection", 2)
    chosen = resolve(selection)
    sites, phases = chosen.sites, chosen.phases
    filters = ExcerptFilters(
        sites=[s.pk for s in sites], kinds=chosen.kinds, phases=list(selection.phases)
    )
    theme_ids = [t.pk for t in chosen.themes]
    excluded = Participant.objects.excluded_ids()

    step("Counting passages per theme, site and phase", 5)
    dashboard = dashboard_data(user=user, filters=filters, sites=sites, phases=phases)
    wanted = set(theme_ids)
    rows = [
        ThemeRow(
            r.node.theme.pk,
            r.node.theme.name,
            r.node.path,
            r.node.depth,
            r.cells,
            r.by_phase,
            r.total,
        )
        for r in dashboard.rows
        if r.node.theme.pk in wanted
    ]
    theme_rows = [r for r in rows if r.total]
    empty = [r.name for r in rows if not r.total]
    phase_columns = [p for p in phases if p in chosen.chosen_phases]
    keep = [i for i, p in enumerate(phases) if p in chosen.chosen_phases]
    undated = not selection.phases and any(r.by_phase[-1] for r in theme_rows)
    for r in theme_rows:
        r.by_phase = [r.by_phase[i] for i in keep] + [r.by_phase[-1]]

    step("Choosing the most telling excerpts", 25)
    quotes = _quotes(
        user=user,
        filters=filters,
        phases=phases,
        theme_ids=[r.theme_id for r in theme_rows],
        excluded=excluded,
        per_site=selection.excerpts_per_site,
    )
    definitions = {r.node.theme.pk: r.node.theme.definition for r in dashboard.rows}
    sections = []
    for r in theme_rows:
        per_site = [
            SiteQuotes(s, quotes.get((r.theme_id, s.pk), []))
            for i, s in enumerate(sites)
            if r.cells[i]
        ]
        sections.append(ThemeSection(r, definitions.get(r.theme_id, ""), per_site))

    step("Reading the workshop series, contradictions and experiments", 45)
    site_work = _site_work(sites)

    step("Methods: coders, agreement, consent", 55)
    coders = _coders(user=user, filters=filters, phases=phases, theme_ids=theme_ids)
    agreement = _agreement(sites, theme_ids)
    site_ids = [s.pk for s in sites]
    excluded_here = Participant.objects.filter(pk__in=excluded, site_id__in=site_ids).count()
    left_out = _excluded_coding_count(excluded, filters, phases, theme_ids)

    phase_labels = [f"Phase {p.number}: {p.name}" for p in phase_columns]
    if undated:
        phase_labels.append("Undated")
    kind_labels = dict(SourceKind.choices)
    selection_lines = [
        ("Sites", ", ".join(s.name for s in sites) or "none"),
        (
            "Research phases",
            ", ".join(
                f"{p.number}. {p.name} ({_date(p.start)} – {_date(p.end)})" for p in phase_columns
            )
            if selection.phases
            else "all phases (and undated sources)",
        ),
        (
            "Themes",
            f"{len(chosen.themes)} codable theme{'s' if len(chosen.themes) != 1 else ''}"
            + ("" if selection.themes else " (all)"),
        ),
        (
            "Source kinds",
            ", ".join(str(kind_labels[k]) for k in chosen.kinds) if chosen.kinds else "all kinds",
        ),
        ("Excerpts", f"up to {selection.excerpts_per_site} per theme and site"),
    ]
    participant_ids = sorted({p for qs in quotes.values() for q in qs for p in q.participant_ids})
    step("Content ready", 60)
    return ReportContent(
        title="Cross-site report",
        generated=timezone.localtime(),
        study=STUDY,
        measure_unit=MEASURE_UNITS["excerpts"],
        sites=sites,
        phases=phase_columns,
        phase_labels=phase_labels,
        undated=undated,
        themes=theme_rows,
        empty_themes=empty,
        kinds=[str(kind_labels[k]) for k in chosen.kinds],
        selection_lines=selection_lines,
        sections=sections,
        site_work=site_work,
        coders=coders,
        agreement=agreement,
        excluded_participants=excluded_here,
        excluded_codings=left_out,
        excerpts_per_site=selection.excerpts_per_site,
        participant_ids=participant_ids,
        site_ids=site_ids,
    )


def _quotes(
    *,
    user,
    filters: ExcerptFilters,
    phases: list[ResearchPhase],
    theme_ids: list[int],
    excluded: list[int],
    per_site: int,
) -> dict[tuple[int, int], list[Quote]]:
    """(theme, site) -> its most telling passages: those most coders agreed on, then the
    longest up to TELLING_LENGTH characters, then the earliest. The theme pages' passages
    (`excerpt_queryset`: visibility, blind exercises, consent), ranked per (theme, site) by a
    window in the database, loaded by `with_phases`: three queries in all."""
    if not theme_ids or per_site < 1:
        return {}
    passages = (
        excerpt_queryset(
            user=user, filters=filters, phases=phases, theme_ids=theme_ids, excluded_ids=excluded
        )
        .annotate(
            site=Min("site_id"),
            n_coders=Count("coder_id", distinct=True),
            fullness=Max(Least(F("end") - F("start"), TELLING_LENGTH)),
        )
        .order_by()
    )
    # The rank is taken over the grouped passages in an outer query: Django would put a
    # window annotation of a values() query into its GROUP BY.
    inner, params = passages.query.sql_with_params()
    # Django's own SQL of the queryset inside; every value is a bound parameter.
    sql = (
        'SELECT source_id, start, "end", theme_id, members, site, rank FROM ('  # noqa: S608
        "SELECT p.*, ROW_NUMBER() OVER (PARTITION BY p.theme_id, p.site ORDER BY "
        "p.n_coders DESC, p.fullness DESC, p.source_id, p.start) AS rank "
        f"FROM ({inner}) p) ranked WHERE rank <= %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, per_site])
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    rows.sort(key=lambda r: (r["theme_id"], r["site"], r["rank"]))
    out: dict[tuple[int, int], list[Quote]] = defaultdict(list)
    for row, excerpt in zip(rows, with_phases(rows, phases), strict=True):
        c = excerpt.coding
        ids = {t.participant.pk for t in c.turns if t.participant is not None}
        ids |= {m.participant_id for m in excerpt.codings if m.participant_id}
        out[(row["theme_id"], row["site"])].append(
            Quote(
                theme_id=row["theme_id"],
                site_id=row["site"],
                text=" ".join(c.quote.split()),
                source=c.source.title,
                source_kind=str(dict(SourceKind.choices).get(c.source.kind, c.source.kind)),
                date=c.source.date,
                speaker=excerpt.speaker,
                turn=excerpt.turn,
                coders=excerpt.coders,
                offsets=f"characters {c.start}–{c.end}",
                phase=f"Phase {excerpt.phase.number}" if excerpt.phase else "undated",
                participant_ids=sorted(i for i in ids if i is not None),
            )
        )
    return out


def _site_work(sites: list[Site]) -> list[SiteWork]:
    """Each site's workshop series, sessions, contradictions register and experiments: four
    queries whatever the number of sites."""
    work = {s.pk: SiteWork(s) for s in sites}
    ids = list(work)
    held = [WorkshopStatus.HELD, WorkshopStatus.WRITTEN_UP]
    for series in (
        WorkshopSeries.objects.filter(site_id__in=ids)
        .annotate(
            n_sessions=Count("sessions", distinct=True),
            n_held=Count("sessions", filter=Q(sessions__status__in=held), distinct=True),
            n_written=Count(
                "sessions", filter=Q(sessions__status=WorkshopStatus.WRITTEN_UP), distinct=True
            ),
            last_held=Max("sessions__date", filter=Q(sessions__status__in=held)),
        )
        .order_by("site_id", "created_at", "pk")
    ):
        work[series.site_id].series.append(
            SeriesRow(
                series.title,
                series.planned_sessions,
                series.n_sessions,
                series.n_held,
                series.n_written,
                series.last_held,
                None,
            )
        )
    next_dates: dict[tuple[int, str], datetime.date] = {}
    today = timezone.localdate()
    statuses = dict(WorkshopStatus.choices)
    for w in (
        Workshop.objects.filter(site_id__in=ids)
        .select_related("series")
        .only("site_id", "number", "title", "date", "status", "series__title")
        .order_by("site_id", "series__created_at", "series_id", "number")
    ):
        work[w.site_id].sessions.append(
            SessionRow(w.series.title, w.number, w.title, w.date, str(statuses[w.status]))
        )
        key = (w.site_id, w.series.title)
        if w.status == WorkshopStatus.PLANNED and w.date and w.date >= today:
            next_dates[key] = min(next_dates.get(key, w.date), w.date)
    for site_id, site_work in work.items():
        for s in site_work.series:
            s.next_planned = next_dates.get((site_id, s.title))
    levels = dict(ContradictionLevel.choices)
    elements = dict(Element.choices)
    status_names = dict(ContradictionStatus.choices)
    for c in (
        Contradiction.objects.filter(site_id__in=ids)
        .select_related("model", "other_model")
        .annotate(
            n_evidence=Count("evidence_codings", distinct=True),
            n_experiments=Count("experiments", distinct=True),
            since=Max("status_history__date"),
        )
        .order_by("site_id", "level", "pk")
    ):
        between = str(elements.get(c.element_a, c.element_a))
        if c.element_b:
            between += f" ↔ {elements.get(c.element_b, c.element_b)}"
        model = c.model.title
        if c.other_model is not None:
            model += f" ↔ {c.other_model.title}"
        work[c.site_id].contradictions.append(
            ContradictionRow(
                str(levels[c.level]),
                c.formulation,
                between,
                model,
                str(status_names[c.status]),
                c.since,
                c.n_evidence,
                c.n_experiments,
            )
        )
    experiment_status = dict(ExperimentStatus.choices)
    for e in (
        Experiment.objects.filter(site_id__in=ids)
        .select_related("agreed_in")
        .order_by("site_id", "review_date", "pk")
    ):
        work[e.site_id].experiments.append(
            ExperimentRow(
                e.title,
                e.owner,
                f"session {e.agreed_in.number}" if e.agreed_in else "—",
                e.start,
                e.review_date,
                str(experiment_status[e.status]),
                e.outcome,
            )
        )
    return [work[s.pk] for s in sites]


def _coders(
    *, user, filters: ExcerptFilters, phases: list[ResearchPhase], theme_ids: list[int]
) -> list[CoderRow]:
    """Who coded the selection: codings, distinct passages and sites per coder (one query;
    the same consent exclusion as the counts)."""
    from themes.models import consent_filter_broad
    from themes.selectors import DistinctPassages

    if not theme_ids:
        return []
    excluded = Participant.objects.excluded_ids()
    qs = (
        Coding.objects.visible_to(user)
        .filter(theme_id__in=theme_ids)
        .filter(filters.as_q(phases))
        .filter(consent_filter_broad(excluded))
        .values("coder_id", "coder__username", "coder__first_name", "coder__last_name")
        .annotate(
            n=Count("pk"),
            passages=DistinctPassages(),
            n_sites=Count("site_id", distinct=True),
        )
        .order_by("coder__username")
    )
    rows = []
    for r in qs:
        full = f"{r['coder__first_name']} {r['coder__last_name']}".strip()
        rows.append(
            CoderRow(full or r["coder__username"] or "—", r["n"], r["passages"], r["n_sites"])
        )
    return rows


def _agreement(sites: list[Site], theme_ids: list[int]) -> list[AgreementRow]:
    """The agreement exercises held at the selected sites, per selected theme (the figures of
    each exercise's page, `themes.selectors.agreement_for`)."""
    from themes.models import AgreementExercise

    rows: list[AgreementRow] = []
    wanted = set(theme_ids)
    for exercise in (
        AgreementExercise.objects.filter(site_id__in=[s.pk for s in sites])
        .select_related("site")
        .order_by("site__name", "name")
    ):
        result: AgreementResult = agreement_for(exercise=exercise)
        coders = ", ".join(c.get_full_name() or c.get_username() for c in result.coders)
        for item in result.themes:
            if item["theme"].pk not in wanted:
                continue
            a = item["agreement"]
            rows.append(
                AgreementRow(
                    exercise.site.name,
                    exercise.name,
                    exercise.closed,
                    coders,
                    a.units,
                    item["theme"].name,
                    a.percent,
                    a.kappa,
                    a.alpha,
                )
            )
    return rows


def _excluded_coding_count(
    excluded: list[int], filters: ExcerptFilters, phases: list[ResearchPhase], theme_ids: list[int]
) -> int:
    """How many codings of the selected sites and themes consent leaves out (a count, never
    whose)."""
    if not excluded or not theme_ids:
        return 0
    spoken, attributed = excluded_codings(excluded)
    return (
        Coding.objects.filter(theme_id__in=theme_ids)
        .filter(filters.as_q(phases))
        .filter(Q(pk__in=spoken) | Q(pk__in=attributed))
        .count()
    )
