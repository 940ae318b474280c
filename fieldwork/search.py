"""Full-text search over speaker turns of every source a user may see.

PostgreSQL: `segment.search_vector @@ websearch_to_tsquery('english', q)`, where
search_vector is a stored `to_tsvector('english', text)` column with a GIN index (migration
0005), ranked with ts_rank and highlighted with ts_headline. Web-search syntax: "a phrase",
-exclude, a OR b. A very common word can match a large share of a big project's turns: the
count stops at COUNT_CAP ("more than …") and ranking looks at the first RANK_CAP matches
found, so a search answers in well under a second whatever it matches.

SQLite (the quick start): the same syntax parsed here into case-insensitive substring tests,
with <mark> highlighting done in Python. Same results page, same hit shape; no stemming.

Withheld turns (spoken by or attributed to a participant excluded by consent, see
`fieldwork.consent`) never appear to anyone below lead: not as hits, and not in any snippet or
headline, which are cut from the hit's own turn only. A lead of the turn's site finds them,
marked as withdrawn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sites.access import site_roles
from sites.models import Participant, Role, Site, is_project_lead

from .consent import Withheld, consented_segments, withheld_turns
from .models import Segment

# Highlight markers: control characters that normalise_text never lets into a source text,
# so the snippet can be HTML-escaped first and the markers turned into <mark> afterwards.
_START, _STOP = "\x02", "\x03"
SNIPPET_CHARS = 240
COUNT_CAP = 10_000
RANK_CAP = 2_000


@dataclass(frozen=True)
class SearchHit:
    segment: Segment
    snippet: SafeString
    # Set on a withheld turn, which only a lead of its site finds (its words marked).
    withheld: Withheld | None = None

    @property
    def source(self):
        return self.segment.source

    @property
    def url(self) -> str:
        return f"{self.segment.source.get_absolute_url()}#turn-{self.segment.order}"


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: list[SearchHit]
    total: int
    limit: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.hits)

    @property
    def total_capped(self) -> bool:
        """True when there are more matches than were counted (`total` is the cap)."""
        return self.total > COUNT_CAP

    @property
    def total_label(self) -> str:
        return f"More than {COUNT_CAP:,}" if self.total_capped else f"{self.total:,}"


# --- the query language (for the fallback) --------------------------------------------------

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Term:
    text: str
    negated: bool = False


def parse_websearch(query: str) -> list[list[Term]]:
    """Parse web-search syntax into OR-groups of AND-ed terms, like websearch_to_tsquery:
    `"who do I ring" -police OR referral` → [[who do I ring, NOT police], [referral]]."""
    groups: list[list[Term]] = [[]]
    for match in _TOKEN.finditer(query):
        minus, phrase, word = match.groups()
        if word is not None:
            if word.upper() == "OR":
                if groups[-1]:
                    groups.append([])
                continue
            negated = word.startswith("-") and len(word) > 1
            text = word[1:] if negated else word
        else:
            negated, text = bool(minus), phrase
        text = " ".join(text.split())
        if text:
            groups[-1].append(Term(text, negated))
    return [g for g in groups if any(not t.negated for t in g)]


def _fallback_condition(groups: list[list[Term]]) -> Q:
    condition = Q(pk__in=[])
    for group in groups:
        clause = Q()
        for term in group:
            test = Q(text__icontains=term.text)
            clause &= ~test if term.negated else test
        condition |= clause
    return condition


def highlight(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> SafeString:
    """An escaped snippet of `text` around the first match, every match in <mark>."""
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE) if terms else None
    first = pattern.search(text) if pattern else None
    start = 0
    if first and len(text) > width:
        start = max(0, min(first.start() - width // 3, len(text) - width))
        # Begin at a word boundary, not mid-word.
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first.start() else start
    end = min(len(text), start + width)
    window = text[start:end]
    parts = ["… " if start else ""]
    position = 0
    for match in pattern.finditer(window) if pattern else ():
        parts.append(escape(window[position : match.start()]))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    parts.append(escape(window[position:]))
    parts.append(" …" if end < len(text) else "")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


# --- PostgreSQL -------------------------------------------------------------------------------


def _stored_vector():
    """The stored, indexed tsvector column (PostgreSQL only; see migration 0005)."""
    from django.contrib.postgres.search import SearchVectorField
    from django.db.models.expressions import RawSQL

    return RawSQL('"fieldwork_segment"."search_vector"', [], output_field=SearchVectorField())


def _pg_search(base: QuerySet[Segment], query: str, limit: int) -> tuple[list[SearchHit], int]:
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

    tsquery = SearchQuery(query, config="english", search_type="websearch")
    matches = base.annotate(vector=_stored_vector()).filter(vector=tsquery)
    # Counting stops one past the cap; ranking happens within the first RANK_CAP matches.
    # (order_by() clears the models' default ordering: with a LIMIT it would sort every match.)
    total = matches.order_by().values("pk")[: COUNT_CAP + 1].count()
    if total > RANK_CAP:
        # Fetched as ids, not nested as a subquery: the RawSQL column names the table, which
        # a subquery would re-alias, silently correlating it with the outer query.
        candidates = list(matches.order_by().values_list("pk", flat=True)[:RANK_CAP])
        matches = (
            Segment.objects.filter(pk__in=candidates)
            .annotate(vector=_stored_vector())
            .select_related("source__site", "participant__profession", "researcher")
            .defer("source__text")
        )
    rows = matches.annotate(
        rank=SearchRank(F("vector"), tsquery),
        headline=SearchHeadline(
            "text",
            tsquery,
            config="english",
            start_sel=_START,
            stop_sel=_STOP,
            max_words=40,
            min_words=20,
            max_fragments=2,
            fragment_delimiter=" … ",
        ),
    ).order_by("-rank", "source__date", "source_id", "order")[:limit]
    hits = [
        SearchHit(
            row,
            mark_safe(  # noqa: S308 - escaped first; only our own markers become tags
                escape(row.headline).replace(_START, "<mark>").replace(_STOP, "</mark>")
            ),
        )
        for row in rows
    ]
    return hits, total


# --- entry point ------------------------------------------------------------------------------


def search_segments(
    *, user, query: str, site: Site | None = None, kind: str = "", limit: int = 50
) -> SearchResults:
    """Turns matching `query` in sources the user may see, best first. Two queries."""
    query = " ".join(query.split())[:500]
    if not query:
        return SearchResults(query, [], 0, limit)
    withdrawals = Participant.objects.withdrawals()
    # Withheld turns are found only at sites the user leads (their words marked); everyone
    # else never finds them, not even as a marker, which would tell that the words matched.
    segments = Segment.objects.filter(source__site__in=Site.objects.visible_to(user))
    if withdrawals and not is_project_lead(user):
        led = [pk for pk, role in site_roles(user).items() if role == Role.LEAD]
        segments = consented_segments(segments, withdrawals, keep=Q(source__site_id__in=led))
    base = (
        # Decided per search, as a plain id list: a correlated consent subquery inside the
        # full-text query made PostgreSQL re-evaluate it for every matching turn.
        segments.select_related("source__site", "participant__profession", "researcher")
        # A hit needs its source's title and date, never its whole text.
        .defer("source__text")
    )
    if site is not None:
        base = base.filter(source__site=site)
    if kind:
        base = base.filter(source__kind=kind)
    if connection.vendor == "postgresql":
        hits, total = _pg_search(base, query, limit)
        return SearchResults(query, _mark_withheld(hits, withdrawals), total, limit)
    groups = parse_websearch(query)
    if not groups:
        return SearchResults(query, [], 0, limit)
    matches = base.filter(_fallback_condition(groups))
    total = matches.order_by().values("pk")[: COUNT_CAP + 1].count()
    terms = [t.text for g in groups for t in g if not t.negated]
    rows = matches.order_by("source__date", "source_id", "order")[:limit]
    hits = [SearchHit(row, highlight(row.text, terms)) for row in rows]
    return SearchResults(query, _mark_withheld(hits, withdrawals), total, limit)


def _mark_withheld(hits: list[SearchHit], withdrawals: dict) -> list[SearchHit]:
    """Flag the withheld turns among the hits (a lead's only); one query, none when nobody
    has withdrawn."""
    if not withdrawals or not hits:
        return hits
    found = {
        w.segment_id: w
        for turns in withheld_turns(
            source_ids={h.segment.source_id for h in hits}, withdrawals=withdrawals
        ).values()
        for w in turns
    }
    return [SearchHit(h.segment, h.snippet, found.get(h.segment.pk)) for h in hits]
