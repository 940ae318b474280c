"""DWR workshops: series and sessions, mirror data, activity-system models, contradictions.

Two areas share this module (DOMAIN A2–A7, A9):

* planning and running sessions — `WorkshopSeries`, `Workshop` (one session, plan and what
  actually happened kept apart), `WorkshopActivity` (the timed agenda with its first and
  second stimuli), `MirrorItem` (a snapshot of pseudonymised words, a document extract or a
  statistic, placed on the 3×3 surfaces) and `MirrorItemShowing` (which transcript turns
  were spoken while an item was on screen);
* analysis — `ActivitySystemModel` with its `ElementEntry` rows, `SharedObject`
  (third-generation link), `Contradiction` with its dated `ContradictionStatusChange`
  history, `Disturbance` and `Experiment`.

A workshop pack is generated from these rows alone: every field a pack prints is stored here.

Consent is never stored on a mirror item: whether an item is revoked is computed at every read
from its speakers' current consent (workshops.selectors), so a withdrawal takes effect at once.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from fieldwork.models import Source
from sites.models import Participant, Site, SiteScopedQuerySet
from themes.models import Coding

# --- vocabularies -----------------------------------------------------------------------


class TimeLayer(models.TextChoices):
    PAST = "past", "Past"
    PRESENT = "present", "Present"
    FUTURE = "future", "Future"


class LearningAction(models.TextChoices):
    """The seven expansive learning actions (DOMAIN A4). The values are the `seed_key`s of
    the codebook's learning-action themes (themes.codebook), so coded learning actions are
    codings with those themes."""

    QUESTIONING = "questioning", "Questioning"
    ANALYSING = "analysing", "Analysing"
    MODELLING = "modelling", "Modelling"
    EXAMINING = "examining", "Examining the model"
    IMPLEMENTING = "implementing", "Implementing"
    REFLECTING = "reflecting", "Reflecting"
    CONSOLIDATING = "consolidating", "Consolidating"


class SurfaceColumn(models.TextChoices):
    """The abstraction axis of the 3×3 surfaces (DOMAIN A6)."""

    MIRROR = "mirror", "Mirror"
    MODEL = "model", "Model / vision"
    IDEAS = "ideas", "Ideas and tools"


class WorkshopStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    WRITTEN_UP = "written_up", "Written up"


class ConceptualTool(models.TextChoices):
    """Second stimuli (DOMAIN A5)."""

    TRIANGLE = "triangle", "Blank activity-system triangle"
    SITE_MODEL = "site_model", "The site's activity-system model"
    THIRD_GENERATION = "third_generation", "Third-generation diagram"
    CYCLE = "cycle", "Expansive-cycle diagram"
    TIMELINE = "timeline", "Timeline template"
    CHANGE_MATRIX = "change_matrix", "'What would need to change' matrix"
    GROUND_RULES = "ground_rules", "Ground rules"
    OTHER = "other", "Other tool"


class MirrorItemKind(models.TextChoices):
    EXCERPT = "excerpt", "Fieldwork excerpt"
    DOCUMENT = "document", "Document extract"
    STATISTIC = "statistic", "Statistic"


class MirrorItemStatus(models.TextChoices):
    """Researchers may propose items; a facilitator or lead accepts them for the session."""

    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"


class Element(models.TextChoices):
    """The seven element slots of the activity system (DOMAIN A2)."""

    SUBJECT = "subject", "Subject"
    OBJECT = "object", "Object"
    OUTCOME = "outcome", "Outcome"
    INSTRUMENTS = "instruments", "Instruments"
    RULES = "rules", "Rules"
    COMMUNITY = "community", "Community"
    DIVISION_OF_LABOUR = "division_of_labour", "Division of labour"


class ContradictionLevel(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    TERTIARY = "tertiary", "Tertiary"
    QUATERNARY = "quaternary", "Quaternary"


class ContradictionStatus(models.TextChoices):
    HYPOTHESISED = "hypothesised", "Hypothesised by researchers"
    PRESENTED = "presented", "Presented as mirror"
    RECOGNISED = "recognised", "Recognised by participants"
    WORKED_ON = "worked_on", "Worked on"
    RESOLVED = "resolved", "Resolved"
    TRANSFORMED = "transformed", "Transformed"


class ExperimentStatus(models.TextChoices):
    AGREED = "agreed", "Agreed"
    RUNNING = "running", "Running"
    REVIEWED = "reviewed", "Reviewed"
    ADOPTED = "adopted", "Adopted"
    DROPPED = "dropped", "Dropped"


def _check_choice_list(value, choices: type[models.TextChoices], what: str) -> None:
    if not isinstance(value, list) or any(v not in choices.values for v in value):
        raise ValidationError(f"Choose {what} from the list.")


def validate_layers(value) -> None:
    _check_choice_list(value, TimeLayer, "time layers")


def validate_actions(value) -> None:
    _check_choice_list(value, LearningAction, "learning actions")


# --- series and sessions ------------------------------------------------------------------


class WorkshopSeriesQuerySet(SiteScopedQuerySet):
    pass


class WorkshopSeries(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="workshop_series")
    title = models.CharField(max_length=200)
    aims = models.TextField(blank=True)
    planned_sessions = models.PositiveSmallIntegerField(
        default=6, help_text="How many sessions the series plans (follow-ups may be added)."
    )
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitated_series"
    )
    template = models.CharField(
        max_length=20, blank=True, help_text="The template the series was started from, if any."
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkshopSeriesQuerySet.as_manager()

    class Meta:
        ordering = ["site", "created_at", "pk"]
        verbose_name_plural = "workshop series"
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_sessions__gte=1) & Q(planned_sessions__lte=30),
                name="series_planned_sessions_range",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workshops:series-detail", kwargs={"code": self.site.code, "pk": self.pk})


class WorkshopQuerySet(SiteScopedQuerySet):
    pass


class Workshop(models.Model):
    """One session of a series: the plan, and apart from it what actually happened."""

    series = models.ForeignKey(WorkshopSeries, on_delete=models.CASCADE, related_name="sessions")
    # The series' site, copied so site scoping and access helpers need no join.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", editable=False)
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    is_follow_up = models.BooleanField(default=False)
    # -- the plan
    date = models.DateField(null=True, blank=True, db_index=True)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    layer_focus = models.JSONField(default=list, blank=True, validators=[validate_layers])
    target_actions = models.JSONField(default=list, blank=True, validators=[validate_actions])
    aims = models.TextField(blank=True)
    first_stimulus_plan = models.TextField(
        "first stimulus (mirror data)", blank=True, help_text="What mirror data to show."
    )
    second_stimulus_plan = models.TextField(
        "second stimulus (conceptual tools)", blank=True, help_text="Which conceptual tools."
    )
    expected_outputs = models.TextField(blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    co_facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The scribe is appointed from among the participants (DOMAIN A6), or is a team member.
    scribe_participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scribe_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attendees = models.ManyToManyField(
        Participant, blank=True, related_name="workshops_invited", help_text="Invited."
    )
    # -- what actually happened
    status = models.CharField(
        max_length=12, choices=WorkshopStatus.choices, default=WorkshopStatus.PLANNED
    )
    present = models.ManyToManyField(
        Participant, blank=True, related_name="workshops_attended", help_text="Who came."
    )
    held_notes = models.TextField(
        "what happened", blank=True, help_text="Notes on what actually happened."
    )
    deviations = models.TextField(
        "departures from the plan",
        blank=True,
        help_text="What was skipped, changed or added, and what participants did instead.",
    )
    held_at = models.DateTimeField(null=True, blank=True)
    written_up_at = models.DateTimeField(null=True, blank=True)
    # -- the recording loop
    recording = models.OneToOneField(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop",
        limit_choices_to={"kind": "workshop"},
    )
    next_summary = models.TextField(
        "summary for the next session",
        blank=True,
        help_text="Drafted from this session's notes, contradictions, experiments and coded "
        "learning actions; edited and saved by the facilitator.",
    )
    next_summary_saved_at = models.DateTimeField(null=True, blank=True)
    # -- calendar
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ics_sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        ordering = ["series", "number"]
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="workshop_number_in_series"),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True)
                | Q(end_time__isnull=True)
                | Q(end_time__gt=F("start_time")),
                name="workshop_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(scribe_participant__isnull=True) | Q(scribe_user__isnull=True),
                name="workshop_one_scribe",
            ),
        ]
        indexes = [models.Index(fields=["site", "date"])]

    def __str__(self) -> str:
        return f"Session {self.number}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("workshops:workshop-detail", kwargs={"code": self.site.code, "pk": self.pk})

    def clean(self) -> None:
        errors = {}
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = "The session ends before it starts."
        if self.scribe_participant_id and self.scribe_user_id:
            errors["scribe_user"] = "Choose one scribe: a participant or a team member."
        if (
            self.scribe_participant_id
            and self.series_id
            and self.scribe_participant.site_id != self.series.site_id
        ):
            errors["scribe_participant"] = "The scribe must be a participant at this site."
        if errors:
            raise ValidationError(errors)

    @property
    def length_minutes(self) -> int | None:
        if not (self.start_time and self.end_time):
            return None
        start = self.start_time.hour * 60 + self.start_time.minute
        end = self.end_time.hour * 60 + self.end_time.minute
        return end - start

    def get_layer_focus_display(self) -> str:
        return ", ".join(TimeLayer(v).label for v in self.layer_focus if v in TimeLayer.values)

    def get_target_actions_display(self) -> str:
        return ", ".join(
            LearningAction(v).label for v in self.target_actions if v in LearningAction.values
        )


class WorkshopActivity(models.Model):
    """One timed item of a session's agenda, with its first stimulus (mirror items) and its
    second stimulus (a conceptual tool, optionally a site model)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="activities")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    minutes = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)
    first_stimulus = models.ManyToManyField(
        "MirrorItem", blank=True, related_name="activities", verbose_name="first stimulus"
    )
    second_stimulus = models.CharField(
        max_length=20, choices=ConceptualTool.choices, blank=True, verbose_name="second stimulus"
    )
    second_stimulus_model = models.ForeignKey(
        "ActivitySystemModel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The site model shown, when the second stimulus is a model.",
    )
    second_stimulus_note = models.CharField(max_length=300, blank=True)
    # What actually happened to this item (recorded apart from the plan).
    skipped = models.BooleanField(default=False)
    actual_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    actual_note = models.TextField(blank=True)

    class Meta:
        ordering = ["workshop", "order", "pk"]
        verbose_name_plural = "workshop activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=600), name="activity_minutes_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.minutes} min)"


