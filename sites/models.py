"""Who and where: sites (inter-agency teams), people, consent, phases, access."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class SiteQuerySet(models.QuerySet):
    def visible_to(self, user) -> SiteQuerySet:
        """The one place that decides which sites a user may see."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if is_project_lead(user):
            return self.all()
        return self.filter(memberships__user=user, memberships__site__isnull=False).distinct()


class Site(models.Model):
    """One inter-agency children's-services team taking part in the study."""

    code = models.SlugField(
        max_length=32,
        unique=True,
        help_text="Short identifier used in addresses, e.g. 'northbrook'.",
    )
    name = models.CharField(max_length=200)
    local_authority = models.CharField(
        "local authority (pseudonym)",
        max_length=200,
        help_text="A pseudonym: never the real authority's name.",
    )
    team_type = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sites:site-detail", kwargs={"code": self.code})


class SiteScopedQuerySet(models.QuerySet):
    """For every model with a `site` foreign key: the one place that decides which rows a
    user may see. Members see their sites' rows; project leads see all (no filter at all,
    which also keeps the planner on its best path for whole-project pages)."""

    def visible_to(self, user):
        if is_project_lead(user):
            return self.all()
        return self.filter(site__in=Site.objects.visible_to(user))


class Vocabulary(models.Model):
    """A controlled-vocabulary term: same shape for professions and agencies."""

    name = models.CharField(max_length=120, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Profession(Vocabulary):
    class Meta(Vocabulary.Meta):
        pass


class Agency(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name_plural = "agencies"


class Level(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    STRATEGIC = "strategic", "Strategic"


class ConsentScope(models.TextChoices):
    PARTICIPATION = "participation", "Taking part and being recorded"
    QUOTATION = "quotation", "Being quoted in outputs"
    WORKSHOP = "workshop", "Being shown to colleagues in workshops"
    ARCHIVING = "archiving", "Archiving"


class ConsentDecision(models.TextChoices):
    GIVEN = "given", "Given"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


@dataclass(frozen=True)
class ConsentStatus:
    """The current consent position of a participant, derived from the dated history."""

    key: str  # 'full' | 'partial' | 'withdrawn' | 'none'
    label: str
    by_scope: dict[str, str]  # scope value -> decision value, for scopes with a record

    @property
    def excludes_data(self) -> bool:
        """Whether this participant's words must leave dashboards, retrieval and exports."""
        return _excluded(self.by_scope)

    @property
    def badge_class(self) -> str:
        return {
            "full": "text-bg-success",
            "partial": "text-bg-warning",
            "withdrawn": "text-bg-danger",
            "none": "text-bg-secondary",
        }[self.key]


EXCLUDING_SCOPES = (ConsentScope.PARTICIPATION, ConsentScope.QUOTATION)


def _excluded(by_scope: dict[str, str]) -> bool:
    return any(
        by_scope.get(scope) in (ConsentDecision.WITHDRAWN, ConsentDecision.DECLINED)
        for scope in EXCLUDING_SCOPES
    )


def consent_status_from_records(records) -> ConsentStatus:
    """Fold consent records (any order) into the current status: the latest record per scope,
    by effective date then by when it was entered, wins."""
    latest: dict[str, ConsentRecord] = {}
    for record in records:
        current = latest.get(record.scope)
        if current is None or (record.effective_date, record.recorded_at, record.pk or 0) > (
            current.effective_date,
            current.recorded_at,
            current.pk or 0,
        ):
            latest[record.scope] = record
    by_scope = {scope: record.decision for scope, record in latest.items()}
    if not by_scope:
        return ConsentStatus("none", "No consent recorded", by_scope)
    if by_scope.get(ConsentScope.PARTICIPATION) == ConsentDecision.WITHDRAWN:
        return ConsentStatus("withdrawn", "Withdrawn", by_scope)
    if _excluded(by_scope):
        return ConsentStatus("withdrawn", "Withdrawn from quotation", by_scope)
    if all(by_scope.get(scope) == ConsentDecision.GIVEN for scope in ConsentScope.values):
        return ConsentStatus("full", "Full consent", by_scope)
    return ConsentStatus("partial", "Partial consent", by_scope)


class ParticipantQuerySet(SiteScopedQuerySet):
    def with_details(self) -> ParticipantQuerySet:
        return self.select_related("site", "profession", "agency").prefetch_related(
            "consent_records"
        )

    def excluded_by_consent(self) -> ParticipantQuerySet:
        """Participants whose latest decision for taking part or for quotation is withdrawn
        or declined. Computed from the history in one query, never stored."""
        latest = ConsentRecord.objects.filter(participant=models.OuterRef("pk")).order_by(
            "-effective_date", "-recorded_at", "-pk"
        )
        annotations = {
            f"latest_{scope}": models.Subquery(latest.filter(scope=scope).values("decision")[:1])
            for scope in EXCLUDING_SCOPES
        }
        blocked = [ConsentDecision.WITHDRAWN, ConsentDecision.DECLINED]
        condition = Q()
        for scope in EXCLUDING_SCOPES:
            condition |= Q(**{f"latest_{scope}__in": blocked})
        return self.annotate(**annotations).filter(condition)

    def withdrawals(self) -> dict[int, datetime.date]:
        """Participant id -> the date of the withdrawal (or refusal) that excludes them, for
        every participant in `excluded_by_consent()`: the one exclusion every output and
        every view of the text reads, computed once per request, never stored.

        Only participants with some withdrawn or declined record can have it as their latest
        decision, so the 'latest decision' subqueries run on those few, not on everyone."""
        blocked = [ConsentDecision.WITHDRAWN, ConsentDecision.DECLINED]
        candidates = ConsentRecord.objects.filter(decision__in=blocked).values("participant_id")
        latest = ConsentRecord.objects.filter(
            participant=models.OuterRef("pk"), scope__in=EXCLUDING_SCOPES, decision__in=blocked
        ).order_by("-effective_date", "-recorded_at", "-pk")
        rows = (
            self.filter(pk__in=candidates)
            .excluded_by_consent()
            .annotate(withdrawn_on=models.Subquery(latest.values("effective_date")[:1]))
            .order_by()
            .values_list("pk", "withdrawn_on")
        )
        return dict(rows)

    def excluded_ids(self) -> list[int]:
        """The ids of `withdrawals()`."""
        return list(self.withdrawals())


class Participant(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="participants")
    pseudonym = models.CharField(max_length=80)
    profession = models.ForeignKey(
        Profession, on_delete=models.PROTECT, related_name="participants"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="participants", null=True, blank=True
    )
    job_title = models.CharField(max_length=200, blank=True)
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.OPERATIONAL)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["site", "pseudonym"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "pseudonym"], name="participant_pseudonym_unique_in_site"
            )
        ]

    def __str__(self) -> str:
        return self.pseudonym

    def get_absolute_url(self) -> str:
        return reverse("sites:participant-detail", kwargs={"code": self.site.code, "pk": self.pk})

    @property
    def consent(self) -> ConsentStatus:
        """Derived from the (ideally prefetched) consent history."""
        return consent_status_from_records(self.consent_records.all())


