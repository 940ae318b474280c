"""What a workshop pack prints (DOMAIN A7), gathered from the database alone.

`pack_content(workshop)` returns a `PackContent` of plain values (strings, lists, SVG
markup): both renderers (PDF and DOCX) and the preview page print it and nothing else.

Consent is applied here, once, for every section:

* a mirror item is left out altogether (not struck through, not counted) when it is not
  accepted or is revoked: a speaker's latest decision for taking part, being quoted or being
  shown to colleagues in workshops is withdrawn or declined (`selectors.mirror_blocks`, the
  workshops app's revocation rule) or the speaker is excluded by the project's consent
  exclusion (`themes.models.excluded_participant_ids`). Speakers are read both from the
  item's recorded speakers and, live, from the transcript turns its range overlaps, so a
  turn mapped to a participant after the item was made still counts;
* evidence quotes under the site model go through `analysis_selectors.evidence_for` (the
  consent exclusion), and a mirror item used as evidence must also pass the rule above;
  withheld evidence is left out;
* text typed by the team (the previous session's summary, model entries, contradictions,
  agenda descriptions, facilitator notes and prompts, typed document extracts and figures)
  is checked against the words of every blocked participant of the site and of every
  revoked item: a line (or typed item) that quotes five words in a row of them is left out;
  the summary says how many of its lines were, without their words.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from fieldwork.models import Segment
from sites.models import ConsentDecision, ConsentScope, Participant
from themes.models import Coding, excluded_participant_ids

from .. import analysis_selectors, selectors, svg
from ..models import (
    ActivitySystemModel,
    ConceptualTool,
    Contradiction,
    ContradictionStatus,
    Experiment,
    LearningAction,
    MirrorItem,
    MirrorItemKind,
    MirrorItemStatus,
    SharedObject,
    SurfaceColumn,
    TimeLayer,
    Workshop,
    WorkshopActivity,
)
from . import diagrams
from .diagrams import Diagram

# --- the dataclasses the renderers print ----------------------------------------------------


@dataclass
class AgendaEntry:
    number: int
    title: str
    description: str
    minutes: int
    starts: str  # clock time ("09:30"), '' when the session has no start time
    ends: str
    running_total: int
    first_stimulus: list[str]  # "M3 · Referrals bounced back"
    second_stimulus: str


@dataclass
class PersonRow:
    pseudonym: str
    agency: str
    role: str
    level: str
    consent: list[str]  # one line per scope, in words
    flags: list[str]  # red flags (no consent to recording / to being shown)
    scribe: bool = False


@dataclass
class MirrorEntry:
    ref: str  # M1, M2… in the pack's order
    pk: int
    title: str
    kind: str
    is_quote: bool
    text: str
    speaker: str
    source: str  # title, type and date
    location: str  # turns and characters
    themes: str
    provenance_id: str
    provenance_note: str
    clearance: str
    surface: str  # "Mirror × Present"
    column: str
    layer: str
    facilitator_note: str
    prompts: list[str]


@dataclass
class PreviousSummary:
    heading: str
    lines: list[str]
    withheld_lines: int
    contradictions: list[str]
    experiments: list[str]
    models: list[str]
    saved: bool


@dataclass
class ModelEntryRow:
    element: str
    text: str
    evidence: list[str]  # "“quote” — provenance"


@dataclass
class SurfaceCell:
    column_label: str
    layer_label: str
    items: list[str]


@dataclass
class NoteEntry:
    title: str
    time_check: str
    items: list[MirrorEntry]
    tool: str
    tool_prompts: list[str]


@dataclass
class PackContent:
    site_id: int
    site_name: str
    site_code: str
    series_title: str
    number: int
    title: str
    running_header: str
    date: str
    times: str
    venue: str
    status: str
    aims: str
    series_aims: str
    layer_focus: str
    target_actions: str
    first_stimulus_plan: str
    second_stimulus_plan: str
    expected_outputs: str
    facilitator: str
    co_facilitator: str
    scribe: str
    agenda: list[AgendaEntry]
    agenda_total: int
    length_minutes: int | None
    participants: list[PersonRow]
    flagged_count: int
    previous: PreviousSummary | None
    mirror: list[MirrorEntry]
    diagrams: list[Diagram]
    model_title: str
    model_entries: list[ModelEntryRow]
    surfaces: list[list[SurfaceCell]]  # rows: past, present, future; columns as the board
    notes: list[NoteEntry]
    unscheduled: list[MirrorEntry]
    expected_contradictions: list[str]
    scribe_handover: list[str]
    checklist: list[str]
    generated: str
    # Whose words the pack quotes (mirror items and model evidence): for the document jobs,
    # which must know which files a later withdrawal concerns.
    participant_ids: set[int]


# --- consent -----------------------------------------------------------------------------

GRAM = 5  # words in a row that make a line a quotation of withheld words
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class WithheldWords:
    """The words of blocked participants and revoked items; tells whether a free-text line
    quotes any of them (five words in a row, or the whole of a shorter turn of 3–4 words)."""

    def __init__(self, texts: list[str]):
        self.grams: set[tuple[str, ...]] = set()
        self.short: set[str] = set()
        for text in texts:
            words = _words(text)
            if len(words) >= GRAM:
                self.grams.update(tuple(words[i : i + GRAM]) for i in range(len(words) - GRAM + 1))
            elif len(words) >= 3:
                self.short.add(" " + " ".join(words) + " ")

    def quotes(self, line: str) -> bool:
        words = _words(line)
        if any(tuple(words[i : i + GRAM]) in self.grams for i in range(len(words) - GRAM + 1)):
            return True
        if self.short:
            joined = " " + " ".join(words) + " "
            return any(phrase in joined for phrase in self.short)
        return False


@dataclass
class Consent:
    blocks: dict[int, str]  # participant id -> reason (workshops' mirror rule)
    excluded: set[int]  # the project's consent exclusion

    @property
    def blocked_ids(self) -> set[int]:
        return set(self.blocks) | self.excluded


def _consent(site) -> Consent:
    return Consent(
        blocks=selectors.mirror_blocks(site=site), excluded=set(excluded_participant_ids())
    )


def revoked_item_ids(items: list[MirrorItem], consent: Consent) -> set[int]:
    """Ids of `items` (speakers prefetched) that must not be shown: a recorded speaker is
    blocked, or a blocked participant speaks in a turn the item's range overlaps."""
    blocked = consent.blocked_ids
    if not blocked:
        return set()
    revoked = {i.pk for i in items if any(p.pk in blocked for p in i.speakers.all())}
    ranged = [i for i in items if i.source_id and i.start is not None and i.end is not None]
    if ranged:
        turns: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for source_id, start, end in Segment.objects.filter(
            source_id__in={i.source_id for i in ranged}, participant_id__in=blocked
        ).values_list("source_id", "start", "end"):
            turns[source_id].append((start, end))
        for item in ranged:
            if any(s < item.end and e > item.start for s, e in turns.get(item.source_id, [])):
                revoked.add(item.pk)
    return revoked


