"""Fieldwork in the admin: read-only. Sources, turns and their speakers, imports and
replacements change only on the app's pages, through fieldwork.services (audit, re-anchoring,
and the speaker-change hooks that keep `Coding.participant` in step)."""

from django.contrib import admin

from sites.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    AnonymisationEntry,
    FieldDocument,
    ImportJob,
    Interview,
    Observation,
    Replacement,
    Segment,
    Source,
)


class SegmentInline(ReadOnlyInline, admin.TabularInline):
    model = Segment
    fields = ("order", "speaker", "participant", "researcher", "start", "end", "start_ms")
    readonly_fields = fields


@admin.register(Source)
class SourceAdmin(ReadOnlyAdmin):
    list_display = ("title", "site", "kind", "date", "created_by")
    list_filter = ("site", "kind")
    search_fields = ("title",)
    exclude = ("text",)  # long; read it on the source's page
    inlines = [SegmentInline]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("filename", "site", "kind", "status", "progress", "created_at")
    list_filter = ("status", "site", "kind")
    exclude = ("original",)  # private storage is never served, not even to staff here


@admin.register(Replacement)
class ReplacementAdmin(ReadOnlyAdmin):
    list_display = ("original", "pseudonym", "site")
    list_filter = ("site",)


@admin.register(Observation, Interview, FieldDocument)
class FieldworkKindAdmin(ReadOnlyAdmin):
    list_display = ("__str__",)


@admin.register(AnonymisationEntry)
class AnonymisationEntryAdmin(ReadOnlyAdmin):
    list_display = ("source", "original", "pseudonym", "count")
