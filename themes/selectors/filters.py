"""Excerpt filters and who sees which codings: the filter form's choices, phases as SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from sites.models import ResearchPhase, Site, is_project_lead

from ..models import (
    Coding,
    blind_filter,
)


@dataclass
class ExcerptFilters:
    """What the dashboard, retrieval and exports can be narrowed by. Empty means 'all'."""

    sites: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    phases: list[int] = field(default_factory=list)  # phase numbers
    professions: list[int] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    coders: list[int] = field(default_factory=list)
    participant: int | None = None
    q: str = ""

    def as_q(self, phases: list[ResearchPhase]) -> Q:
        condition = Q()
        if self.sites:
            condition &= Q(site_id__in=self.sites)
        if self.kinds:
            condition &= Q(source__kind__in=self.kinds)
        if self.phases:
            wanted = Q(pk__in=[])
            for phase in phases:
                if phase.number in self.phases:
                    wanted |= Q(source__date__range=(phase.start, phase.end))
            condition &= wanted
        if self.professions:
            condition &= Q(participant__profession_id__in=self.professions)
        if self.levels:
            condition &= Q(participant__level__in=self.levels)
        if self.coders:
            condition &= Q(coder_id__in=self.coders)
        if self.participant:
            condition &= Q(participant_id=self.participant)
        return condition


def phase_case(phases: list[ResearchPhase]) -> Case:
    """SQL expression: the phase number of the coding's source (0 when undated/outside)."""
    return Case(
        *[When(source__date__range=(p.start, p.end), then=Value(p.number)) for p in phases],
        default=Value(0),
        output_field=IntegerField(),
    )


def visible_site_list(user) -> list[Site]:
    return list(Site.objects.visible_to(user).order_by("name"))


def _visible(qs: QuerySet, user, sites: list[Site] | None = None) -> QuerySet:
    """`Coding.objects.visible_to(user)` (site scope, then blind exercises), with the sites
    already read when the caller has them."""
    qs = qs.filter(blind_filter(user))
    if is_project_lead(user):
        return qs
    if sites is None:
        return qs.filter(site__in=Site.objects.visible_to(user))
    return qs.filter(site_id__in=[s.pk for s in sites])


def coder_choices(*, user, sites: list[Site] | None = None) -> list[tuple[int, str]]:
    """The coders whose codings `user` may see (their sites, less those an open blind
    exercise hides), by name: the coders filter offers no one else. One query (two without
    `sites`, the user's sites if already read: given as ids, each coder's test is a probe of
    the (site, coder) index)."""
    User = get_user_model()
    if sites is None:
        sites = visible_site_list(user)
    visible = _visible(Coding.objects.all(), user, sites).filter(coder_id=OuterRef("pk"))
    users = User.objects.filter(Exists(visible)).order_by("username")
    return [(u.pk, u.get_full_name() or u.get_username()) for u in users]
