"""Reads for the sites app: constant query counts, already joined."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from .models import AuditEvent, Membership, Participant, Site


def site_list(*, user) -> QuerySet:
    return (
        Site.objects.visible_to(user)
        .annotate(
            participant_count=Count("participants", distinct=True),
            member_count=Count(
                "memberships", filter=Q(memberships__site__isnull=False), distinct=True
            ),
            unconsented_count=Count(
                "participants",
                filter=Q(participants__consent_records__isnull=True),
                distinct=True,
            ),
        )
        .order_by("name")
    )


def site_participants(*, site: Site) -> list[Participant]:
    return list(Participant.objects.filter(site=site).with_details().order_by("pseudonym"))


def site_members(*, site: Site) -> QuerySet[Membership]:
    return Membership.objects.filter(site=site).select_related("user").order_by("user__username")


@dataclass(frozen=True)
class AttentionItem:
    participant: Participant
    reason: str


def attention_items(*, user, limit: int = 20) -> list[AttentionItem]:
    """What needs a researcher's attention: participants with no consent on record, and
    recent withdrawals (so nobody quotes them by mistake)."""
    participants = (
        Participant.objects.visible_to(user).with_details().order_by("site__name", "pseudonym")
    )
    items = []
    for participant in participants:
        status = participant.consent
        if status.key == "none":
            items.append(AttentionItem(participant, "No consent recorded yet"))
        elif status.key == "partial" and "participation" not in status.by_scope:
            items.append(AttentionItem(participant, "Consent to take part not recorded"))
    return items[:limit]


def participant_erased_at(*, participant: Participant):
    """When this participant's words were last erased (themes.erasure), or None."""
    return (
        AuditEvent.objects.filter(
            verb="participant.erase",
            object_type=Participant._meta.label,
            object_id=str(participant.pk),
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


@dataclass(frozen=True)
class ConsentFlag:
    """A warning on the site page about words that escape the consent checks, with links
    to where it is fixed."""

    text: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


# Apps to the right of `sites` register a provider in their AppConfig.ready() (as for
# `services.consent_impact_providers`): it receives a site, returns flags. Keeps the
# dependency direction intact.
ConsentFlagProvider = Callable[[Site], list[ConsentFlag]]
consent_flag_providers: list[ConsentFlagProvider] = []


def site_consent_flags(*, site: Site) -> list[ConsentFlag]:
    flags: list[ConsentFlag] = []
    for provider in consent_flag_providers:
        flags.extend(provider(site))
    return flags
