"""The audit record's view of themes objects (registered with sites.audit in
ThemesConfig.ready(); sites may not import themes).

A coding's range is told as the words it is on: "turn 3, Helen: “we sit together…”". A coding
that still exists is shown where it is now; a deleted one is quoted only if its source's text
has not changed since the event (else the old offsets would point at other words). Consent
holds here as everywhere: words overlapping a turn of a withdrawn participant are never quoted.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from fieldwork.models import Segment, Source
from sites.audit import (
    VERB_LABELS,
    Change,
    cut,
    detail_renderers,
    generic_changes,
    link_resolvers,
)
from sites.models import AuditEvent

from .models import AgreementExercise, Coding, Memo, Theme, excluded_participant_ids

QUOTE_CHARS = 60
WITHHELD = "[Words withheld: consent withdrawn]"


def _ids(events: Sequence[AuditEvent]) -> set[int]:
    return {int(e.object_id) for e in events if e.object_id.isdigit()}


def _pk(event: AuditEvent) -> int | None:
    return int(event.object_id) if event.object_id.isdigit() else None


def theme_links(events: Sequence[AuditEvent]) -> dict[int, str]:
    existing = set(Theme.objects.filter(pk__in=_ids(events)).values_list("pk", flat=True))
    return {
        e.pk: reverse("themes:theme-detail", args=[_pk(e)]) for e in events if _pk(e) in existing
    }


def coding_links(events: Sequence[AuditEvent]) -> dict[int, str]:
    sources = dict(Coding.objects.filter(pk__in=_ids(events)).values_list("pk", "source_id"))
    return {
        e.pk: reverse("themes:source-code", args=[sources[_pk(e)]])
        for e in events
        if _pk(e) in sources
    }


def memo_links(events: Sequence[AuditEvent]) -> dict[int, str]:
    memos = {
        pk: (theme_id, source_id)
        for pk, theme_id, source_id in Memo.objects.filter(pk__in=_ids(events)).values_list(
            "pk", "theme_id", "source_id"
        )
    }
    links = {}
    for e in events:
        if _pk(e) in memos:
            theme_id, source_id = memos[_pk(e)]
            links[e.pk] = (
                reverse("themes:theme-detail", args=[theme_id])
                if theme_id
                else reverse("fieldwork:source-detail", args=[source_id])
            )
    return links


def exercise_links(events: Sequence[AuditEvent]) -> dict[int, str]:
    existing = set(
        AgreementExercise.objects.filter(pk__in=_ids(events)).values_list("pk", flat=True)
    )
    return {
        e.pk: reverse("themes:agreement-detail", args=[_pk(e)])
        for e in events
        if _pk(e) in existing
    }


def describe_range(
    text: str, turns: list[tuple[int, int, int, str, int | None]], start: int, end: int, excluded
) -> str:
    """'turn N, Speaker: “quoted words…”' for `[start, end)`; turns are (order, start, end,
    speaker, participant id) sorted by start."""
    turn = next((t for t in turns if t[2] > start), None)
    withheld = any(t[4] in excluded for t in turns if t[1] < end and t[2] > start)
    quote = WITHHELD if withheld else f"“{cut(text[start:end], QUOTE_CHARS)}”"
    if turn is None:
        return quote
    label = f"turn {turn[0] + 1}" + (f", {turn[3]}" if turn[3] else "")
    return f"{label}: {quote}"


def coding_details(events: Sequence[AuditEvent]) -> dict[int, list[Change]]:
    live = {
        pk: (source_id, start, end)
        for pk, source_id, start, end in Coding.objects.filter(pk__in=_ids(events)).values_list(
            "pk", "source_id", "start", "end"
        )
    }
    located: dict[int, tuple[int, int, int]] = {}
    historical: set[int] = set()
    for e in events:
        changes = e.changes if isinstance(e.changes, dict) else {}
        if _pk(e) in live:
            located[e.pk] = live[_pk(e)]
        elif all(isinstance(changes.get(k), int) for k in ("source", "start", "end")):
            located[e.pk] = (changes["source"], changes["start"], changes["end"])
            historical.add(e.pk)
    source_ids = {loc[0] for loc in located.values()}
    sources = {
        s.pk: s for s in Source.objects.filter(pk__in=source_ids).only("pk", "text", "updated_at")
    }
    turns: dict[int, list] = {}
    rows = (
        Segment.objects.filter(source_id__in=source_ids)
        .order_by("source_id", "start")
        .values_list("source_id", "order", "start", "end", "speaker", "participant_id")
    )
    for source_id, *turn in rows:
        turns.setdefault(source_id, []).append(tuple(turn))
    excluded = set(excluded_participant_ids()) if located else set()

    details = {}
    for e in events:
        words = None
        if e.pk in located:
            source_id, start, end = located[e.pk]
            source = sources.get(source_id)
            unchanged = source is not None and (e.pk not in historical or source.updated_at <= e.at)
            if unchanged and 0 <= start < end <= len(source.text):
                words = describe_range(source.text, turns.get(source_id, []), start, end, excluded)
        changes = e.changes if isinstance(e.changes, dict) else {}
        rows = []
        if words:
            rows.append(Change("Words", after=words))
        elif "start" in changes and "end" in changes:
            rows.append(
                Change(
                    "Words",
                    after=f"characters {changes['start']}–{changes['end']} of the text as it "
                    "was then (since changed or deleted)",
                )
            )
        rows += generic_changes(e, skip=("start", "end", "source"))
        details[e.pk] = rows
    return details


DOCUMENT_VERBS = {
    "document.request": "asked for the document",
    "document.make": "had the document made",
    "document.download": "downloaded the document",
    "document.regenerate": "asked to make again the document",
    "document.delete": "deleted the document",
    "document.withdraw": "withdrew (consent) the document",
}


def register() -> None:
    for verb, label in DOCUMENT_VERBS.items():
        VERB_LABELS.setdefault(verb, label)
    link_resolvers[Theme._meta.label] = theme_links
    link_resolvers[Coding._meta.label] = coding_links
    link_resolvers[Memo._meta.label] = memo_links
    link_resolvers[AgreementExercise._meta.label] = exercise_links
    detail_renderers[Coding._meta.label] = coding_details
