"""Links from the audit record to fieldwork objects (registered with sites.audit in
FieldworkConfig.ready(); sites may not import fieldwork)."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from sites.audit import link_resolvers
from sites.models import AuditEvent

from .models import ImportJob, Replacement, Source


def _ids(events: Sequence[AuditEvent]) -> set[int]:
    return {int(e.object_id) for e in events if e.object_id.isdigit()}


def source_links(events: Sequence[AuditEvent]) -> dict[int, str]:
    existing = set(Source.objects.filter(pk__in=_ids(events)).values_list("pk", flat=True))
    return {
        e.pk: reverse("fieldwork:source-detail", args=[e.object_id])
        for e in events
        if e.object_id.isdigit() and int(e.object_id) in existing
    }


def import_links(events: Sequence[AuditEvent]) -> dict[int, str]:
    codes = dict(ImportJob.objects.filter(pk__in=_ids(events)).values_list("pk", "site__code"))
    return {
        e.pk: reverse("fieldwork:import-detail", args=[codes[int(e.object_id)], e.object_id])
        for e in events
        if e.object_id.isdigit() and int(e.object_id) in codes
    }


def replacement_links(events: Sequence[AuditEvent]) -> dict[int, str]:
    return {
        e.pk: reverse("fieldwork:replacement-list", args=[e.site.code]) for e in events if e.site_id
    }


def register() -> None:
    link_resolvers[Source._meta.label] = source_links
    link_resolvers[ImportJob._meta.label] = import_links
    link_resolvers[Replacement._meta.label] = replacement_links
