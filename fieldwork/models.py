"""What was recorded: observations, interviews, documents, and the codeable Source text.

Every codeable text is a `Source` (plain text, NFC, LF line endings). Its `Segment` rows are
speaker turns holding `[start, end)` offsets in Unicode code points of `Source.text`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from sites.models import Participant, ResearchPhase, Site


class SourceKind(models.TextChoices):
    INTERVIEW = "interview", "Interview"
    OBSERVATION = "observation", "Observation"
    DOCUMENT = "document", "Field document"
    WORKSHOP = "workshop", "Workshop recording"


class SourceQuerySet(models.QuerySet):
    def visible_to(self, user) -> SourceQuerySet:
        """The one place that decides which sources a user may see."""
        return self.filter(site__in=Site.objects.visible_to(user))


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
            models.Index(fields=["participant"]),
        ]

    def __str__(self) -> str:
        return f"{self.source} #{self.order} ({self.speaker or 'no speaker'})"
