"""What it means: the codebook (`Theme`), codings of Source text, memos, agreement exercises.

A `Coding` is a half-open range `[start, end)` of Unicode code points of `Source.text`.
For speed it carries two denormalised facts, both kept in step by the services:

* `site` — the source's site (a source never changes site), so the dashboard can group by
  site without joining `Source`;
* `participant` — the participant of the first overlapping speaker turn, for provenance,
  filters and participant counts.

Consent exclusion is never stored and never relies on the denormalised participant: a coding is
excluded when it overlaps any turn spoken by, or attributed to, a participant in
`excluded_by_consent()` (`fieldwork.consent`), computed per request (`consent_filter`), so a
withdrawal, a turn re-mapped or a paragraph attributed to a withdrawn participant, takes effect
at once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.urls import reverse

from fieldwork.models import Segment, Source
from sites.models import (
    Participant,
    Site,
    SiteScopedQuerySet,
)

colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", "Give the colour as # and six hexadecimal digits, e.g. #1d3557."
)


class ThemeQuerySet(models.QuerySet):
    def active(self) -> ThemeQuerySet:
        return self.filter(retired=False)

    def codable(self) -> ThemeQuerySet:
        return self.filter(retired=False, codable=True)


# What a person edits on a theme (the form's fields, and what the audit record compares).
THEME_FIELDS = (
    "name",
    "parent",
    "definition",
    "inclusion",
    "exclusion",
    "example",
    "colour",
    "codable",
    "order",
)


class Theme(models.Model):
    """One code in the project-wide codebook. Folders (codable=False) only group others."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    inclusion = models.TextField("inclusion criteria", blank=True)
    exclusion = models.TextField("exclusion criteria", blank=True)
    example = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#1d3557", validators=[colour_validator])
    codable = models.BooleanField(
        default=True, help_text="Folders that only group other themes are not codable."
    )
    order = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(default=False)
    seed_key = models.CharField(max_length=80, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="theme_name_unique_ci"),
            models.UniqueConstraint(
                fields=["seed_key"], condition=~Q(seed_key=""), name="theme_seed_key_unique"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="theme_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("themes:theme-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        self.name = " ".join(self.name.split())
        if self.name and Theme.objects.filter(name__iexact=self.name).exclude(pk=self.pk).exists():
            raise ValidationError({"name": "A theme with this name is already in the codebook."})
        if self.parent_id and self.pk:
            node = self.parent
            seen = set()
            while node is not None and node.pk not in seen:
                if node.pk == self.pk:
                    raise ValidationError(
                        {"parent": "A theme cannot be moved under itself or its sub-themes."}
                    )
                seen.add(node.pk)
                node = node.parent

    def descendant_ids(self, themes_by_parent: dict | None = None) -> list[int]:
        """This theme's pk and all its descendants' (one query when no map is given)."""
        if themes_by_parent is None:
            themes_by_parent = {}
            for pk, parent_id in Theme.objects.values_list("pk", "parent_id"):
                themes_by_parent.setdefault(parent_id, []).append(pk)
        result, stack = [], [self.pk]
        while stack:
            pk = stack.pop()
            result.append(pk)
            stack.extend(themes_by_parent.get(pk, []))
        return result


def excluded_participant_ids() -> list[int]:
    """Participants whose words must not appear in any output; one query, per request."""
    return Participant.objects.excluded_ids()


def _overlapping(turns: QuerySet, prefix: str) -> Exists:
    return Exists(
        turns.filter(
            source_id=OuterRef(f"{prefix}source_id"),
            start__lt=OuterRef(f"{prefix}end"),
            end__gt=OuterRef(f"{prefix}start"),
        )
    )


def consent_filter(excluded_ids: list[int], prefix: str = "") -> Q:
    """Q keeping only codings that overlap no withheld turn: none spoken by an excluded
    participant, none attributed to one (`fieldwork.consent`)."""
    if not excluded_ids:
        return Q()
    # Two anti-joins rather than one with an OR: PostgreSQL plans each as a hash anti-join on
    # source_id against the (few) excluded participants' turns, with the range test as a join
    # filter; an OR across the attribution join would defeat the speaker index.
    spoken = Segment.objects.filter(participant_id__in=excluded_ids)
    attributed = Segment.objects.filter(attributions__participant_id__in=excluded_ids)
    return ~_overlapping(spoken, prefix) & ~_overlapping(attributed, prefix)


def excluded_codings(excluded_ids: list[int]) -> tuple[QuerySet, QuerySet]:
    """Ids of every coding overlapping a withheld turn (spoken by, then attributed to, an
    excluded participant), found from those turns: for each, the codings of its source
    starting in [turn start - longest coding, turn end) through the (source, start) index,
    kept when they end after the turn starts. A coding overlapping the turn cannot start
    earlier than that (its length is at most the longest coding's, read from the length
    index), so the sets are exact."""
    longest = (
        Coding.objects.annotate(length=F("end") - F("start")).order_by("-length").values("length")
    )[:1]
    bound = F("source__segments__start") - Subquery(longest)
    spoken = Coding.objects.filter(
        source__segments__participant_id__in=excluded_ids,
        source__segments__end__gt=F("start"),
        source__segments__start__lt=F("end"),
        start__gte=bound,
    ).values("pk")
    attributed = Coding.objects.filter(
        source__segments__attributions__participant_id__in=excluded_ids,
        source__segments__end__gt=F("start"),
        source__segments__start__lt=F("end"),
        start__gte=bound,
    ).values("pk")
    return spoken, attributed


def consent_filter_broad(excluded_ids: list[int]) -> Q:
    """The same exclusion as `consent_filter`, for queries over most of the project's codings
    (dashboard, codebook counts, co-occurrence): `NOT IN` the excluded codings, computed once
    and hashed, costs less per row than the anti-join's range tests against every excluded
    turn of the row's source. A query over a few codings (one theme) keeps the anti-join."""
    if not excluded_ids:
        return Q()
    spoken, attributed = excluded_codings(excluded_ids)
    return ~Q(pk__in=spoken) & ~Q(pk__in=attributed)


def blind_source_ids(user) -> list[int]:
    """The sources of the open blind exercises in which `user` is a coder; one query, per
    request. The exercise's creator sees everything unless they are one of its coders."""
    if not getattr(user, "is_authenticated", False):
        return []
    through = AgreementExercise.sources.through
    return list(
        through.objects.filter(
            agreementexercise__blind=True,
            agreementexercise__closed=False,
            agreementexercise__coders=user,
        )
        .values_list("source_id", flat=True)
        .distinct()
    )


def blind_filter(user, source_ids: list[int] | None = None, *, author: str = "coder_id") -> Q:
    """Q keeping the codings (or, with `author="author_id"`, the source memos) `user` may see
    while blind exercises are open: on an exercise's sources, a coder in it sees only their
    own. The one blind rule: every read of codings and every write to one goes through it."""
    if source_ids is None:
        source_ids = blind_source_ids(user)
    if not source_ids:
        return Q()
    return ~Q(source_id__in=source_ids) | Q(**{author: user.pk})


class CodingQuerySet(SiteScopedQuerySet):
    def consented(self, excluded_ids: list[int] | None = None) -> CodingQuerySet:
        if excluded_ids is None:
            excluded_ids = excluded_participant_ids()
        return self.filter(consent_filter(excluded_ids))

    def unblinded_for(self, user, source_ids: list[int] | None = None) -> CodingQuerySet:
        """Leave out the codings open blind exercises hide from `user` (`blind_filter`)."""
        return self.filter(blind_filter(user, source_ids))

    def visible_to(self, user) -> CodingQuerySet:
        """The codings `user` may see: their sites' (`SiteScopedQuerySet`), less those hidden
        by an open blind exercise in which they code."""
        return super().visible_to(user).unblinded_for(user)


class Coding(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="codings")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", editable=False)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="codings")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="codings"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    memo = models.TextField(blank=True)
    participant = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="Speaker of the first overlapping turn (denormalised for speed).",
    )
    needs_review = models.BooleanField(
        default=False, help_text="Set when an edit of the source text removed the coded words."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CodingQuerySet.as_manager()

    class Meta:
        ordering = ["source", "start", "end", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="coding_range"),
        ]
        indexes = [
            models.Index(fields=["source", "start"]),
            # Retrieval and exports select a theme's codings with their sort and consent keys:
            # with all of these in the index, an index-only scan serves it.
            models.Index(
                fields=["theme", "site", "source", "start", "end", "id"], name="coding_theme_cover"
            ),
            models.Index(fields=["coder", "-created_at"]),
            # The coders filter asks, per coder, whether they coded at one of the user's sites.
            models.Index(fields=["site", "coder"], name="coding_site_coder"),
            models.Index(fields=["participant"]),
            # The longest coding, read by `excluded_codings` to bound its index range.
            models.Index(F("end") - F("start"), name="coding_length"),
        ]

    def __str__(self) -> str:
        return f"{self.theme} on {self.source} [{self.start}, {self.end})"

    def clean(self) -> None:
        errors = {}
        if self.start is not None and self.end is not None:
            if self.end <= self.start:
                errors["end"] = "A coding must cover at least one character."
            elif self.source_id and self.end > len(self.source.text):
                errors["end"] = "The coding ends after the end of the source text."
        if self.theme_id and (not self.theme.codable or self.theme.retired):
            errors["theme"] = f"“{self.theme}” is a folder or retired and cannot be applied."
        if errors:
            raise ValidationError(errors)


