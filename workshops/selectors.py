"""Reads for series, sessions, mirror data and the recording loop. Every page runs a constant
number of queries, whatever the number of items, attendees or turns.

Consent: a mirror item shows participants' words to colleagues, so it is blocked when any of
its speakers' latest decision (the project's fold, `consent_status_from_records`) for taking
part, for being quoted (the project-wide exclusion, `themes.models.consent_filter`) or for
being shown to colleagues in workshops is withdrawn or declined. It is computed at every read,
never stored: a withdrawal revokes an item at once, everywhere.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from fieldwork.models import Segment, Source
from sites.access import SiteAccess, get_object_at_site_for_user, get_site_for_user
from sites.models import (
    ConsentDecision,
    ConsentRecord,
    ConsentScope,
    Membership,
    Participant,
    ResearchPhase,
    Site,
    consent_status_from_records,
)
from themes import selectors as theme_selectors
from themes.models import Coding, Theme, excluded_participant_ids

from .models import (
    ActivitySystemModel,
    Contradiction,
    Experiment,
    LearningAction,
    MirrorItem,
    MirrorItemStatus,
    SurfaceColumn,
    TimeLayer,
    Workshop,
    WorkshopActivity,
    WorkshopSeries,
    WorkshopStatus,
)

# The scopes whose withdrawal or refusal keeps a participant's words off a workshop's walls.
MIRROR_SCOPES = (ConsentScope.PARTICIPATION, ConsentScope.QUOTATION, ConsentScope.WORKSHOP)
BLOCKING = (ConsentDecision.WITHDRAWN, ConsentDecision.DECLINED)
SCOPE_WORDS = {
    ConsentScope.PARTICIPATION: "taking part",
    ConsentScope.QUOTATION: "being quoted",
    ConsentScope.WORKSHOP: "being shown to colleagues in workshops",
}


# --- consent ------------------------------------------------------------------------------


def mirror_blocks(*, participant_ids=None, site: Site | None = None) -> dict[int, str]:
    """participant id -> why their words cannot be shown in workshops, for the participants
    (of `participant_ids`, or of `site`) whose latest decision for a mirror scope is
    withdrawn or declined. One query."""
    candidates = ConsentRecord.objects.filter(scope__in=MIRROR_SCOPES, decision__in=BLOCKING)
    if participant_ids is not None:
        candidates = candidates.filter(participant_id__in=list(participant_ids))
    if site is not None:
        candidates = candidates.filter(participant__site=site)
    records = (
        ConsentRecord.objects.filter(participant_id__in=candidates.values("participant_id"))
        .select_related("participant")
        .order_by()
    )
    by_participant: dict[int, list[ConsentRecord]] = defaultdict(list)
    for record in records:
        by_participant[record.participant_id].append(record)
    blocks = {}
    for participant_id, history in by_participant.items():
        status = consent_status_from_records(history)
        reasons = []
        for scope in MIRROR_SCOPES:
            decision = status.by_scope.get(scope)
            if decision in BLOCKING:
                latest = max(
                    (r for r in history if r.scope == scope),
                    key=lambda r: (r.effective_date, r.recorded_at, r.pk),
                )
                verb = "withdrew" if decision == ConsentDecision.WITHDRAWN else "declined"
                reasons.append(
                    f"{verb} consent to {SCOPE_WORDS[scope]} on {latest.effective_date:%-d %b %Y}"
                )
        if reasons:
            pseudonym = history[0].participant.pseudonym
            blocks[participant_id] = f"{pseudonym} " + "; ".join(reasons) + "."
    return blocks


def excerpt_speaker_ids(*, source_id: int, start: int, end: int) -> list[int]:
    """Participants whose turns overlap `[start, end)` of the source."""
    return list(
        Segment.objects.filter(
            source_id=source_id, start__lt=end, end__gt=start, participant__isnull=False
        )
        .values_list("participant_id", flat=True)
        .distinct()
    )


@dataclass
class ItemView:
    """A mirror item as a page shows it: revoked (with the reason) when a speaker's consent
    no longer allows it."""

    item: MirrorItem
    revoked_reason: str = ""

    @property
    def revoked(self) -> bool:
        return bool(self.revoked_reason)


def item_views(items: list[MirrorItem], blocks: dict[int, str]) -> list[ItemView]:
    """Items with `speakers` prefetched; `blocks` from `mirror_blocks`."""
    views = []
    for item in items:
        reasons = [blocks[p.pk] for p in item.speakers.all() if p.pk in blocks]
        views.append(ItemView(item, " ".join(reasons)))
    return views


def usable_items(items) -> list[MirrorItem]:
    """The items a pack or a board may print: accepted and not revoked (one query for the
    blocks; `speakers` must be prefetched)."""
    items = list(items)
    speaker_ids = {p.pk for item in items for p in item.speakers.all()}
    blocks = mirror_blocks(participant_ids=speaker_ids) if speaker_ids else {}
    return [
        view.item
        for view in item_views(items, blocks)
        if not view.revoked and view.item.status == MirrorItemStatus.ACCEPTED
    ]


# --- access helpers ---------------------------------------------------------------------


def get_series_for_user(user, code: str, pk: int) -> tuple[WorkshopSeries, SiteAccess]:
    return get_object_at_site_for_user(
        user, code, WorkshopSeries.objects.select_related("site"), pk
    )


def get_workshop_for_user(user, code: str, pk: int) -> tuple[Workshop, SiteAccess]:
    return get_object_at_site_for_user(
        user, code, Workshop.objects.select_related("site", "series", "recording"), pk
    )


def get_mirror_item_for_user(user, code: str, pk: int) -> tuple[MirrorItem, SiteAccess]:
    return get_object_at_site_for_user(
        user, code, MirrorItem.objects.select_related("site", "workshop"), pk
    )


def get_activity_for_user(user, code: str, pk: int) -> tuple[WorkshopActivity, SiteAccess]:
    access = get_site_for_user(user, code)
    try:
        activity = WorkshopActivity.objects.select_related("workshop__site", "workshop").get(
            workshop__site=access.site, pk=pk
        )
    except WorkshopActivity.DoesNotExist:
        raise Http404("No such agenda item.") from None
    return activity, access


# --- series -----------------------------------------------------------------------------


def sites_with_series(*, user) -> list[Site]:
    return list(
        Site.objects.visible_to(user)
        .prefetch_related(
            Prefetch("workshop_series", queryset=WorkshopSeries.objects.order_by("created_at"))
        )
        .order_by("name")
    )


def series_list(*, site: Site) -> list[WorkshopSeries]:
    return list(
        WorkshopSeries.objects.filter(site=site)
        .prefetch_related(
            Prefetch("sessions", queryset=Workshop.objects.order_by("number")),
            "facilitators",
        )
        .order_by("created_at", "pk")
    )


def site_staff(*, site: Site) -> list:
    """Users with a role at the site (candidates for facilitator, co-facilitator, scribe)."""
    return [
        m.user
        for m in Membership.objects.filter(site=site)
        .select_related("user")
        .order_by("user__username")
    ]


def site_participants(*, site: Site) -> QuerySet[Participant]:
    return Participant.objects.filter(site=site).with_details().order_by("pseudonym")


def site_experiments(*, site: Site) -> list[Experiment]:
    return list(
        Experiment.objects.filter(site=site)
        .select_related("agreed_in", "reviewed_in")
        .order_by("review_date", "pk")
    )


# --- one session --------------------------------------------------------------------------


@dataclass
class Attendee:
    participant: Participant
    flags: list[str]  # plain-words red flags: missing consent to recording / to being shown
    came: bool | None  # None until the session is held


def attendee_flags(participant: Participant) -> list[str]:
    """Red flags for the attendee list (DOMAIN A7): anyone without consent to recording
    (taking part and being recorded) or to being shown to colleagues."""
    by_scope = participant.consent.by_scope
    flags = []
    if by_scope.get(ConsentScope.PARTICIPATION) != ConsentDecision.GIVEN:
        flags.append("No consent to being recorded")
    if by_scope.get(ConsentScope.WORKSHOP) != ConsentDecision.GIVEN:
        flags.append("No consent to being shown to colleagues")
    return flags


@dataclass
class AgendaRow:
    activity: WorkshopActivity
    running_total: int


@dataclass
class SessionPage:
    workshop: Workshop
    attendees: list[Attendee]
    agenda: list[AgendaRow]
    agenda_total: int
    items: list[ItemView]
    models: list[ActivitySystemModel]
    contradictions: list[Contradiction]
    experiments: list[Experiment]
    to_review: list[Experiment]
    flags_count: int
    present_ids: set[int] = field(default_factory=set)


def _items_queryset() -> QuerySet[MirrorItem]:
    return MirrorItem.objects.select_related("added_by").prefetch_related("speakers")


def session_page(*, workshop: Workshop) -> SessionPage:
    """Everything the session page shows, in a fixed number of queries."""
    attendees_qs = (
        workshop.attendees.select_related("profession", "agency")
        .prefetch_related("consent_records")
        .order_by("pseudonym")
    )
    present_ids = set(workshop.present.values_list("pk", flat=True))
    held = workshop.status != WorkshopStatus.PLANNED
    attendees = [
        Attendee(p, attendee_flags(p), (p.pk in present_ids) if held else None)
        for p in attendees_qs
    ]
    activities = list(
        workshop.activities.select_related("second_stimulus_model").prefetch_related(
            Prefetch("first_stimulus", queryset=MirrorItem.objects.only("pk", "title", "text"))
        )
    )
    total, agenda = 0, []
    for activity in activities:
        total += activity.minutes
        agenda.append(AgendaRow(activity, total))
    items = list(_items_queryset().filter(workshop=workshop))
    speaker_ids = {p.pk for item in items for p in item.speakers.all()}
    blocks = mirror_blocks(participant_ids=speaker_ids) if speaker_ids else {}
    models = list(ActivitySystemModel.objects.filter(built_in=workshop).prefetch_related("entries"))
    contradictions = list(
        Contradiction.objects.filter(status_history__workshop=workshop)
        .distinct()
        .select_related("model")
    )
    experiments = list(Experiment.objects.filter(agreed_in=workshop).order_by("pk"))
    # The experiments this session should review: agreed in an earlier session of the series,
    # not yet reviewed elsewhere, due by this session's date (or reviewed here).
    to_review = list(
        Experiment.objects.filter(
            Q(reviewed_in=workshop)
            | Q(
                agreed_in__series_id=workshop.series_id,
                agreed_in__number__lt=workshop.number,
                reviewed_in__isnull=True,
                review_date__lte=workshop.date or datetime.date.max,
            )
        )
        .select_related("agreed_in")
        .order_by("review_date", "pk")
    )
    return SessionPage(
        workshop=workshop,
        attendees=attendees,
        agenda=agenda,
        agenda_total=total,
        items=item_views(items, blocks),
        models=models,
        contradictions=contradictions,
        experiments=experiments,
        to_review=to_review,
        flags_count=sum(1 for a in attendees if a.flags),
        present_ids=present_ids,
    )


@dataclass
class Cell:
    column: str
    column_label: str
    layer: str
    layer_label: str
    items: list[ItemView]


def board(*, workshop: Workshop) -> list[list[Cell]]:
    """The 3×3 surfaces: rows are time layers (past, present, future), columns the
    abstraction axis (mirror, model, ideas); items in their order within each cell."""
    items = list(_items_queryset().filter(workshop=workshop).order_by("order", "pk"))
    speaker_ids = {p.pk for item in items for p in item.speakers.all()}
    blocks = mirror_blocks(participant_ids=speaker_ids) if speaker_ids else {}
    cells: dict[tuple[str, str], list[ItemView]] = defaultdict(list)
    for view in item_views(items, blocks):
        cells[(view.item.surface_column, view.item.surface_layer)].append(view)
    return [
        [
            Cell(column.value, column.label, layer.value, layer.label, cells[(column, layer)])
            for column in SurfaceColumn
        ]
        for layer in TimeLayer
    ]


# --- mirror-excerpt search ----------------------------------------------------------------


@dataclass
class Candidate:
    excerpt: theme_selectors.Excerpt
    blocked_reason: str
    already_added: bool


def mirror_search(
    *,
    user,
    site: Site,
    workshop: Workshop,
    filters: theme_selectors.ExcerptFilters,
    theme: Theme | None,
    phases: list[ResearchPhase],
    limit: int = 50,
) -> tuple[list[Candidate], bool]:
    """Coded excerpts of the site (the retrieval query: visibility and the project's consent
    exclusion applied), with the reason any of them cannot be chosen (a speaker declined or
    withdrew being shown to colleagues). Returns (candidates, more_exist)."""
    filters.sites = [site.pk]
    theme_ids = theme.descendant_ids() if theme is not None else None
    ids = list(
        theme_selectors.excerpt_queryset(
            user=user,
            filters=filters,
            phases=phases,
            theme_ids=theme_ids,
            excluded_ids=excluded_participant_ids(),
        )[: limit + 1]
    )
    more = len(ids) > limit
    excerpts = theme_selectors.with_phases(ids[:limit], phases, context=True)
    blocks = mirror_blocks(site=site)
    turns_by_source: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    if blocks and excerpts:
        for source_id, start, end, participant_id in Segment.objects.filter(
            source_id__in={e.coding.source_id for e in excerpts},
            participant_id__in=list(blocks),
        ).values_list("source_id", "start", "end", "participant_id"):
            turns_by_source[source_id].append((start, end, participant_id))
    added = set(
        MirrorItem.objects.filter(workshop=workshop, coding__isnull=False).values_list(
            "coding_id", flat=True
        )
    )
    candidates = []
    for excerpt in excerpts:
        c = excerpt.coding
        reasons = {
            blocks[pid]
            for start, end, pid in turns_by_source.get(c.source_id, [])
            if start < c.end and end > c.start
        }
        candidates.append(Candidate(excerpt, " ".join(sorted(reasons)), c.pk in added))
    return candidates, more


# --- the recording loop -----------------------------------------------------------------


LEARNING_ACTION_KEYS = tuple(LearningAction.values)


def learning_action_themes() -> dict[int, str]:
    """theme id -> learning action value, for the codebook's learning-action themes."""
    return dict(
        Theme.objects.filter(seed_key__in=LEARNING_ACTION_KEYS).values_list("pk", "seed_key")
    )


