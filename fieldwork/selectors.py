"""Reads for the fieldwork app: filtered through `visible_to`, joined up front, constant query
counts (asserted in the view tests)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse

from sites.access import SiteAccess, get_object_at_site_for_user, get_object_for_user
from sites.models import ConsentRecord, Participant, ResearchPhase, Site
from sites.selectors import ConsentFlag

from .consent import unmapped_q, withheld_turns
from .models import ImportJob, Replacement, Segment, SegmentAttribution, Source


@dataclass(frozen=True)
class SourceFilters:
    kind: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    phase: ResearchPhase | None = None
    participant: Participant | None = None
    researcher: object | None = None


def source_list(*, site: Site, filters: SourceFilters | None = None) -> QuerySet[Source]:
    filters = filters or SourceFilters()
    sources = Source.objects.filter(site=site)
    if filters.kind:
        sources = sources.filter(kind=filters.kind)
    if filters.date_from:
        sources = sources.filter(date__gte=filters.date_from)
    if filters.date_to:
        sources = sources.filter(date__lte=filters.date_to)
    if filters.phase:
        sources = sources.filter(date__gte=filters.phase.start, date__lte=filters.phase.end)
    if filters.participant:
        p = filters.participant
        sources = sources.filter(
            Q(segments__participant=p)
            | Q(observation__participants_present=p)
            | Q(interview__interviewees=p)
        )
    if filters.researcher:
        r = filters.researcher
        sources = sources.filter(
            Q(created_by=r)
            | Q(observation__observer=r)
            | Q(interview__interviewers=r)
            | Q(segments__researcher=r)
        )
    return (
        sources.distinct()
        .select_related("created_by", "observation__observer", "interview", "document")
        .annotate(
            turn_count=Count("segments", distinct=True),
            unmapped_count=Count("segments", filter=unmapped_q(prefix="segments__"), distinct=True),
        )
        .order_by("-date", "title", "pk")
    )


def phases() -> list[ResearchPhase]:
    return list(ResearchPhase.objects.order_by("number"))


def phase_for(day: datetime.date | None, all_phases: list[ResearchPhase]) -> ResearchPhase | None:
    """The phase of a date from an already-loaded list (no query per row)."""
    if day is None:
        return None
    return next((p for p in all_phases if p.start <= day <= p.end), None)


def source_detail_queryset() -> QuerySet[Source]:
    return Source.objects.select_related(
        "site", "created_by", "observation__observer", "interview", "document"
    )


def _participants_with_consent() -> QuerySet[Participant]:
    return Participant.objects.select_related("profession", "agency").prefetch_related(
        Prefetch("consent_records", queryset=ConsentRecord.objects.all())
    )


def source_turns(*, source: Source) -> list[Segment]:
    """The source's turns with speaker, profession, consent history and attributed
    participants loaded, each with `withheld`: the `fieldwork.consent.Withheld` record (with
    the withdrawal's date) when the turn is withheld, else None. Constant queries."""
    turns = list(
        source.segments.select_related("researcher")
        .prefetch_related(
            Prefetch("participant", queryset=_participants_with_consent()),
            Prefetch(
                "attributions",
                queryset=SegmentAttribution.objects.select_related("participant").order_by(
                    "participant__pseudonym"
                ),
            ),
        )
        .order_by("order")
    )
    withheld = {
        w.segment_id: w
        for w in withheld_turns(
            source_ids=[source.pk], withdrawals=Participant.objects.withdrawals()
        ).get(source.pk, [])
    }
    for turn in turns:
        turn.withheld = withheld.get(turn.pk)  # type: ignore[attr-defined]  # for the template
    return turns


def has_withheld_turns(*, source: Source) -> bool:
    """Whether any turn of `source` is withheld (`fieldwork.consent`). At most two queries."""
    return bool(
        withheld_turns(source_ids=[source.pk], withdrawals=Participant.objects.withdrawals())
    )


def turn_participants(
    *, source_id: int, span: tuple[int, int] | None = None
) -> list[tuple[int, int, int | None]]:
    """`(start, end, participant id)` of a source's turns (those overlapping `span` when
    given) in text order, where the participant is the speaker, else the first participant
    the paragraph is attributed to. One query; read with `participant_at`."""
    first_attributed = (
        SegmentAttribution.objects.filter(segment=OuterRef("pk"))
        .order_by("participant_id")
        .values("participant_id")[:1]
    )
    turns = Segment.objects.filter(source_id=source_id)
    if span is not None:
        turns = turns.filter(start__lt=span[1], end__gt=span[0])
    return [
        (start, end, speaker if speaker is not None else attributed)
        for start, end, speaker, attributed in turns.annotate(attributed=Subquery(first_attributed))
        .order_by("start")
        .values_list("start", "end", "participant_id", "attributed")
    ]


def participant_at(turns: list[tuple[int, int, int | None]], start: int, end: int) -> int | None:
    """The participant of the first turn of `turns` (from `turn_participants`) overlapping
    `[start, end)` that has one: a coding's denormalised participant."""
    return next((p for s, e, p in turns if s < end and e > start and p is not None), None)


def is_paragraph_source(turns: list[Segment]) -> bool:
    """Paragraphs (field notes, a document), not speaker turns: what may be attributed."""
    return bool(turns) and not any(t.speaker or t.participant_id or t.researcher_id for t in turns)


@dataclass(frozen=True)
class AttributionChoice:
    participant: Participant
    suggested: bool  # the pseudonym appears in the paragraph
    checked: bool


def attach_attribution_choices(*, turns: list[Segment], participants: list[Participant]) -> None:
    """Give each paragraph of `turns` (from `source_turns`: attributions loaded, so no query)
    `attribution_choices`: the site's participants to attribute it to, those whose pseudonym
    appears in it (a whole word, any case) first, as suggestions."""
    patterns = [
        (p, re.compile(rf"(?<!\w){re.escape(p.pseudonym)}(?!\w)", re.IGNORECASE))
        for p in participants
    ]
    for turn in turns:
        attributed = {a.participant_id for a in turn.attributions.all()}
        named = {p.pk for p, pattern in patterns if pattern.search(turn.body)}
        turn.attribution_choices = sorted(  # type: ignore[attr-defined]  # for the template
            (AttributionChoice(p, p.pk in named, p.pk in attributed) for p in participants),
            key=lambda c: (not c.suggested, c.participant.pseudonym.casefold()),
        )


def source_people(*, source: Source) -> dict[str, list]:
    """Who was there: participants present (observation), interviewers and interviewees, with
    consent loaded for the badges. Constant queries."""
    people: dict[str, list] = {"present": [], "interviewers": [], "interviewees": []}
    observation = getattr(source, "observation", None)
    interview = getattr(source, "interview", None)
    if observation is not None:
        people["present"] = list(
            _participants_with_consent().filter(observations=observation).order_by("pseudonym")
        )
    if interview is not None:
        people["interviewers"] = list(interview.interviewers.order_by("username"))
        people["interviewees"] = list(
            _participants_with_consent().filter(interviews=interview).order_by("pseudonym")
        )
    return people


@dataclass(frozen=True)
class SpeakerLabel:
    label: str
    turns: int
    participant: Participant | None
    researcher: object | None


def source_speakers(*, source: Source, turns: list[Segment] | None = None) -> list[SpeakerLabel]:
    """Each distinct speaker label with its turn count and current mapping (from the first
    turn carrying it)."""
    turns = turns if turns is not None else source_turns(source=source)
    seen: dict[str, SpeakerLabel] = {}
    counts: dict[str, int] = {}
    for turn in turns:
        if not turn.speaker:
            continue
        counts[turn.speaker] = counts.get(turn.speaker, 0) + 1
        if turn.speaker not in seen:
            seen[turn.speaker] = SpeakerLabel(turn.speaker, 0, turn.participant, turn.researcher)
    return [
        SpeakerLabel(label, counts[label], s.participant, s.researcher) for label, s in seen.items()
    ]


def site_participants(*, site: Site) -> list[Participant]:
    return list(_participants_with_consent().filter(site=site).order_by("pseudonym"))


def sources_with_unmapped_speakers(*, site: Site) -> list[Source]:
    """The site's sources with turns whose speaker is mapped to nobody (`unmapped_count`
    turns each), for the site page's flag. One query."""
    return list(
        Source.objects.filter(site=site)
        .annotate(unmapped_count=Count("segments", filter=unmapped_q(prefix="segments__")))
        .filter(unmapped_count__gt=0)
        .defer("text")
        .order_by("-date", "title", "pk")
    )


def unmapped_speaker_flags(site: Site) -> list[ConsentFlag]:
    """For sites.selectors.consent_flag_providers: sources whose speaker labels are mapped
    to nobody, whose words therefore escape every consent check."""
    sources = sources_with_unmapped_speakers(site=site)
    if not sources:
        return []
    # (source, its unmapped turns), from the queryset's annotation.
    counted = [(s, s.unmapped_count) for s in sources]  # type: ignore[attr-defined]
    turns = sum(n for _s, n in counted)
    return [
        ConsentFlag(
            f"{len(sources)} source{'s' if len(sources) != 1 else ''} "
            f"{'have' if len(sources) != 1 else 'has'} {turns} turn{'s' if turns != 1 else ''} "
            "whose speaker is not mapped to a participant: a withdrawal cannot reach those "
            "words until the speaker is mapped.",
            [
                (
                    f"Map the speakers of “{s.title}” ({n} turn{'s' if n != 1 else ''})",
                    reverse("fieldwork:source-speakers", kwargs={"pk": s.pk}),
                )
                for s, n in counted
            ],
        )
    ]


def import_job_list(*, site: Site, limit: int = 100) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(site=site)
        .select_related("source", "created_by", "site")
        .order_by("-created_at", "-pk")[:limit]
    )


def site_fieldwork_counts(*, user) -> QuerySet:
    return (
        Site.objects.visible_to(user)
        .annotate(source_count=Count("sources", distinct=True))
        .order_by("name")
    )


# --- access helpers: one per entity; another site's object answers 404 ---------------------


def get_source_for_user(user, pk: int) -> tuple[Source, SiteAccess]:
    return get_object_for_user(user, source_detail_queryset(), pk)


def get_import_job_for_user(user, code: str, pk: int) -> tuple[ImportJob, SiteAccess]:
    jobs = ImportJob.objects.select_related("site", "source", "created_by")
    return get_object_at_site_for_user(user, code, jobs, pk)


def get_replacement_for_user(user, code: str, pk: int) -> tuple[Replacement, SiteAccess]:
    return get_object_at_site_for_user(user, code, Replacement.objects.select_related("site"), pk)
