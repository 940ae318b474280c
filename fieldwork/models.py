"""What was recorded: observations, interviews, documents, and the codeable Source text.

Every codeable text is a `Source` (plain text, NFC, LF line endings). Its `Segment` rows are
speaker turns holding `[start, end)` offsets in Unicode code points of `Source.text`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sites.models import Participant, ResearchPhase, Site, SiteScopedQuerySet


class SourceKind(models.TextChoices):
    INTERVIEW = "interview", "Interview"
    OBSERVATION = "observation", "Observation"
    DOCUMENT = "document", "Field document"
    WORKSHOP = "workshop", "Workshop recording"


class SourceQuerySet(SiteScopedQuerySet):
    pass


class Source(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="sources")
    kind = models.CharField(max_length=16, choices=SourceKind.choices, db_index=True)
    title = models.CharField(max_length=300)
    date = models.DateField(null=True, blank=True, db_index=True)
    text = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "title"]
        indexes = [models.Index(fields=["site", "kind", "date"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("fieldwork:source-detail", kwargs={"pk": self.pk})

    @property
    def phase(self) -> ResearchPhase | None:
        return ResearchPhase.objects.for_date(self.date)


class Segment(models.Model):
    """One speaker turn (or one paragraph when the source has no speakers)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="segments")
    order = models.PositiveIntegerField()
    speaker = models.CharField(
        max_length=120, blank=True, help_text="The speaker label as written in the transcript."
    )
    participant = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="segments",
    )
    researcher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set when the speaker is a member of the research team.",
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    start_ms = models.PositiveIntegerField(null=True, blank=True)
    end_ms = models.PositiveIntegerField(null=True, blank=True)
    # A copy of source.text[start:end]. Denormalised on purpose: PostgreSQL's GIN full-text
    # index must be on a column of this table (an index cannot reach into the source row),
    # and search hits are turns, not whole sources. fieldwork.services keeps it in sync.
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["source", "order"]
        constraints = [
            models.UniqueConstraint(fields=["source", "order"], name="segment_order_unique"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="segment_range"),
            models.CheckConstraint(
                condition=Q(participant__isnull=True) | Q(researcher__isnull=True),
                name="segment_one_speaker_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "start"]),
            # Consent exclusion looks up the turns of withdrawn participants by source and
            # range: with these columns in the index, an index-only scan serves it.
            models.Index(
                fields=["participant", "source", "start", "end"],
                name="segment_participant_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} #{self.order} ({self.speaker or 'no speaker'})"

    @property
    def body(self) -> str:
        """The turn's text, cut from the source (authoritative; `text` is the search copy).
        Loaded through `source.segments`, the source is already cached: no query."""
        return self.source.text[self.start : self.end]

    @property
    def timestamp(self) -> str:
        """Start time as h:mm:ss (or m:ss under an hour); '' when the turn has none."""
        if self.start_ms is None:
            return ""
        seconds = self.start_ms // 1000
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class SegmentAttribution(models.Model):
    """A participant a paragraph of field notes (or of a document) reports on: what they said
    or did, written by the researcher. An attributed paragraph follows the consent of each
    attributed participant, as a turn follows its speaker's."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="attributions")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="attributions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["segment", "participant"]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "participant"], name="segment_attribution_unique"
            )
        ]
        # Consent exclusion starts from the (few) withdrawn participants: this index finds
        # their attributed paragraphs without touching anyone else's.
        indexes = [models.Index(fields=["participant", "segment"], name="attribution_participant")]

    def __str__(self) -> str:
        return f"{self.segment} → {self.participant}"


# --- the kinds of fieldwork a Source comes from ------------------------------------------


class InterviewMode(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    GROUP = "group", "Group"


class DocumentType(models.TextChoices):
    MINUTES = "minutes", "Meeting minutes"
    REFERRAL = "referral", "Referral form"
    POLICY = "policy", "Policy or procedure"
    OTHER = "other", "Other document"


class Observation(models.Model):
    """A structured field log. The committed field notes are `source.text`; `draft_notes` is
    the browser's autosaved draft, kept apart so that autosaving never re-anchors codings."""

    source = models.OneToOneField(Source, on_delete=models.CASCADE, related_name="observation")
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    setting = models.CharField(
        max_length=300, blank=True, help_text="Where it happened, e.g. 'Team office, Monday'."
    )
    observer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    participants_present = models.ManyToManyField(
        Participant, blank=True, related_name="observations"
    )
    draft_notes = models.TextField(blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.source)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.start_time and self.end_time and self.end_time < self.start_time:
            raise ValidationError({"end_time": "The end time is before the start time."})


class Interview(models.Model):
    source = models.OneToOneField(Source, on_delete=models.CASCADE, related_name="interview")
    mode = models.CharField(
        max_length=12, choices=InterviewMode.choices, default=InterviewMode.INDIVIDUAL
    )
    interviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    interviewees = models.ManyToManyField(Participant, blank=True, related_name="interviews")
    recording_reference = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the recording is kept, e.g. 'NB-INT-07 (encrypted drive)'.",
    )

    def __str__(self) -> str:
        return str(self.source)


class FieldDocument(models.Model):
    source = models.OneToOneField(Source, on_delete=models.CASCADE, related_name="document")
    document_type = models.CharField(
        max_length=12, choices=DocumentType.choices, default=DocumentType.OTHER
    )
    author = models.CharField(max_length=200, blank=True, help_text="Team or role, not a name.")

    def __str__(self) -> str:
        return str(self.source)


# --- pseudonymisation ---------------------------------------------------------------------


class Replacement(models.Model):
    """One entry of a site's replacement list: a real name or place and its pseudonym.
    Applied whole-word and case-insensitively on import, written as `[pseudonym]`."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="replacements")
    original = models.CharField(max_length=200, help_text="The real name or place.")
    pseudonym = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "original"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "original"], name="replacement_original_unique_in_site"
            )
        ]

    def __str__(self) -> str:
        return f"{self.original} → {self.pseudonym}"


class AnonymisationEntry(models.Model):
    """A replacement made on import: kept apart from the text, readable by leads only."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="anonymisation_log")
    original = models.CharField(max_length=200)
    pseudonym = models.CharField(max_length=200)
    count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "original"]
        verbose_name_plural = "anonymisation entries"

    def __str__(self) -> str:
        return f"{self.source}: {self.original} → {self.pseudonym} ×{self.count}"


# --- import jobs --------------------------------------------------------------------------


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Failed"


class ImportJobQuerySet(SiteScopedQuerySet):
    pass


def private_storage():
    """The never-served storage for originals. Looked up on every use (not cached on the
    field), so a deployment or a test can point STORAGES["private"] elsewhere."""
    from django.core.files.storage import storages

    return storages["private"]


class ImportJob(models.Model):
    """One uploaded file on its way to becoming a Source: a state machine row.

    queued → running → succeeded | failed; failed → queued (retry). A worker claims a job with
    a conditional UPDATE (queued → running), so a redelivered message does nothing.

    A running job is held by a lease (`lease_expires_at`) that the worker's heartbeat renews;
    when a worker dies the lease runs out and the sweep puts the job back to queued (running →
    queued, or → failed after IMPORT_MAX_ATTEMPTS). `attempts` is the run's fencing token: a
    run only finishes the job it claimed, so a worker that was given up on cannot land a
    second Source. `enqueued_at` is when a message last reached the broker; empty while the
    broker was unreachable, so the sweep knows to send it.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="import_jobs")
    kind = models.CharField(max_length=16, choices=SourceKind.choices)
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    original = models.FileField(upload_to="imports/%Y/%m/", storage=private_storage, blank=True)
    original_purged_at = models.DateTimeField(null=True, blank=True)
    # Where the transcript goes: an existing source (an interview's transcript uploaded
    # later) or, when empty, a new source created by the import.
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="import_jobs"
    )
    options = models.JSONField(default=dict, blank=True)
    format = models.CharField(max_length=16, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["site", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="importjob_progress_100")
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("fieldwork:import-detail", kwargs={"code": self.site.code, "pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def is_stale(self) -> bool:
        """Running, but its worker stopped renewing the lease: the worker probably died. The
        sweep takes it back; until then a person may try it again."""
        return (
            self.status == ImportStatus.RUNNING
            and self.lease_expires_at is not None
            and self.lease_expires_at < timezone.now()
        )

    @property
    def is_waiting_for_service(self) -> bool:
        """Queued while the broker could not be reached: it starts when the service is back."""
        return self.status == ImportStatus.QUEUED and self.enqueued_at is None

    @property
    def is_waiting_long(self) -> bool:
        """Sent to the workers longer ago than a dead worker's job takes to come back, and not
        started: other imports are ahead of it, or no worker is running."""
        if self.status != ImportStatus.QUEUED or self.enqueued_at is None:
            return False
        patience = settings.IMPORT_LEASE_SECONDS + settings.IMPORT_SWEEP_SECONDS
        return (timezone.now() - self.enqueued_at).total_seconds() > patience

    @property
    def poll_seconds(self) -> int | None:
        """How often a page showing this job asks for news: every second while it moves,
        rarely while it is stuck (the sweep or a person will move it), never once it ended."""
        if not self.is_active:
            return None
        if self.is_stale or self.is_waiting_for_service or self.is_waiting_long:
            return 15
        return 1

    def open_original(self):
        return private_storage().open(self.original.name, "rb")

    @property
    def has_original(self) -> bool:
        return bool(self.original) and self.original_purged_at is None