class ConsentRecord(models.Model):
    """One dated entry in a participant's consent history. Never edited: a change is a new
    record, so the history shows who recorded what and when."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="consent_records"
    )
    scope = models.CharField(max_length=20, choices=ConsentScope.choices)
    decision = models.CharField(max_length=12, choices=ConsentDecision.choices)
    effective_date = models.DateField(default=timezone.localdate)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_date", "-recorded_at"]
        indexes = [models.Index(fields=["participant", "scope", "-effective_date"])]

    def __str__(self) -> str:
        return (
            f"{self.participant}: {self.get_scope_display()} "
            f"{self.get_decision_display().lower()} on {self.effective_date:%d %b %Y}"
        )


class ResearchPhaseQuerySet(models.QuerySet):
    def for_date(self, day: datetime.date | None) -> ResearchPhase | None:
        if day is None:
            return None
        return self.filter(start__lte=day, end__gte=day).order_by("number").first()


class ResearchPhase(models.Model):
    """A stage of the study. An object's phase follows from its date."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=120)
    start = models.DateField()
    end = models.DateField()
    description = models.TextField(blank=True)

    objects = ResearchPhaseQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="phase_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"Phase {self.number}: {self.name}"


class Role(models.TextChoices):
    LEAD = "lead", "Lead"
    RESEARCHER = "researcher", "Researcher"
    FACILITATOR = "facilitator", "Facilitator"
    VIEWER = "viewer", "Viewer"


EDIT_FIELDWORK_ROLES = {Role.LEAD, Role.RESEARCHER}
PLAN_WORKSHOP_ROLES = {Role.LEAD, Role.FACILITATOR}


class Membership(models.Model):
    """A user's role at one site. A row with no site and role 'lead' makes the user a
    project-wide lead, who sees every site."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="memberships", null=True, blank=True
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "site"],
                condition=Q(site__isnull=False),
                name="membership_one_role_per_site",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(site__isnull=True),
                name="membership_one_project_role",
            ),
            models.CheckConstraint(
                condition=Q(site__isnull=False) | Q(role="lead"),
                name="membership_project_wide_is_lead",
            ),
        ]

    def __str__(self) -> str:
        where = self.site.name if self.site_id else "all sites"
        return f"{self.user} — {self.get_role_display()} ({where})"

    def clean(self) -> None:
        if self.site_id is None and self.role != Role.LEAD:
            raise ValidationError({"role": "Only a lead can be given access to every site."})


def is_project_lead(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_is_project_lead", None)
    if cached is None:
        cached = (
            user.is_superuser
            or Membership.objects.filter(user=user, site__isnull=True, role=Role.LEAD).exists()
        )
        user._is_project_lead = cached
    return cached


class AuditEvent(models.Model):
    """Append-only record of who changed what, and when."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verb = models.CharField(max_length=60)
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["site", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.verb} {self.object_repr}"
