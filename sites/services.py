"""Writes for the sites app. Keyword-only, validated, atomic; views, admin, commands and
seed data all call these."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.db import transaction

from .access import ApplicationError
from .models import (
    AuditEvent,
    ConsentDecision,
    ConsentRecord,
    ConsentScope,
    Membership,
    Participant,
    Role,
    Site,
)
from .signals import consent_recorded

PARTICIPANT_FIELDS = ("pseudonym", "profession", "agency", "job_title", "level", "notes")


def audit_record(
    *,
    actor,
    verb: str,
    obj,
    site: Site | None = None,
    changes: dict | None = None,
) -> AuditEvent:
    """Append one audit event. Called inside the caller's transaction, so an action and its
    audit record land together or not at all."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        site=site,
        object_type=obj._meta.label,
        object_id=str(obj.pk or ""),
        object_repr=str(obj)[:300],
        changes=changes or {},
    )


def field_snapshot(obj, fields: Iterable[str]) -> dict[str, str | None]:
    """The audit-friendly values of some fields (str of each, None kept)."""
    values = {}
    for field in fields:
        value = getattr(obj, field)
        values[field] = str(value) if value is not None else None
    return values


def apply_changes(obj, fields: Iterable[str], values: dict) -> dict[str, list]:
    """Set the given fields from `values` (keys not in it are left alone) and return the
    audit diff {field: [before, after]} of what actually changed. Validation and saving
    stay with the caller."""
    fields = tuple(fields)
    before = field_snapshot(obj, fields)
    for field in fields:
        if field in values:
            setattr(obj, field, values[field])
    after = field_snapshot(obj, fields)
    return {f: [before[f], after[f]] for f in fields if before[f] != after[f]}


def participant_create(*, site: Site, actor, **fields) -> Participant:
    participant = Participant(
        site=site, **{k: fields[k] for k in PARTICIPANT_FIELDS if k in fields}
    )
    participant.full_clean()
    with transaction.atomic():
        participant.save()
        audit_record(
            actor=actor,
            verb="participant.create",
            obj=participant,
            site=site,
            changes=field_snapshot(participant, PARTICIPANT_FIELDS),
        )
    return participant


def participant_update(*, participant: Participant, actor, **fields) -> Participant:
    diff = apply_changes(participant, PARTICIPANT_FIELDS, fields)
    participant.full_clean()
    with transaction.atomic():
        participant.save()
        if diff:
            audit_record(
                actor=actor,
                verb="participant.update",
                obj=participant,
                site=participant.site,
                changes=diff,
            )
    return participant


def consent_record(
    *,
    participant: Participant,
    actor,
    scopes: Iterable[str],
    decision: str,
    effective_date: datetime.date | None = None,
    note: str = "",
) -> list[ConsentRecord]:
    """Add one dated record per scope to a participant's consent history."""
    scopes = list(dict.fromkeys(scopes))
    if not scopes:
        raise ApplicationError("Choose at least one thing the consent decision is about.")
    effective_date = effective_date or datetime.date.today()
    if effective_date > datetime.date.today():
        raise ApplicationError("A consent decision cannot be dated in the future.")
    records = []
    with transaction.atomic():
        for scope in scopes:
            record = ConsentRecord(
                participant=participant,
                scope=ConsentScope(scope),
                decision=ConsentDecision(decision),
                effective_date=effective_date,
                note=note,
                recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            record.full_clean()
            record.save()
            records.append(record)
        audit_record(
            actor=actor,
            verb=f"consent.{decision}",
            obj=participant,
            site=participant.site,
            changes={
                "scopes": scopes,
                "decision": decision,
                "effective_date": effective_date.isoformat(),
                "note": note,
            },
        )
        # Apps to the right of `sites` react inside the same transaction (workshops audits
        # the mirror items a withdrawal revokes).
        consent_recorded.send(
            sender=ConsentRecord, participant=participant, actor=actor, decision=decision
        )
    return records


def membership_set(*, user, site: Site | None, role: str, actor) -> Membership:
    """Give a user a role at a site (or change the role they have)."""
    with transaction.atomic():
        membership = Membership.objects.filter(user=user, site=site).first()
        before = membership.role if membership else None
        if membership is None:
            membership = Membership(user=user, site=site, role=role)
        membership.role = role
        membership.full_clean(validate_constraints=False)
        membership.save()
        if before != role:
            audit_record(
                actor=actor,
                verb="membership.set",
                obj=membership,
                site=site,
                changes={"user": user.get_username(), "role": [before, role]},
            )
    return membership


def membership_remove(*, membership: Membership, actor) -> None:
    site = membership.site
    if (
        site is not None
        and membership.role == Role.LEAD
        and not Membership.objects.filter(site=site, role=Role.LEAD)
        .exclude(pk=membership.pk)
        .exists()
        and membership.user == actor
    ):
        raise ApplicationError(
            "You are this site's only lead: give someone else the lead role before "
            "removing your own access."
        )
    with transaction.atomic():
        audit_record(
            actor=actor,
            verb="membership.remove",
            obj=membership,
            site=site,
            changes={"user": membership.user.get_username(), "role": [membership.role, None]},
        )
        membership.delete()


# What a consent withdrawal will take out of outputs. Apps to the right of `sites` register
# a provider in their AppConfig.ready(): it receives a participant and returns short
# sentences such as "41 speaker turns in 3 sources". Keeps the dependency direction intact.
ConsentImpactProvider = Callable[[Participant], list[str]]
consent_impact_providers: list[ConsentImpactProvider] = []


def consent_withdrawal_impact(participant: Participant) -> list[str]:
    lines: list[str] = []
    for provider in consent_impact_providers:
        lines.extend(provider(participant))
    return lines