# --- mirror data ---------------------------------------------------------------------------


class MirrorItemQuerySet(SiteScopedQuerySet):
    pass


class MirrorItem(models.Model):
    """A first stimulus: a snapshot of words as stored (pseudonymised) with their provenance,
    a document extract, or a typed statistic. The snapshot keeps working if the source is
    edited later; consent is checked again at every read (see workshops.selectors)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="mirror_items")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", editable=False)
    kind = models.CharField(
        max_length=12, choices=MirrorItemKind.choices, default=MirrorItemKind.EXCERPT
    )
    status = models.CharField(
        max_length=12, choices=MirrorItemStatus.choices, default=MirrorItemStatus.ACCEPTED
    )
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField(help_text="The quote as stored (pseudonymised), extract or figure.")
    # -- provenance (live links, and a snapshot that survives edits and deletions)
    coding = models.ForeignKey(
        Coding, on_delete=models.SET_NULL, null=True, blank=True, related_name="mirror_items"
    )
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="mirror_items"
    )
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    speakers = models.ManyToManyField(
        Participant,
        blank=True,
        related_name="mirror_items",
        help_text="Participants whose turns the excerpt overlaps; their consent is checked.",
    )
    source_title = models.CharField(max_length=300, blank=True)
    source_kind = models.CharField(max_length=16, blank=True)
    source_date = models.DateField(null=True, blank=True)
    range_label = models.CharField(max_length=120, blank=True)
    speaker_label = models.CharField(max_length=300, blank=True)
    theme_names = models.CharField(max_length=500, blank=True)
    provenance_note = models.CharField(
        max_length=300, blank=True, help_text="Where a statistic or extract comes from."
    )
    # -- for the facilitator
    facilitator_note = models.TextField(blank=True)
    prompts = models.TextField(blank=True, help_text="Prompt questions, one a line.")
    surface_column = models.CharField(
        max_length=8, choices=SurfaceColumn.choices, default=SurfaceColumn.MIRROR
    )
    surface_layer = models.CharField(
        max_length=8, choices=TimeLayer.choices, default=TimeLayer.PRESENT
    )
    order = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MirrorItemQuerySet.as_manager()

    class Meta:
        ordering = ["workshop", "surface_column", "surface_layer", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(end__gt=F("start")),
                name="mirroritem_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind="excerpt") | Q(source__isnull=False) | Q(source_title__gt=""),
                name="mirroritem_excerpt_has_source",
            ),
        ]
        indexes = [models.Index(fields=["workshop", "surface_column", "surface_layer", "order"])]

    def __str__(self) -> str:
        return self.title or self.text[:60]

    def clean(self) -> None:
        if not self.text or not self.text.strip():
            raise ValidationError({"text": "An item needs its words, extract or figure."})

    @property
    def prompt_list(self) -> list[str]:
        return [line.strip() for line in self.prompts.splitlines() if line.strip()]


class MirrorItemShowing(models.Model):
    """While this mirror item was on screen, these turns of the session's recording were
    spoken (segment orders, inclusive). Links transcript talk to its first stimulus."""

    item = models.ForeignKey(MirrorItem, on_delete=models.CASCADE, related_name="showings")
    first_turn = models.PositiveIntegerField()
    last_turn = models.PositiveIntegerField()

    class Meta:
        ordering = ["item", "first_turn"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_turn__gte=F("first_turn")), name="showing_turn_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} on screen, turns {self.first_turn}–{self.last_turn}"


# --- analysis: activity-system models -----------------------------------------------------


class ActivitySystemModelQuerySet(SiteScopedQuerySet):
    pass


class ActivitySystemModel(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="activity_models")
    title = models.CharField(max_length=200)
    layer = models.CharField(max_length=8, choices=TimeLayer.choices, default=TimeLayer.PRESENT)
    perspective = models.CharField(
        max_length=200, help_text="Whose view: the team, a school, CAMHS…"
    )
    built_in = models.ForeignKey(
        Workshop, on_delete=models.SET_NULL, null=True, blank=True, related_name="models_built"
    )
    version = models.PositiveSmallIntegerField(default=1)
    previous_version = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_versions"
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActivitySystemModelQuerySet.as_manager()

    class Meta:
        ordering = ["site", "layer", "title", "-version"]
        indexes = [models.Index(fields=["site", "layer"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_layer_display().lower()}, v{self.version})"


class ElementEntry(models.Model):
    model = models.ForeignKey(ActivitySystemModel, on_delete=models.CASCADE, related_name="entries")
    element = models.CharField(max_length=20, choices=Element.choices)
    text = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)
    evidence_codings = models.ManyToManyField(Coding, blank=True, related_name="element_entries")
    evidence_mirror_items = models.ManyToManyField(
        MirrorItem, blank=True, related_name="element_entries"
    )

    class Meta:
        ordering = ["model", "element", "order", "pk"]
        verbose_name_plural = "element entries"

    def __str__(self) -> str:
        return f"{self.get_element_display()}: {self.text}"


class SharedObject(models.Model):
    """Third generation: two linked models and their partially shared object."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    model_a = models.ForeignKey(
        ActivitySystemModel, on_delete=models.CASCADE, related_name="shared_objects_a"
    )
    model_b = models.ForeignKey(
        ActivitySystemModel, on_delete=models.CASCADE, related_name="shared_objects_b"
    )
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["site", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(model_a=F("model_b")), name="sharedobject_two_models"
            ),
        ]

    def __str__(self) -> str:
        return self.text