def _withheld_words(site, consent: Consent) -> WithheldWords:
    blocked = consent.blocked_ids
    if not blocked:
        return WithheldWords([])
    texts = list(
        Segment.objects.filter(participant_id__in=blocked, source__site=site).values_list(
            "text", flat=True
        )
    )
    texts += list(
        MirrorItem.objects.filter(site=site, speakers__in=blocked)
        .distinct()
        .values_list("text", flat=True)
    )
    return WithheldWords(texts)


# --- helpers -----------------------------------------------------------------------------


def _guarded(text: str, guard: WithheldWords) -> str:
    """Free text written by the team, without the lines that quote withheld words."""
    return "\n".join(line for line in text.splitlines() if not guard.quotes(line))


def _person(user) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def _clock(start: datetime.time | None, minutes: int) -> str:
    if start is None:
        return ""
    moment = datetime.datetime.combine(datetime.date(2000, 1, 1), start)
    return (moment + datetime.timedelta(minutes=minutes)).strftime("%H:%M")


def _date(value: datetime.date | None, fmt: str = "%-d %B %Y") -> str:
    return value.strftime(fmt) if value else ""


SCOPE_SHORT = {
    ConsentScope.PARTICIPATION: "Taking part and being recorded",
    ConsentScope.QUOTATION: "Being quoted",
    ConsentScope.WORKSHOP: "Being shown to colleagues in workshops",
}
DECISION_WORDS = {
    ConsentDecision.GIVEN: "given",
    ConsentDecision.DECLINED: "declined",
    ConsentDecision.WITHDRAWN: "withdrawn",
}