@dataclass
class TimelineMark:
    action: str
    label: str
    turn_order: int | None
    timestamp: str
    speaker: str
    quote: str
    percent: float  # position along the transcript, 0–100


@dataclass
class TranscriptTurn:
    segment: Segment
    item: MirrorItem | None
    actions: list[str]


@dataclass
class RecordingView:
    source: Source | None
    timeline: list[TimelineMark]
    action_counts: list[tuple[str, int]]
    turns: list[TranscriptTurn]
    speakers: list[tuple[str, Participant | None, int]]  # label, mapped participant, turns


def recording_view(*, workshop: Workshop, turn_limit: int = 400) -> RecordingView:
    """The learning actions coded in the session's transcript (consent applied), as a
    timeline; its turns with the mirror item on screen while each was spoken."""
    source = workshop.recording
    if source is None:
        return RecordingView(None, [], [], [], [])
    themes = learning_action_themes()
    excluded = excluded_participant_ids()
    codings = list(
        Coding.objects.filter(source=source, theme_id__in=list(themes))
        .consented(excluded)
        .order_by("start", "pk")
        .values_list("theme_id", "start", "end")
    )
    segments = list(
        Segment.objects.filter(source=source)
        .select_related("participant")
        .order_by("order")
        .only(
            "order",
            "speaker",
            "start",
            "end",
            "start_ms",
            "text",
            "participant__pseudonym",
            "participant_id",
        )
    )
    excluded_set = set(excluded)
    length = max(len(source.text), 1) if segments else 1
    labels = dict(LearningAction.choices)
    timeline = []
    counts: dict[str, int] = defaultdict(int)
    turn_actions: dict[int, list[str]] = defaultdict(list)
    for theme_id, start, end in codings:
        action = themes[theme_id]
        counts[action] += 1
        turn = next((s for s in segments if s.start <= start < s.end), None)
        if turn is not None and labels[action] not in turn_actions[turn.order]:
            turn_actions[turn.order].append(labels[action])
        timeline.append(
            TimelineMark(
                action=action,
                label=labels[action],
                turn_order=turn.order if turn else None,
                timestamp=turn.timestamp if turn else "",
                speaker=turn.speaker if turn else "",
                quote=source.text[start:end][:160] if turn is not None else "",
                percent=round(100 * start / length, 1),
            )
        )
    showings = [
        (s.first_turn, s.last_turn, s.item)
        for item in workshop.mirror_items.prefetch_related("showings")
        for s in item.showings.all()
    ]
    turns: list[TranscriptTurn] = []
    speakers: dict[str, list] = {}
    for segment in segments:
        if segment.speaker:
            entry = speakers.setdefault(segment.speaker, [segment.speaker, segment.participant, 0])
            entry[2] += 1
        if segment.participant_id in excluded_set or len(turns) >= turn_limit:
            continue
        item = next((i for first, last, i in showings if first <= segment.order <= last), None)
        turns.append(TranscriptTurn(segment, item, turn_actions.get(segment.order, [])))
    return RecordingView(
        source=source,
        timeline=timeline,
        action_counts=[(labels[a], counts[a]) for a in LEARNING_ACTION_KEYS if counts.get(a)],
        turns=turns,
        speakers=[tuple(v) for v in speakers.values()],
    )