# --- analysis: disturbances and contradictions --------------------------------------------


class Disturbance(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="disturbances")
    date = models.DateField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_workaround = models.BooleanField(default=False)
    codings = models.ManyToManyField(Coding, blank=True, related_name="disturbances")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["site", "-date", "pk"]
        indexes = [models.Index(fields=["site", "-date"])]

    def __str__(self) -> str:
        return self.title


class Contradiction(models.Model):
    """An analytic claim (DOMAIN A3). Which elements and models it may span depends on the
    level; `clean` validates it. `status` is the latest entry of the dated history."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="contradictions")
    level = models.CharField(max_length=12, choices=ContradictionLevel.choices)
    model = models.ForeignKey(
        ActivitySystemModel, on_delete=models.PROTECT, related_name="contradictions"
    )
    element_a = models.CharField(max_length=20, choices=Element.choices)
    element_b = models.CharField(max_length=20, choices=Element.choices, blank=True)
    other_model = models.ForeignKey(
        ActivitySystemModel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contradictions_as_other",
        help_text="Tertiary: the more advanced (future) model; quaternary: the neighbour.",
    )
    formulation = models.CharField(max_length=300, help_text="“X vs Y”.")
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=ContradictionStatus.choices, default=ContradictionStatus.HYPOTHESISED
    )
    evidence_codings = models.ManyToManyField(Coding, blank=True, related_name="contradictions")
    evidence_mirror_items = models.ManyToManyField(
        MirrorItem, blank=True, related_name="contradictions"
    )
    disturbances = models.ManyToManyField(Disturbance, blank=True, related_name="contradictions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["site", "level", "pk"]
        indexes = [models.Index(fields=["site", "level"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(level="primary") | Q(element_b=""),
                name="contradiction_primary_one_element",
            ),
            models.CheckConstraint(
                condition=~Q(level="secondary")
                | (~Q(element_b="") & ~Q(element_b=F("element_a")) & Q(other_model__isnull=True)),
                name="contradiction_secondary_two_elements",
            ),
            models.CheckConstraint(
                condition=~Q(level__in=["tertiary", "quaternary"]) | Q(other_model__isnull=False),
                name="contradiction_spans_two_models",
            ),
            models.CheckConstraint(
                condition=Q(other_model__isnull=True) | ~Q(other_model=F("model")),
                name="contradiction_other_model_differs",
            ),
        ]

    def __str__(self) -> str:
        return self.formulation

    def clean(self) -> None:
        """Per level (DOMAIN A3): primary is within one element; secondary between two
        elements of one model; tertiary links the model to a more advanced (future) model;
        quaternary links the central model to a neighbour's."""
        errors: dict[str, str] = {}
        level = self.level
        if level == ContradictionLevel.PRIMARY:
            if self.element_b:
                errors["element_b"] = "A primary contradiction lies within one element."
            if self.other_model_id:
                errors["other_model"] = "A primary contradiction lies within one model."
        elif level == ContradictionLevel.SECONDARY:
            if not self.element_b:
                errors["element_b"] = "A secondary contradiction spans two elements."
            elif self.element_b == self.element_a:
                errors["element_b"] = "A secondary contradiction spans two different elements."
            if self.other_model_id:
                errors["other_model"] = "A secondary contradiction lies within one model."
        elif level in (ContradictionLevel.TERTIARY, ContradictionLevel.QUATERNARY):
            if not self.other_model_id:
                errors["other_model"] = (
                    "A tertiary contradiction links the model to a more advanced one."
                    if level == ContradictionLevel.TERTIARY
                    else "A quaternary contradiction links the model to a neighbour's."
                )
            elif self.other_model_id == self.model_id:
                errors["other_model"] = "Choose a different model."
            elif (
                level == ContradictionLevel.TERTIARY and self.other_model.layer != TimeLayer.FUTURE
            ):
                errors["other_model"] = (
                    "A tertiary contradiction links to a future-layer (more advanced) model."
                )
        for name in ("model", "other_model"):
            linked = getattr(self, name) if getattr(self, f"{name}_id") else None
            if linked is not None and self.site_id and linked.site_id != self.site_id:
                errors[name] = "The model belongs to another site."
        if errors:
            raise ValidationError(errors)