class MemoQuerySet(models.QuerySet):
    def unblinded_for(self, user, source_ids: list[int] | None = None) -> MemoQuerySet:
        """Leave out the source memos open blind exercises hide from `user`: as with
        codings, on an exercise's sources a coder in it sees only their own."""
        return self.filter(blind_filter(user, source_ids, author="author_id"))


class Memo(models.Model):
    """An analytic memo on a theme (project-wide) or a memo on a source (site-scoped).
    Memos on a single coding live on `Coding.memo`."""

    theme = models.ForeignKey(
        Theme, on_delete=models.CASCADE, null=True, blank=True, related_name="memos"
    )
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, null=True, blank=True, related_name="memos"
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="+", editable=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemoQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(theme__isnull=False) & Q(source__isnull=True))
                | (Q(theme__isnull=True) & Q(source__isnull=False)),
                name="memo_on_theme_or_source",
            )
        ]
        indexes = [models.Index(fields=["site", "-created_at"])]

    def __str__(self) -> str:
        target = self.theme or self.source
        return f"Memo on {target}: {self.text[:40]}"


class AgreementExercise(models.Model):
    """Two or more coders code the same sources independently; in blind mode each coder
    sees only their own codings on those sources until the exercise is closed."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    sources = models.ManyToManyField(Source, related_name="agreement_exercises")
    coders = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    blind = models.BooleanField(default=True)
    closed = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="exercise_name_unique_in_site")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("themes:agreement-detail", kwargs={"pk": self.pk})


class RefiGuid(models.Model):
    """The REFI-QDA GUID an object carries in `.qdpx`/`.qdc` files: given on first export
    (or kept from the file it was imported from) and reused on every later export, so two
    exports of the same project can be reconciled. `role` tells apart two exported elements
    made from one row (a coding's `PlainTextSelection`, `Coding` and memo `Note`)."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    role = models.CharField(max_length=16, blank=True)
    guid = models.UUIDField(unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "role"], name="refi_guid_one_per_object"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model} {self.object_id} {self.role} → {self.guid}"


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being made"
    SUCCEEDED = "succeeded", "Ready"
    FAILED = "failed", "Failed"
    WITHDRAWN = "withdrawn", "Withdrawn (consent)"