TOOL_PROMPTS = {
    ConceptualTool.TRIANGLE: [
        "Who is the subject here, and what are they working on (the object)?",
        "Which tools, rules, community and division of labour shape the work?",
        "Where do the troubles in the mirror data sit on the triangle?",
    ],
    ConceptualTool.SITE_MODEL: [
        "Is this still how the work is organised? What would you change on the model?",
        "Which entries do the mirror items confirm, and which do they contradict?",
    ],
    ConceptualTool.THIRD_GENERATION: [
        "What does each activity system take to be the object?",
        "Where do the objects overlap, and where do they pull apart?",
    ],
    ConceptualTool.CYCLE: [
        "Which learning actions have we gone through so far?",
        "Where are we now in the cycle, and what comes next?",
    ],
    ConceptualTool.TIMELINE: [
        "When did this way of working start? What came before it?",
        "Which changes (reorganisations, new rules, new tools) mark the timeline?",
    ],
    ConceptualTool.CHANGE_MATRIX: [
        "For each element, what would need to change for the new model to work?",
    ],
    ConceptualTool.GROUND_RULES: ["Agree the ground rules before the first mirror item."],
}


def _source_words(item: MirrorItem) -> str:
    parts = [item.source_title]
    details = [p for p in (item.source_kind, _date(item.source_date, "%-d %b %Y")) if p]
    if details:
        parts.append("(" + ", ".join(details) + ")")
    return " ".join(p for p in parts if p)


def _clearance(item: MirrorItem, speakers: list[Participant]) -> str:
    if not speakers:
        if item.kind == MirrorItemKind.EXCERPT:
            return (
                "Cleared: no speaker in these turns is a participant who declined or "
                "withdrew consent."
            )
        return "Cleared: no participant's words."
    names = ", ".join(p.pseudonym for p in speakers)
    checked = _date(timezone.localdate())
    return (
        f"Cleared for {names}: consent to taking part, being quoted and being shown to "
        f"colleagues in workshops is not declined or withdrawn (checked {checked})."
    )


def _mirror_entries(items: list[MirrorItem], guard: WithheldWords) -> list[MirrorEntry]:
    entries = []
    for n, item in enumerate(items, start=1):
        speakers = sorted(item.speakers.all(), key=lambda p: p.pseudonym)
        ids = [f"item {item.pk}"]
        if item.source_id:
            ids.append(f"source {item.source_id}")
        if item.coding_id:
            ids.append(f"coding {item.coding_id}")
        entries.append(
            MirrorEntry(
                ref=f"M{n}",
                pk=item.pk,
                title=item.title or _cut(item.text, 60),
                kind=item.get_kind_display(),
                is_quote=item.kind == MirrorItemKind.EXCERPT,
                text=item.text,
                speaker=item.speaker_label,
                source=_source_words(item),
                location=item.range_label,
                themes=item.theme_names,
                provenance_id=", ".join(ids),
                provenance_note=item.provenance_note,
                clearance=_clearance(item, speakers),
                surface=f"{item.get_surface_column_display()} × {item.get_surface_layer_display()}",
                column=item.surface_column,
                layer=item.surface_layer,
                facilitator_note=_guarded(item.facilitator_note, guard),
                prompts=[q for q in item.prompt_list if not guard.quotes(q)],
            )
        )
    return entries


