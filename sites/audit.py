"""The audit record in words: who did what, to which object (linked), and what changed, field
by field, before → after.

`AuditEvent.changes` is stored as the services wrote it (a dict; `[before, after]` pairs for
edits). This module turns a page of events into `EventRow`s a person can read. Events name
objects of every app, but `sites` may import no app to its right, so apps register what only
they know in their AppConfig.ready():

* `link_resolvers[object_type](events) -> {event pk: url}` — where an object still exists;
* `detail_renderers[object_type](events) -> {event pk: [Change, …]}` — changes that need the
  app's data to be told in words (themes: a coding's range becomes "turn 3, Helen: “…”").

Each resolver and renderer takes the whole page at once, so a page costs a constant number of
queries however many events it shows.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import QuerySet
from django.urls import reverse

from .models import AuditEvent, ConsentDecision, ConsentScope, Membership, Participant, Site

MAX_VALUE_CHARS = 120
# A coding's str() ends with its raw offsets; the details say the words instead.
_RANGE_SUFFIX = re.compile(r"\s*\[\d+, \d+\)$")


@dataclass(frozen=True)
class Change:
    """One line of an event's details: `label: before → after`, or `label: value`."""

    label: str
    before: str | None = None
    after: str | None = None
    is_change: bool = False

    @property
    def text(self) -> str:
        if self.is_change:
            return f"{self.label}: {self.before} → {self.after}"
        return f"{self.label}: {self.after}"


@dataclass
class EventRow:
    event: AuditEvent
    who: str
    action: str
    object_label: str
    object_kind: str
    url: str = ""
    changes: list[Change] = field(default_factory=list)

    @property
    def details_text(self) -> str:
        return "; ".join(c.text for c in self.changes)


LinkResolver = Callable[[Sequence[AuditEvent]], dict[int, str]]
DetailRenderer = Callable[[Sequence[AuditEvent]], dict[int, list[Change]]]
link_resolvers: dict[str, LinkResolver] = {}
detail_renderers: dict[str, DetailRenderer] = {}

VERB_LABELS: dict[str, str] = {
    "participant.create": "added participant",
    "participant.update": "edited participant",
    "participant.erase": "erased the words of participant",
    "consent.given": "recorded consent given by",
    "consent.declined": "recorded consent declined by",
    "consent.withdrawn": "recorded consent withdrawn by",
    "membership.set": "set the role of",
    "membership.remove": "removed the access of",
    "replacement.create": "added a replacement",
    "replacement.delete": "deleted a replacement",
    "source.create": "created source",
    "source.update": "edited source",
    "source.update_text": "edited the text of source",
    "source.delete": "deleted source",
    "source.import": "imported source",
    "source.speaker_map": "mapped a speaker in source",
    "source.speaker_merge": "merged speakers in source",
    "import.create": "uploaded file",
    "import.retry": "retried import",
    "import.purge_original": "deleted the original file of import",
    "theme.create": "added theme",
    "theme.update": "edited theme",
    "theme.move": "moved theme",
    "theme.merge": "merged a theme into",
    "theme.retire": "retired theme",
    "theme.reinstate": "reinstated theme",
    "coding.create": "coded",
    "coding.delete": "deleted coding",
    "coding.memo": "changed the memo of coding",
    "coding.reanchor": "re-anchored the codings of",
    "memo.create": "wrote memo",
    "memo.delete": "deleted memo",
    "excerpts.export": "exported the excerpts of theme",
    "agreement.create": "started agreement exercise",
    "agreement.close": "closed agreement exercise",
}

# Verbs whose two-item lists are lists of things, not [before, after].
_LIST_VERBS = ("consent.", "agreement.create")
_VALUE_LABELS = {
    "scopes": dict(ConsentScope.choices),
    "decision": dict(ConsentDecision.choices),
}


def verb_label(verb: str) -> str:
    return VERB_LABELS.get(verb, verb.replace(".", " ").replace("_", " "))


def verb_choices() -> list[tuple[str, str]]:
    return sorted(VERB_LABELS.items(), key=lambda item: item[1])


