"""Reads for the analysis area. Every page runs a constant number of queries, whatever the
number of entries, evidence links or contradictions.

Evidence is shown through the one consent exclusion (`themes.models.excluded_participant_ids`
and `consent_filter`'s overlap rule) and the one site scope: a linked coding whose words
overlap a turn of a participant excluded by consent is shown as withheld, with the reason
(that participant's current consent position), never with its words; a mirror item with an
excluded speaker likewise. Only evidence of the object's own site is ever shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.text import Truncator

from fieldwork.models import Segment
from sites.models import Participant, Site
from themes.models import Coding, excluded_participant_ids
from themes.selectors import quote_expression

from .models import (
    ActivitySystemModel,
    Contradiction,
    Disturbance,
    Element,
    ElementEntry,
    Experiment,
    MirrorItem,
    SharedObject,
)

QUOTE_CHARS = 160


# --- evidence ---------------------------------------------------------------------------


@dataclass(slots=True)
class Evidence:
    """One linked coding or mirror item as every analysis page shows it."""

    kind: str  # 'coding' | 'mirror'
    pk: int
    label: str  # theme name, or the mirror item's title
    quote: str  # cut short; empty when withheld
    url: str  # where the words come from ('' when the item has no source)
    where: str  # source title and range, or the item's provenance
    speaker: str = ""
    withheld: bool = False
    reason: str = ""


def _withheld_reasons(participant_ids: set[int]) -> dict[int, str]:
    """Why each of these (excluded) participants' words are withheld, in the app's own
    consent words (`Participant.consent`)."""
    if not participant_ids:
        return {}
    people = Participant.objects.filter(pk__in=participant_ids).prefetch_related("consent_records")
    return {p.pk: f"{p.pseudonym}: consent {p.consent.label.lower()}" for p in people}


def _cut(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(QUOTE_CHARS)


def evidence_for(
    *, site: Site, coding_ids: set[int], mirror_item_ids: set[int]
) -> tuple[dict[int, Evidence], dict[int, Evidence]]:
    """The codings and mirror items `*_ids` of `site` as `Evidence`, keyed by pk; ids of
    other sites are dropped. At most six queries, whatever the number of ids."""
    excluded = excluded_participant_ids() if (coding_ids or mirror_item_ids) else []
    codings: dict[int, Evidence] = {}
    withheld_by: dict[int, int] = {}
    if coding_ids:
        qs = Coding.objects.filter(site=site, pk__in=coding_ids).annotate(quote=quote_expression())
        if excluded:
            overlapping = Segment.objects.filter(
                source_id=OuterRef("source_id"),
                start__lt=OuterRef("end"),
                end__gt=OuterRef("start"),
                participant_id__in=excluded,
            ).order_by("start")
            qs = qs.annotate(withheld_by=Subquery(overlapping.values("participant_id")[:1]))
        else:
            qs = qs.annotate(withheld_by=Value(None))
        first_speaker = Segment.objects.filter(
            source_id=OuterRef("source_id"), start__lt=OuterRef("end"), end__gt=OuterRef("start")
        ).order_by("start")
        qs = qs.annotate(
            speaker=Coalesce(
                "participant__pseudonym", Subquery(first_speaker.values("speaker")[:1])
            )
        )
        for row in qs.values(
            "pk",
            "source_id",
            "start",
            "end",
            "quote",
            "withheld_by",
            "speaker",
            "theme__name",
            "source__title",
        ):
            url = reverse("themes:source-code", kwargs={"pk": row["source_id"]})
            codings[row["pk"]] = Evidence(
                kind="coding",
                pk=row["pk"],
                label=row["theme__name"],
                quote="" if row["withheld_by"] else _cut(row["quote"] or ""),
                url=f"{url}#turn-offset-{row['start']}",
                where=f"{row['source__title']}, characters {row['start']}–{row['end']}",
                speaker=row["speaker"] or "",
                withheld=bool(row["withheld_by"]),
            )
            if row["withheld_by"]:
                withheld_by[row["pk"]] = row["withheld_by"]
    items: dict[int, Evidence] = {}
    item_withheld: dict[int, int] = {}
    if mirror_item_ids:
        excluded_set = set(excluded)
        for item in MirrorItem.objects.filter(site=site, pk__in=mirror_item_ids).prefetch_related(
            "speakers"
        ):
            blocked = sorted(p.pk for p in item.speakers.all() if p.pk in excluded_set)
            url = ""
            if item.source_id:
                url = reverse("themes:source-code", kwargs={"pk": item.source_id})
                if item.start is not None:
                    url += f"#turn-offset-{item.start}"
            where = ", ".join(
                part for part in (item.source_title, item.range_label, item.provenance_note) if part
            )
            items[item.pk] = Evidence(
                kind="mirror",
                pk=item.pk,
                label=item.title or "Mirror item",
                quote="" if blocked else _cut(item.text),
                url=url,
                where=where,
                speaker=item.speaker_label,
                withheld=bool(blocked),
            )
            if blocked:
                item_withheld[item.pk] = blocked[0]
    reasons = _withheld_reasons(set(withheld_by.values()) | set(item_withheld.values()))
    for pk, person in withheld_by.items():
        codings[pk].reason = reasons.get(person, "consent withdrawn")
    for pk, person in item_withheld.items():
        items[pk].reason = reasons.get(person, "consent withdrawn")
    return codings, items


# --- activity-system models -------------------------------------------------------------


@dataclass
class EntryView:
    entry: ElementEntry
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Slot:
    element: str
    label: str
    entries: list[EntryView] = field(default_factory=list)


@dataclass
class ModelView:
    model: ActivitySystemModel
    slots: list[Slot]

    @property
    def entry_count(self) -> int:
        return sum(len(slot.entries) for slot in self.slots)

    def texts_by_element(self) -> dict[str, list[str]]:
        return {slot.element: [e.entry.text for e in slot.entries] for slot in self.slots}


def model_views(models: list[ActivitySystemModel], *, site: Site) -> list[ModelView]:
    """The models with their seven slots, entries in order, and each entry's evidence (with
    consent applied). A constant number of queries for any number of models and entries."""
    if not models:
        return []
    by_model: dict[int, dict[str, list[EntryView]]] = {m.pk: defaultdict(list) for m in models}
    entries = list(ElementEntry.objects.filter(model__in=models).order_by("element", "order", "pk"))
    coding_links = list(
        ElementEntry.evidence_codings.through.objects.filter(
            elemententry__in=[e.pk for e in entries]
        ).values_list("elemententry_id", "coding_id")
    )
    item_links = list(
        ElementEntry.evidence_mirror_items.through.objects.filter(
            elemententry__in=[e.pk for e in entries]
        ).values_list("elemententry_id", "mirroritem_id")
    )
    codings, items = evidence_for(
        site=site,
        coding_ids={c for _, c in coding_links},
        mirror_item_ids={m for _, m in item_links},
    )
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for entry_id, coding_id in sorted(coding_links):
        if coding_id in codings:
            evidence[entry_id].append(codings[coding_id])
    for entry_id, item_id in sorted(item_links):
        if item_id in items:
            evidence[entry_id].append(items[item_id])
    for entry in entries:
        by_model[entry.model_id][entry.element].append(EntryView(entry, evidence[entry.pk]))
    return [
        ModelView(
            model=m,
            slots=[Slot(value, label, by_model[m.pk][value]) for value, label in Element.choices],
        )
        for m in models
    ]


def model_detail(*, model: ActivitySystemModel) -> dict:
    """Everything the model page shows, in a constant number of queries."""
    view = model_views([model], site=model.site)[0]
    shared = list(
        SharedObject.objects.filter(Q(model_a=model) | Q(model_b=model)).select_related(
            "model_a", "model_b"
        )
    )
    contradictions = list(
        Contradiction.objects.filter(Q(model=model) | Q(other_model=model)).select_related(
            "model", "other_model"
        )
    )
    versions = list(
        ActivitySystemModel.objects.filter(
            site=model.site, title=model.title, perspective=model.perspective
        )
        .exclude(pk=model.pk)
        .order_by("-version")
        .only("pk", "title", "version", "layer", "site_id")
    )
    return {
        "view": view,
        "shared_objects": shared,
        "contradictions": contradictions,
        "versions": versions,
    }


def site_models(*, site: Site):
    return (
        ActivitySystemModel.objects.filter(site=site)
        .select_related("built_in")
        .annotate(entry_count=Count("entries"))
        .order_by("layer", "title", "-version")
    )


def analysis_index(*, site: Site) -> dict:
    """A site's analysis: models, third-generation links, contradictions register,
    disturbances and experiments; one query each."""
    return {
        "models": list(site_models(site=site)),
        "shared_objects": list(
            SharedObject.objects.filter(site=site).select_related("model_a", "model_b")
        ),
        "contradictions": list(
            Contradiction.objects.filter(site=site)
            .select_related("model", "other_model")
            .order_by("level", "pk")
        ),
        "disturbances": list(
            Disturbance.objects.filter(site=site).annotate(coding_count=Count("codings"))
        ),
        "experiments": list(
            Experiment.objects.filter(site=site)
            .select_related("agreed_in", "reviewed_in")
            .order_by("review_date", "pk")
        ),
    }


# --- contradictions and disturbances ----------------------------------------------------


def contradiction_detail(*, contradiction: Contradiction) -> dict:
    site = contradiction.site
    coding_ids = set(contradiction.evidence_codings.values_list("pk", flat=True))
    item_ids = set(contradiction.evidence_mirror_items.values_list("pk", flat=True))
    codings, items = evidence_for(site=site, coding_ids=coding_ids, mirror_item_ids=item_ids)
    history = list(
        contradiction.status_history.select_related("workshop", "recorded_by").order_by(
            "date", "recorded_at", "pk"
        )
    )
    sessions = []
    for change in history:
        if change.workshop and change.workshop not in sessions:
            sessions.append(change.workshop)
    return {
        "evidence": sorted(codings.values(), key=lambda e: e.pk)
        + sorted(items.values(), key=lambda e: e.pk),
        "disturbances": list(contradiction.disturbances.filter(site=site)),
        "history": history,
        "sessions": sessions,
        "experiments": list(contradiction.experiments.filter(site=site)),
    }


def disturbance_detail(*, disturbance: Disturbance) -> dict:
    coding_ids = set(disturbance.codings.values_list("pk", flat=True))
    codings, _ = evidence_for(site=disturbance.site, coding_ids=coding_ids, mirror_item_ids=set())
    return {
        "evidence": sorted(codings.values(), key=lambda e: e.pk),
        "contradictions": list(disturbance.contradictions.filter(site=disturbance.site)),
    }


def shared_object_detail(*, shared: SharedObject) -> dict:
    """The third-generation view: both models with their entries and every shared object
    linking the same two models."""
    pair = Q(model_a=shared.model_a, model_b=shared.model_b) | Q(
        model_a=shared.model_b, model_b=shared.model_a
    )
    central, neighbour = model_views([shared.model_a, shared.model_b], site=shared.site)
    return {
        "central": central,
        "neighbour": neighbour,
        "shared_objects": list(SharedObject.objects.filter(pair).order_by("pk")),
    }
