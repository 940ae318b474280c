"""Themes coded on overlapping passages, and those passages."""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from sites.models import ResearchPhase, Site

from ..models import (
    Coding,
    blind_filter,
    consent_filter,
    consent_filter_broad,
    excluded_participant_ids,
)
from .excerpts import passages
from .filters import ExcerptFilters, _visible


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