def object_kind(object_type: str) -> str:
    """'themes.Coding' → 'coding' (the model's verbose name)."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def object_type_choices() -> list[tuple[str, str]]:
    labels = [
        m._meta.label
        for app in ("sites", "fieldwork", "themes", "workshops")
        if apps.is_installed(app)
        for m in apps.get_app_config(app).get_models()
        if m is not AuditEvent
    ]
    return sorted(
        ((label, object_kind(label).capitalize()) for label in labels), key=lambda c: c[1]
    )


def cut(value: str, limit: int = MAX_VALUE_CHARS) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def show_value(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    labels = _VALUE_LABELS.get(key, {})
    if isinstance(value, list):
        return cut(", ".join(labels.get(v, str(v)) for v in value)) or "—"
    if isinstance(value, dict):
        return cut(", ".join(f"{k}: {v}" for k, v in value.items()))
    return cut(labels.get(value, str(value)))


def label_for(key: str) -> str:
    return key.replace("_", " ").capitalize()


def generic_changes(event: AuditEvent, skip: Iterable[str] = ()) -> list[Change]:
    changes = event.changes if isinstance(event.changes, dict) else {"details": event.changes}
    lists_are_values = event.verb.startswith(_LIST_VERBS)
    rows = []
    for key, value in changes.items():
        if key in skip:
            continue
        if isinstance(value, list) and len(value) == 2 and not lists_are_values:
            rows.append(
                Change(label_for(key), show_value(key, value[0]), show_value(key, value[1]), True)
            )
        else:
            rows.append(Change(label_for(key), after=show_value(key, value)))
    return rows


def who(event: AuditEvent) -> str:
    if event.actor is None:
        return "the system"
    return event.actor.get_full_name() or event.actor.get_username()


def render_events(events: Sequence[AuditEvent]) -> list[EventRow]:
    """Rows for a page of events (actor and site already selected)."""
    events = list(events)
    by_type: dict[str, list[AuditEvent]] = {}
    for event in events:
        by_type.setdefault(event.object_type, []).append(event)
    urls: dict[int, str] = {}
    details: dict[int, list[Change]] = {}
    for object_type, group in by_type.items():
        if object_type in link_resolvers:
            urls.update(link_resolvers[object_type](group))
        if object_type in detail_renderers:
            details.update(detail_renderers[object_type](group))
    return [
        EventRow(
            event=event,
            who=who(event),
            action=verb_label(event.verb),
            object_label=_RANGE_SUFFIX.sub("", event.object_repr),
            object_kind=object_kind(event.object_type),
            url=urls.get(event.pk, ""),
            changes=details[event.pk] if event.pk in details else generic_changes(event),
        )
        for event in events
    ]


# --- filtering and CSV ----------------------------------------------------------------------


def filter_events(events: QuerySet[AuditEvent], data: dict) -> QuerySet[AuditEvent]:
    """Apply an `AuditFilterForm`'s cleaned data."""
    if data.get("actor"):
        events = events.filter(actor=data["actor"])
    if data.get("verb"):
        events = events.filter(verb=data["verb"])
    if data.get("object_type"):
        events = events.filter(object_type=data["object_type"])
    if data.get("date_from"):
        events = events.filter(at__date__gte=data["date_from"])
    if data.get("date_to"):
        events = events.filter(at__date__lte=data["date_to"])
    return events


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = ["when (UTC)", "who", "action", "object type", "object", "site", "details", "link"]


def csv_rows(events: QuerySet[AuditEvent], *, base_url: str, chunk: int = 500) -> Iterator[str]:
    """The filtered events as CSV lines, rendered a chunk at a time (constant queries per
    chunk, constant memory), for a StreamingHttpResponse."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    last = None
    while True:
        page = events
        if last is not None:
            page = page.filter(pk__lt=last)
        batch = list(page.order_by("-pk")[:chunk])
        if not batch:
            return
        for row in render_events(batch):
            yield writer.writerow(
                [
                    row.event.at.strftime("%Y-%m-%d %H:%M:%S"),
                    row.who,
                    row.action,
                    row.object_kind,
                    row.object_label,
                    row.event.site.name if row.event.site else "",
                    row.details_text,
                    base_url + row.url if row.url else "",
                ]
            )
        last = batch[-1].pk


# --- this app's objects -------------------------------------------------------------------


def _participant_links(events: Sequence[AuditEvent]) -> dict[int, str]:
    ids = {int(e.object_id) for e in events if e.object_id.isdigit()}
    codes = dict(Participant.objects.filter(pk__in=ids).values_list("pk", "site__code"))
    return {
        e.pk: reverse("sites:participant-detail", args=[codes[int(e.object_id)], e.object_id])
        for e in events
        if e.object_id.isdigit() and int(e.object_id) in codes
    }


def _membership_links(events: Sequence[AuditEvent]) -> dict[int, str]:
    return {e.pk: reverse("sites:membership-list", args=[e.site.code]) for e in events if e.site_id}


def _site_links(events: Sequence[AuditEvent]) -> dict[int, str]:
    ids = {int(e.object_id) for e in events if e.object_id.isdigit()}
    codes = dict(Site.objects.filter(pk__in=ids).values_list("pk", "code"))
    return {
        e.pk: reverse("sites:site-detail", args=[codes[int(e.object_id)]])
        for e in events
        if e.object_id.isdigit() and int(e.object_id) in codes
    }


link_resolvers[Participant._meta.label] = _participant_links
link_resolvers[Membership._meta.label] = _membership_links
link_resolvers[Site._meta.label] = _site_links