def _private_storage():
    from fieldwork.models import private_storage

    return private_storage()


class DocumentJob(models.Model):
    """A document made by a worker for one person: an export, a workshop pack, a report.

    queued → running → succeeded | failed; succeeded → withdrawn when a participant whose
    words it quotes withdraws (the file is deleted; it can be made again, without them).
    Claimed, leased and fenced as an import job is (fieldwork/jobs.py). What a kind builds
    and who may ask for it is in the registry (themes/documents.py)."""

    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    title = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents"
    )
    # Every site whose data the document holds: only someone who may see all of them may
    # download it (a project-wide document lists every site).
    site_ids = models.JSONField(default=list, blank=True)
    # ",3,17," — whose words it quotes, so a withdrawal finds the files it concerns.
    participants = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=12,
        choices=DocumentStatus.choices,
        default=DocumentStatus.QUEUED,
        db_index=True,
    )
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="documents/%Y/%m/", storage=_private_storage, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="documentjob_progress_100")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("themes:documents")

    @property
    def is_active(self) -> bool:
        return self.status in (DocumentStatus.QUEUED, DocumentStatus.RUNNING)

    @property
    def is_stale(self) -> bool:
        from django.utils import timezone

        return (
            self.status == DocumentStatus.RUNNING
            and self.lease_expires_at is not None
            and self.lease_expires_at < timezone.now()
        )

    def open_file(self):
        """The made file, read through the private storage as it is configured now."""
        return _private_storage().open(self.file.name, "rb")

    @property
    def participant_ids(self) -> list[int]:
        return [int(p) for p in self.participants.strip(",").split(",") if p]