def _cut(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _participants(workshop: Workshop) -> list[PersonRow]:
    people = (
        workshop.attendees.select_related("profession", "agency")
        .prefetch_related("consent_records")
        .order_by("pseudonym")
    )
    rows = []
    for p in people:
        by_scope = p.consent.by_scope
        consent = [
            f"{label}: {DECISION_WORDS.get(by_scope.get(scope), 'not recorded')}"
            for scope, label in SCOPE_SHORT.items()
        ]
        role = ", ".join(x for x in (p.job_title, str(p.profession)) if x)
        rows.append(
            PersonRow(
                pseudonym=p.pseudonym,
                agency=str(p.agency) if p.agency_id else "—",
                role=role or "—",
                level=p.get_level_display(),
                consent=consent,
                flags=selectors.attendee_flags(p),
                scribe=p.pk == workshop.scribe_participant_id,
            )
        )
    return rows


def _previous(workshop: Workshop, guard: WithheldWords) -> PreviousSummary | None:
    prev = (
        Workshop.objects.filter(series_id=workshop.series_id, number__lt=workshop.number)
        .order_by("-number")
        .first()
    )
    if prev is None:
        return None
    saved = bool(prev.next_summary.strip())
    text = prev.next_summary if saved else selectors.summary_draft(workshop=prev)
    lines, withheld = [], 0
    for line in text.splitlines():
        if guard.quotes(line):
            withheld += 1
        else:
            lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    contradictions = [
        f"{c.formulation} ({c.get_level_display().lower()}; {c.get_status_display().lower()})"
        for c in Contradiction.objects.filter(status_history__workshop=prev)
        .distinct()
        .order_by("level", "pk")
        if not guard.quotes(c.formulation)
    ]
    experiments = [
        f"{e.title} (owner: {e.owner}"
        + (f", review on {_date(e.review_date)}" if e.review_date else "")
        + ")"
        for e in Experiment.objects.filter(agreed_in=prev).order_by("pk")
    ]
    models = [str(m) for m in ActivitySystemModel.objects.filter(built_in=prev).order_by("pk")]
    heading = f"Session {prev.number}: {prev.title}"
    if prev.date:
        heading += f" ({_date(prev.date)})"
    return PreviousSummary(heading, lines, withheld, contradictions, experiments, models, saved)


def _current_model(workshop: Workshop, activities: list[WorkshopActivity]):
    """The model the agenda shows; else the site's current model: one with entries, of the
    present layer, built latest in this series up to this session, latest version."""
    for activity in activities:
        if activity.second_stimulus_model_id:
            return activity.second_stimulus_model
    models = list(
        ActivitySystemModel.objects.filter(site=workshop.site)
        .select_related("built_in")
        .annotate(entry_count=Count("entries"))
    )
    if not models:
        return None

    def rank(m: ActivitySystemModel) -> tuple:
        in_series = (
            m.built_in is not None
            and m.built_in.series_id == workshop.series_id
            and m.built_in.number <= workshop.number
        )
        return (
            m.entry_count > 0,
            m.layer == TimeLayer.PRESENT,
            in_series,
            m.built_in.number if in_series else 0,
            m.version,
            m.entry_count,
            m.pk,
        )

    return max(models, key=rank)


def _model_section(
    workshop: Workshop,
    model: ActivitySystemModel | None,
    consent: Consent,
    guard: WithheldWords,
) -> tuple[list[Diagram], str, list[ModelEntryRow], list[analysis_selectors.Evidence]]:
    """The site's model (drawn and as a table with its cleared evidence) and the
    third-generation diagram."""
    out: list[Diagram] = []
    quoted: list[analysis_selectors.Evidence] = []
    if model is None:
        return out, "", [], quoted
    view = analysis_selectors.model_views([model], site=workshop.site)[0]
    evidence_item_ids = {
        e.pk
        for slot in view.slots
        for ev in slot.entries
        for e in ev.evidence
        if e.kind == "mirror"
    }
    revoked = set()
    if evidence_item_ids:
        revoked = revoked_item_ids(
            list(MirrorItem.objects.filter(pk__in=evidence_item_ids).prefetch_related("speakers")),
            consent,
        )
    rows = []
    for slot in view.slots:
        slot.entries = [ev for ev in slot.entries if not guard.quotes(ev.entry.text)]
        for ev in slot.entries:
            cleared = [
                e
                for e in ev.evidence
                if not e.withheld
                and not (e.kind == "mirror" and e.pk in revoked)
                and not guard.quotes(e.quote)
            ]
            quoted += cleared
            rows.append(
                ModelEntryRow(
                    element=slot.label,
                    text=ev.entry.text,
                    evidence=[
                        f"“{e.quote}” — {e.speaker + ', ' if e.speaker else ''}{e.where}"
                        for e in cleared
                    ],
                )
            )
    title = str(model)
    grid = diagrams.triangle_grid(
        {slot.label: [e.entry.text for e in slot.entries] for slot in view.slots}
    )
    out.append(
        Diagram(
            key="site_model",
            title=f"The site's model: {title}",
            svg=svg.triangle_svg(view, id_prefix=f"pack-model-{model.pk}"),
            alt=f"The activity-system triangle of {title}, perspective {model.perspective}. "
            + _in_words(view),
            grid=grid,
        )
    )
    shared = list(
        SharedObject.objects.filter(Q(model_a=model) | Q(model_b=model))
        .select_related("model_a", "model_b")
        .order_by("pk")
    )
    if shared:
        neighbour = shared[0].model_b if shared[0].model_a_id == model.pk else shared[0].model_a
        texts = [
            s.text
            for s in shared
            if {s.model_a_id, s.model_b_id} == {model.pk, neighbour.pk} and not guard.quotes(s.text)
        ]
        nview = analysis_selectors.model_views([neighbour], site=workshop.site)[0]
        for slot in nview.slots:
            slot.entries = [ev for ev in slot.entries if not guard.quotes(ev.entry.text)]
        out.append(
            Diagram(
                key="third_generation",
                title=f"Third-generation diagram: {model.title} and {neighbour.title}",
                svg=svg.third_generation_svg(
                    view, nview, texts, id_prefix=f"pack-thirdgen-{model.pk}"
                ),
                alt=(
                    f"Two activity systems side by side, their objects facing each other. "
                    f"Central, {model}: {_in_words(view)} Neighbour, {neighbour}: "
                    f"{_in_words(nview)} Their partially shared object: "
                    + ("; ".join(texts) or "not yet named")
                    + "."
                ),
                grid=diagrams.third_generation_grid(model.title, neighbour.title, texts),
            )
        )
    return out, title, rows, quoted


def _in_words(view: analysis_selectors.ModelView) -> str:
    """A model's entries in words, element by element: the drawing's text alternative."""
    return " ".join(
        f"{slot.label}: "
        + ("; ".join(e.entry.text for e in slot.entries) or "no entries yet")
        + "."
        for slot in view.slots
    )


def _quoted_participants(
    items: list[MirrorItem], evidence: list[analysis_selectors.Evidence]
) -> set[int]:
    """Participants whose words the pack quotes: the items' recorded speakers and everyone
    whose turn an item's or an evidence quote's range overlaps. Three queries at most."""
    found = {p.pk for item in items for p in item.speakers.all()}
    ranges: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for item in items:
        if item.source_id and item.start is not None and item.end is not None:
            ranges[item.source_id].append((item.start, item.end))
    coding_ids = {e.pk for e in evidence if e.kind == "coding"}
    item_ids = {e.pk for e in evidence if e.kind == "mirror"}
    for source_id, start, end in Coding.objects.filter(pk__in=coding_ids).values_list(
        "source_id", "start", "end"
    ):
        ranges[source_id].append((start, end))
    if item_ids:
        for source_id, start, end, speaker in MirrorItem.objects.filter(
            pk__in=item_ids
        ).values_list("source_id", "start", "end", "speakers"):
            if speaker:
                found.add(speaker)
            if source_id and start is not None and end is not None:
                ranges[source_id].append((start, end))
    if ranges:
        for source_id, start, end, participant_id in Segment.objects.filter(
            source_id__in=list(ranges), participant__isnull=False
        ).values_list("source_id", "start", "end", "participant_id"):
            if any(s < end and start < e for s, e in ranges[source_id]):
                found.add(participant_id)
    return found


def _tool_label(activity: WorkshopActivity) -> str:
    if not activity.second_stimulus:
        return ""
    label = activity.get_second_stimulus_display()
    if activity.second_stimulus_model_id:
        label += f": {activity.second_stimulus_model}"
    if activity.second_stimulus_note:
        label += f" ({activity.second_stimulus_note})"
    return label


CHECKLIST = [
    "Recording devices (video or audio) charged, tested, with spare batteries and storage",
    "The recording notice read aloud at the start, before recording begins",
    "Nine surfaces (3×3: mirror, model / vision, ideas and tools × past, present, future) "
    "on flipcharts or walls, labelled",
    "Flipchart paper, marker pens and sticky notes for the scribe and the groups",
    "Room laid out so everyone faces the surfaces; a table for the scribe",
    "Printed mirror items (one copy per surface and a set for each group)",
    "Conceptual tools printed as posters: blank triangle, the site's model, "
    "third-generation diagram, expansive-cycle diagram, timeline template",
    "Attendance sheet and consent forms for anyone not yet recorded",
    "Screen and projector (if the items are shown on screen)",
]


# --- the pack -----------------------------------------------------------------------------


def pack_content(workshop: Workshop) -> PackContent:
    """Everything the pack of `workshop` prints, consent applied (see the module's
    docstring). A fixed number of queries, whatever the number of items or attendees."""
    workshop = Workshop.objects.select_related(
        "site", "series", "facilitator", "co_facilitator", "scribe_participant", "scribe_user"
    ).get(pk=workshop.pk)
    site = workshop.site
    consent = _consent(site)
    guard = _withheld_words(site, consent)

    items = list(
        MirrorItem.objects.filter(workshop=workshop, status=MirrorItemStatus.ACCEPTED)
        .prefetch_related("speakers")
        .order_by("surface_layer", "surface_column", "order", "pk")
    )
    # Past, present, future; mirror, model, ideas: the board's reading order.
    layer_rank = {v: n for n, v in enumerate(TimeLayer.values)}
    column_rank = {v: n for n, v in enumerate(SurfaceColumn.values)}
    items.sort(
        key=lambda i: (layer_rank[i.surface_layer], column_rank[i.surface_column], i.order, i.pk)
    )
    revoked = revoked_item_ids(items, consent)
    # A typed item (a document extract, a figure) has no speakers to check: its words are
    # checked against the withheld words instead.
    usable = [
        i
        for i in items
        if i.pk not in revoked and (i.kind == MirrorItemKind.EXCERPT or not guard.quotes(i.text))
    ]
    mirror = _mirror_entries(usable, guard)
    by_pk = {m.pk: m for m in mirror}

    activities = list(
        workshop.activities.select_related("second_stimulus_model").prefetch_related(
            Prefetch("first_stimulus", queryset=MirrorItem.objects.only("pk"))
        )
    )
    agenda, notes, total = [], [], 0
    scheduled: set[int] = set()
    for n, activity in enumerate(activities, start=1):
        starts = _clock(workshop.start_time, total)
        total += activity.minutes
        ends = _clock(workshop.start_time, total)
        shown = [by_pk[i.pk] for i in activity.first_stimulus.all() if i.pk in by_pk]
        scheduled.update(m.pk for m in shown)
        tool = _tool_label(activity)
        agenda.append(
            AgendaEntry(
                number=n,
                title=activity.title,
                description=_guarded(activity.description, guard),
                minutes=activity.minutes,
                starts=starts,
                ends=ends,
                running_total=total,
                first_stimulus=[f"{m.ref} · {m.title}" for m in shown],
                second_stimulus=tool,
            )
        )
        time_check = (
            f"{starts}–{ends} ({activity.minutes} min; {total} min in)"
            if starts
            else f"{activity.minutes} min ({total} min in)"
        )
        notes.append(
            NoteEntry(
                title=f"{n}. {activity.title}",
                time_check=time_check,
                items=shown,
                tool=tool,
                tool_prompts=TOOL_PROMPTS.get(activity.second_stimulus, []),
            )
        )

    model = _current_model(workshop, activities)
    model_diagrams, model_title, model_entries, quoted = _model_section(
        workshop, model, consent, guard
    )
    targeted = [v for v in workshop.target_actions if v in LearningAction.values]
    tools = [diagrams.blank_triangle()]
    tools += [d for d in model_diagrams if d.key == "site_model"]
    third = [d for d in model_diagrams if d.key == "third_generation"]
    tools += third or [diagrams.blank_third_generation()]
    tools += [diagrams.expansive_cycle(targeted), diagrams.timeline_template()]

    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for m in mirror:
        cells[(m.column, m.layer)].append(f"{m.ref} · {m.title}")
    surfaces = [
        [
            SurfaceCell(column.label, layer.label, cells[(column.value, layer.value)])
            for column in SurfaceColumn
        ]
        for layer in TimeLayer
    ]

    expected = [
        f"{c.formulation} ({c.get_level_display().lower()}; {c.get_status_display().lower()})"
        for c in Contradiction.objects.filter(site=site)
        .exclude(status__in=[ContradictionStatus.RESOLVED, ContradictionStatus.TRANSFORMED])
        .order_by("level", "pk")
        if not guard.quotes(c.formulation)
    ]
    participants = _participants(workshop)
    if workshop.scribe_participant_id:
        scribe = f"{workshop.scribe_participant.pseudonym} (participant)"
    elif workshop.scribe_user_id:
        scribe = _person(workshop.scribe_user)
    else:
        scribe = "not appointed yet"
    handover = [
        f"Scribe: {scribe}. Before the first item, show the scribe the nine surfaces and "
        "which item goes where (the layout sheet).",
        "After each agenda item, pause and ask the scribe to read back what went on the "
        "surfaces; add what they missed before moving on.",
        "Contradictions the group names go on the model / vision column; ideas and proposed "
        "tools on the ideas column, in the layer (past, present, future) they speak of.",
        "At the end, photograph every surface and give the scribe's sheets to the research "
        "team with the recording.",
    ]
    flagged = [p for p in participants if p.flags]
    checklist = list(CHECKLIST)
    if workshop.venue:
        checklist.insert(0, f"Room booked: {workshop.venue}")
    if flagged:
        checklist.append(
            "Agree before recording how to handle the contributions of "
            + ", ".join(p.pseudonym for p in flagged)
            + " (red flag in the participant list)"
        )
    length = workshop.length_minutes
    times = ""
    if workshop.start_time:
        times = workshop.start_time.strftime("%H:%M")
        if workshop.end_time:
            times += "–" + workshop.end_time.strftime("%H:%M")
    session = f"Session {workshop.number}: {workshop.title}"
    return PackContent(
        site_id=site.pk,
        site_name=site.name,
        site_code=site.code,
        series_title=workshop.series.title,
        number=workshop.number,
        title=workshop.title,
        running_header=f"{site.name} · {session}",
        date=_date(workshop.date, "%A %-d %B %Y") or "Date to be set",
        times=times,
        venue=workshop.venue,
        status=workshop.get_status_display(),
        aims=workshop.aims,
        series_aims=workshop.series.aims,
        layer_focus=workshop.get_layer_focus_display(),
        target_actions=workshop.get_target_actions_display(),
        first_stimulus_plan=workshop.first_stimulus_plan,
        second_stimulus_plan=workshop.second_stimulus_plan,
        expected_outputs=workshop.expected_outputs,
        facilitator=_person(workshop.facilitator),
        co_facilitator=_person(workshop.co_facilitator),
        scribe=scribe,
        agenda=agenda,
        agenda_total=total,
        length_minutes=length,
        participants=participants,
        flagged_count=len(flagged),
        previous=_previous(workshop, guard),
        mirror=mirror,
        diagrams=tools,
        model_title=model_title,
        model_entries=model_entries,
        surfaces=surfaces,
        notes=notes,
        unscheduled=[m for m in mirror if m.pk not in scheduled],
        expected_contradictions=expected,
        scribe_handover=handover,
        checklist=checklist,
        generated=timezone.localtime().strftime("%-d %B %Y, %H:%M"),
        participant_ids=_quoted_participants(usable, quoted),
    )
