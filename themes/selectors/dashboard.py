"""The dashboard's themes × sites figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
)

from fieldwork.consent import unmapped_q
from fieldwork.models import Segment
from sites.models import ResearchPhase, Site, is_project_lead

from ..models import (
    Coding,
    consent_filter_broad,
    excluded_participant_ids,
)
from .codebook import ThemeNode, codebook_tree
from .filters import ExcerptFilters, _visible, phase_case, visible_site_list

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