def summary_draft(*, workshop: Workshop) -> str:
    """The next session's summary, assembled from this session's notes, the contradictions
    discussed, the experiments agreed and the learning actions coded in its transcript."""
    lines = [f"Summary of session {workshop.number}: {workshop.title}"]
    if workshop.date:
        lines[0] += f" ({workshop.date:%-d %B %Y})"
    lines.append("")
    if workshop.held_notes.strip():
        lines += ["What happened", workshop.held_notes.strip(), ""]
    if workshop.deviations.strip():
        lines += ["Departures from the plan", workshop.deviations.strip(), ""]
    contradictions = list(
        Contradiction.objects.filter(status_history__workshop=workshop)
        .distinct()
        .order_by("level", "pk")
    )
    if contradictions:
        lines.append("Contradictions discussed")
        lines += [
            f"- {c.formulation} ({c.get_level_display().lower()}; {c.get_status_display().lower()})"
            for c in contradictions
        ]
        lines.append("")
    experiments = list(Experiment.objects.filter(agreed_in=workshop).order_by("pk"))
    if experiments:
        lines.append("Changes agreed to try")
        for e in experiments:
            when = f", review on {e.review_date:%-d %B %Y}" if e.review_date else ""
            lines.append(f"- {e.title} (owner: {e.owner}{when})")
        lines.append("")
    models = list(ActivitySystemModel.objects.filter(built_in=workshop).order_by("pk"))
    if models:
        lines.append("Models drafted")
        lines += [f"- {m}" for m in models]
        lines.append("")
    recording = recording_view(workshop=workshop, turn_limit=0)
    if recording.action_counts:
        lines.append("Learning actions coded in the transcript")
        lines += [f"- {label}: {count}" for label, count in recording.action_counts]
        lines.append("")
    lines += ["Open questions", "- "]
    return "\n".join(lines).strip() + "\n"


def calendar_items(*, series: WorkshopSeries) -> tuple[list[Workshop], list[Experiment]]:
    sessions = list(series.sessions.filter(date__isnull=False).order_by("number"))
    experiments = list(
        Experiment.objects.filter(
            Q(agreed_in__series=series) | Q(reviewed_in__series=series),
            review_date__isnull=False,
        )
        .distinct()
        .order_by("review_date", "pk")
    )
    return sessions, experiments


def today() -> datetime.date:
    return datetime.date.today()