class ContradictionStatusChange(models.Model):
    contradiction = models.ForeignKey(
        Contradiction, on_delete=models.CASCADE, related_name="status_history"
    )
    status = models.CharField(max_length=12, choices=ContradictionStatus.choices)
    date = models.DateField()
    workshop = models.ForeignKey(
        Workshop,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contradiction_changes",
        help_text="The session where it was discussed.",
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contradiction", "date", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.contradiction}: {self.get_status_display()} on {self.date:%d %b %Y}"


# --- experiments (agreed changes) ----------------------------------------------------------


class Experiment(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="experiments")
    agreed_in = models.ForeignKey(
        Workshop, on_delete=models.SET_NULL, null=True, blank=True, related_name="experiments"
    )
    reviewed_in = models.ForeignKey(
        Workshop,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="experiments_reviewed",
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.CharField(max_length=200, help_text="Who carries it out (role or pseudonym).")
    owner_participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="experiments"
    )
    start = models.DateField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=12, choices=ExperimentStatus.choices, default=ExperimentStatus.AGREED
    )
    outcome = models.TextField(blank=True)
    contradictions = models.ManyToManyField(Contradiction, blank=True, related_name="experiments")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ics_sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["site", "review_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True)
                | Q(review_date__isnull=True)
                | Q(review_date__gte=F("start")),
                name="experiment_review_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.start and self.review_date and self.review_date < self.start:
            raise ValidationError({"review_date": "The review date is before the start."})
